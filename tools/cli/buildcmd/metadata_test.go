package buildcmd

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/ocimeta"
)

// TestOCIMetadata runs the image flags' options as nixpy plan reads them: --oci-metadata adds pyproject's
// values always and the workspace status's only with --stamp, under the keys --label and --annotation leave.
func TestOCIMetadata(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	top := "/nix/store/00000000000000000000000000000000-app"
	closureFile := write("closure.json", `{"paths":[{"path":"`+top+`","narHash":"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","narSize":1,"references":[]}]}`)
	pyproject := write("pyproject.toml", "[project]\nname = \"app\"\nversion = \"1.0\"\ndescription = \"Uses {braces}\"\nlicense = \"MIT\"\n[project.urls]\nRepository = \"https://git.example/app\"\n")
	status := write("status.txt", "STABLE_GIT_COMMIT abc123\nBUILD_TIMESTAMP 1700000000\n")
	project := map[string]string{ocimeta.Title: "app", ocimeta.Version: "2.0", ocimeta.Description: "Uses {braces}", ocimeta.Licenses: "MIT", ocimeta.Source: "https://git.example/app"}

	tests := []struct {
		name                   string
		args                   []string
		wantLabels, wantAnnots map[string]string
	}{
		{"off", []string{"--pyproject", pyproject, "--label", "a=b"}, map[string]string{"a": "b"}, map[string]string{}},
		{"unstamped: pyproject only", []string{"--oci-metadata", "--pyproject", pyproject, "--label", ocimeta.Version + "=2.0"},
			project, project},
		{"stamped: revision and created too", []string{"--oci-metadata", "--pyproject", pyproject, "--stamp", status, "--label", ocimeta.Version + "=2.0"},
			ocimeta.Combine(project, map[string]string{ocimeta.Revision: "abc123", ocimeta.Created: "2023-11-14T22:13:20Z"}),
			ocimeta.Combine(project, map[string]string{ocimeta.Revision: "abc123", ocimeta.Created: "2023-11-14T22:13:20Z"})},
		{"stamped without pyproject", []string{"--oci-metadata", "--stamp", status},
			map[string]string{ocimeta.Revision: "abc123", ocimeta.Created: "2023-11-14T22:13:20Z"},
			map[string]string{ocimeta.Revision: "abc123", ocimeta.Created: "2023-11-14T22:13:20Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("plan", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := addImageFlags(fs)
			if err := fs.Parse(append([]string{"--closure", closureFile, "--top", top}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			opts, err := f.options()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(map[string]string(opts.Labels), tt.wantLabels) {
				t.Errorf("labels = %v, want %v", opts.Labels, tt.wantLabels)
			}
			if !reflect.DeepEqual(map[string]string(opts.Annotations), tt.wantAnnots) {
				t.Errorf("annotations = %v, want %v", opts.Annotations, tt.wantAnnots)
			}
		})
	}

	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	f := addImageFlags(fs)
	if err := fs.Parse([]string{"--closure", closureFile, "--top", top, "--oci-metadata", "--pyproject", filepath.Join(dir, "missing.toml")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.options(); err == nil {
		t.Error("a missing --pyproject: no error")
	}
}
