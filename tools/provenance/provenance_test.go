package provenance

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNew(t *testing.T) {
	dir := t.TempDir()
	pyproject := filepath.Join(dir, "pyproject.toml")
	lock := filepath.Join(dir, "uv.lock")
	for path, text := range map[string]string{pyproject: "[project]\nname = \"app\"\n", lock: "version = 1\n"} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const digest = "sha256:c74448fbfd81dd003d47d468410c370adb766afbde25460b60eb8c3aed47e222"
	inputs := []Input{{Role: "pyproject", Name: "app/pyproject.toml", Path: pyproject}, {Role: "lock", Name: "app/uv.lock", Path: lock}}
	tests := []struct {
		name   string
		opts   Options
		golden string
		err    string
	}{
		{"unstamped", Options{BuilderID: "https://example.com/ci", Image: "//app:image", ImageDigest: digest, Inputs: inputs}, "unstamped.json", ""},
		{"stamped with nixpkgs", Options{
			BuilderID: "https://github.com/acme/app/.github/workflows/images.yml", Image: "//app:image", ImageDigest: digest, Inputs: inputs,
			NixpkgsRevision: "0123456789abcdef0123456789abcdef01234567", Source: "https://github.com/acme/app", Commit: "89abcdef",
		}, "stamped.json", ""},
		{"no builder", Options{Image: "//app:image", ImageDigest: digest}, "", "no builder id"},
		{"bad digest", Options{BuilderID: "x", Image: "//app:image", ImageDigest: "sha256:abc"}, "", `image digest "sha256:abc"`},
		{"missing lock", Options{BuilderID: "x", Image: "//app:image", ImageDigest: digest, Inputs: []Input{{Role: "lock", Name: "app/uv.lock", Path: filepath.Join(dir, "nope")}}}, "", "lock app/uv.lock: open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("predicate differs from %s:\n%s", golden, got)
			}
		})
	}
}
