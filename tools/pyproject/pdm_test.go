package pyproject

import (
	"strings"
	"testing"
)

func TestParsePDMUnpackaged(t *testing.T) {
	tests := []struct {
		name, path, src string
		unpackaged      bool
		want            string // name version backend | dependencies | scripts
	}{
		{"distribution = false, no name", "services/My_Api/pyproject.toml", `[project]
requires-python = ">=3.11"
dependencies = ["fastapi>=0.110"]
[project.scripts]
api = "main:run"
[tool.pdm]
distribution = false
[tool.pdm.dev-dependencies]
test = ["pytest"]
`, true, "my-api   | fastapi>=0.110 | "},
		{"empty name, no directory in the path", "pyproject.toml", `[project]
name = ""
dependencies = ["flask"]
[tool.pdm.scripts]
start = "flask run"
`, true, "app   | flask | "},
		{"named application keeps its name and version", "x/pyproject.toml", `[project]
name = "hotel"
version = "0.0.1"
dependencies = ["django"]
[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"
[tool.pdm]
distribution = false
`, true, "hotel 0.0.1  | django | "},
		{"package-type decides before distribution", "x/pyproject.toml", `[project]
name = "svc"
[tool.pdm]
package-type = "application"
distribution = true
`, true, "svc   |  | "},
		{"a PDM library is built", "x/pyproject.toml", `[project]
name = "lib"
version = "1"
[project.scripts]
lib = "lib:main"
[tool.pdm]
distribution = true
[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"
`, false, "lib 1 pdm.backend |  | lib"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.path, []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if p.Unpackaged != tt.unpackaged {
				t.Errorf("Unpackaged = %v, want %v", p.Unpackaged, tt.unpackaged)
			}
			var scripts []string
			for s := range p.Scripts {
				scripts = append(scripts, s)
			}
			got := p.Name + " " + p.Version + " " + p.BuildBackend + " | " + names(p.Dependencies) + " | " + strings.Join(scripts, " ")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePDMUnpackagedErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no name without [tool.pdm]", "[project]\ndependencies = [\"flask\"]\n",
			"pyproject.toml: project.name: missing: name the project, or, for an application PDM runs from its sources, set [tool.pdm] distribution = false"},
		{"a PDM library needs a name", "[project]\nversion = \"1\"\n[tool.pdm]\ndistribution = true\n",
			"pyproject.toml: project.name: missing: name the project"},
		{"a named library needs a version", "[project]\nname = \"a\"\n[tool.pdm]\ndistribution = true\n",
			"pyproject.toml: project.version: missing and not listed in project.dynamic"},
	}
	for _, tt := range tests {
		_, err := Parse("pyproject.toml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}
