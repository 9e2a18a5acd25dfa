package closure

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	glibc  = "/nix/store/aaaa-glibc-2.40"
	python = "/nix/store/bbbb-python3-3.12"
	app    = "/nix/store/cccc-app"
)

func want() *Closure {
	return &Closure{Paths: []Path{
		{Path: glibc, NarHash: "sha256-g", NarSize: 30, References: []string{glibc}},
		{Path: python, NarHash: "sha256-p", NarSize: 100, References: []string{glibc, python}},
		{Path: app, NarHash: "sha256-a", NarSize: 5, References: []string{glibc, python}},
	}}
}

func TestParsePathInfo(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{"nix 2.8 list", `[
 {"path":"` + app + `","narHash":"sha256-a","narSize":5,"references":["` + python + `","` + glibc + `"],"valid":true},
 {"path":"` + glibc + `","narHash":"sha256-g","narSize":30,"references":["` + glibc + `"]},
 {"path":"` + python + `","narHash":"sha256-p","narSize":100,"references":["` + glibc + `","` + python + `"]}]`, ""},
		{"nix 2.34 object", `{
 "` + python + `":{"narHash":"sha256-p","narSize":100,"references":["` + python + `","` + glibc + `"],"ca":null},
 "` + app + `":{"narHash":"sha256-a","narSize":5,"references":["` + glibc + `","` + python + `"]},
 "` + glibc + `":{"narHash":"sha256-g","narSize":30,"references":["` + glibc + `"]}}`, ""},
		{"invalid path in 2.34", `{"` + app + `":null}`, "not valid in the store"},
		{"not closed", `[{"path":"` + app + `","narHash":"sha256-a","narSize":5,"references":["` + glibc + `"]}]`, "references " + glibc + ", which is missing"},
		{"neither", `"x"`, "neither a JSON list nor a JSON object"},
		{"broken JSON", `[{"path":`, "parsing nix path-info list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePathInfo([]byte(tt.input))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := want()
			w.normalize()
			if !reflect.DeepEqual(got, w) {
				t.Errorf("got %+v\nwant %+v", got, w)
			}
		})
	}
}

// TestParseRealOutput reads what real nix versions printed: 2.8 (Debian bookworm) for a
// three-path closure, 2.34 (Debian sid) in its default and --json-format 2 for a flask closure.
func TestParseRealOutput(t *testing.T) {
	tests := []struct {
		file      string
		wantPaths int
		root      string
		wantRefs  int
	}{
		{"nix-2.8.json", 3, "/nix/store/c4ccac7c24dc8ql3ymvvx4vnj4ph1bq1-nixpy-top", 2},
		{"nix-2.34.json", 27, "/nix/store/0gsi74q87r1g7krl30q0iymjq429p2dv-python3.11-flask-2.2.2", 7},
		{"nix-2.34-json-format-2.json", 27, "/nix/store/0gsi74q87r1g7krl30q0iymjq429p2dv-python3.11-flask-2.2.2", 7},
	}
	var parsed []*Closure
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParsePathInfo(data)
			if err != nil {
				t.Fatal(err)
			}
			root, ok := c.Lookup(tt.root)
			if len(c.Paths) != tt.wantPaths || !ok || len(root.References) != tt.wantRefs || !strings.HasPrefix(root.NarHash, "sha256-") || root.NarSize <= 0 {
				t.Errorf("%d paths, root %+v", len(c.Paths), root)
			}
			parsed = append(parsed, c)
		})
	}
	if len(parsed) == 3 && !reflect.DeepEqual(parsed[1], parsed[2]) {
		t.Error("nix 2.34's two JSON formats give different closures")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(c *Closure)
		wantErr string
	}{
		{"valid", func(c *Closure) {}, ""},
		{"empty", func(c *Closure) { c.Paths = nil }, "closure is empty"},
		{"relative", func(c *Closure) { c.Paths[0].Path = "nix/store/x" }, "not an absolute store path"},
		{"two stores", func(c *Closure) { c.Paths[2].Path = "/other/store/cccc-app" }, "not in the store directory"},
		{"duplicate", func(c *Closure) { c.Paths[1].Path = glibc }, "appears twice"},
		{"no hash", func(c *Closure) { c.Paths[1].NarHash = "" }, "has no narHash"},
		{"negative size", func(c *Closure) { c.Paths[1].NarSize = -1 }, "negative narSize"},
		{"dangling", func(c *Closure) { c.Paths[1].References = append(c.Paths[1].References, "/nix/store/zzzz-gone") }, "/nix/store/zzzz-gone, which is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := want()
			tt.edit(c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "closure.json")
	c := want()
	if err := c.Write(file); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(file)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("read back %+v, want %+v", got, c)
	}
	if err := got.Write(file); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(file)
	if string(first) != string(second) {
		t.Errorf("rewrite changed bytes:\n%s\n%s", first, second)
	}
	if p, ok := got.Lookup(python); !ok || p.NarSize != 100 {
		t.Errorf("Lookup(%s) = %+v, %v", python, p, ok)
	}
	if _, ok := got.Lookup("/nix/store/nope"); ok {
		t.Error("Lookup of a missing path succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp files left beside closure.json: %v", entries)
	}
}

func TestOf(t *testing.T) {
	c := want()
	sub, err := c.Of([]string{python})
	if err != nil {
		t.Fatal(err)
	}
	if len(sub.Paths) != 2 || sub.Paths[0].Path != glibc || sub.Paths[1].Path != python {
		t.Errorf("closure of python = %+v", sub.Paths)
	}
	if _, err := c.Of([]string{"/nix/store/nope"}); err == nil {
		t.Error("closure of a path outside the closure succeeded")
	}
}

func TestReadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, content, wantErr string }{
		{"malformed.json", `{"paths": [`, "malformed JSON"},
		{"unknown.json", `{"paths": [], "extra": 1}`, "malformed JSON"},
		{"open.json", `{"paths":[{"path":"` + app + `","narHash":"h","narSize":1,"references":["` + glibc + `"]}]}`, "not closed under references"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, tt.name)
			if err := os.WriteFile(file, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Read(file)
			if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to name %s and contain %q", err, file, tt.wantErr)
			}
		})
	}
}
