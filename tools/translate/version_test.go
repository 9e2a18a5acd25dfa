package translate

import (
	"strings"
	"testing"
)

// TestAppVersion checks the version lines the app gets for each source of a version.
func TestAppVersion(t *testing.T) {
	const scm = "[project]\nname = \"app\"\ndynamic = [\"version\"]\n[tool.pdm.version]\nsource = \"scm\"\n" +
		"[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n"
	tests := []struct {
		name, pyproject, given string
		want                   []string
	}{
		{"stated", "[project]\nname = \"app\"\nversion = \"1.0\"\n", "2.0", []string{`version = "1.0";`}},
		{"from version control, given", scm, "2.1.0", []string{`version = "2.1.0";`, `PDM_BUILD_SCM_VERSION = "2.1.0";`}},
		{"from version control, given and normalised", scm, "v2.1-RC1", []string{`version = "2.1rc1";`, `PDM_BUILD_SCM_VERSION = "2.1rc1";`}},
		{"from version control, fallback", strings.Replace(scm, "source = \"scm\"\n", "source = \"scm\"\nfallback_version = \"0.0.1\"\n", 1), "",
			[]string{`version = "0.0.1";`, `PDM_BUILD_SCM_VERSION = "0.0.1";`}},
		{"from version control, unknown", scm, "", []string{`version = throw "nixpy: pyproject.toml: tool.pdm.version.source = \"scm\": the version comes from version control (pdm-backend), which a Nix build does not see: give the version with py_nix_image's version attribute (nixpy translate --project-version)";`}},
		{"from a file", "[project]\nname = \"app\"\ndynamic = [\"version\"]\n[tool.hatch.version]\npath = \"app/about.py\"\n" +
			"[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n", "",
			[]string{`version = nixpy.versionIn src "pyproject.toml: tool.hatch.version.path" "assignment" "__version__|__VERSION__|VERSION|version|Version" [ "app/about.py" ];`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(tt.pyproject)}, nil,
				Options{Mode: "nixpkgs", Python: "3.12", System: "x86_64-linux", ProjectVersion: tt.given})
			if err != nil {
				t.Fatal(err)
			}
			app := string(out[strings.Index(string(out), "python.pkgs.buildPythonApplication {"):])
			var lines []string
			for _, l := range strings.Split(app, "\n") {
				if l = strings.TrimSpace(l); strings.HasPrefix(l, "version = ") || strings.HasPrefix(l, "PDM_BUILD_SCM_VERSION = ") {
					lines = append(lines, l)
				}
			}
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("version lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	if _, err := Translate(Input{Name: "pyproject.toml", Data: []byte(scm)}, nil,
		Options{Mode: "nixpkgs", Python: "3.12", System: "x86_64-linux", ProjectVersion: "not-a-version"}); err == nil ||
		!strings.Contains(err.Error(), `project version "not-a-version"`) {
		t.Errorf("an invalid --project-version gave %v", err)
	}
}
