package pyproject

import (
	"sort"
	"strings"
	"testing"
)

func TestParsePoetryConstraint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*", ""},
		{"", ""},
		{"^1.2.3", ">=1.2.3,<2.0.0"},
		{"^0.2.3", ">=0.2.3,<0.3.0"},
		{"^0.0.3", ">=0.0.3,<0.0.4"},
		{"^0.0", ">=0.0,<0.1"},
		{"^0", ">=0,<1"},
		{"^3.10", ">=3.10,<4.0"},
		{"~1.2.3", ">=1.2.3,<1.3.0"},
		{"~1.2", ">=1.2,<1.3"},
		{"~1", ">=1,<2"},
		{"~=1.2", "~=1.2"},
		{"1.2.*", "==1.2.*"},
		{"2.31.0", "==2.31.0"},
		{"=2.31.0", "==2.31.0"},
		{">=1.2,<2", ">=1.2,<2"},
		{">= 1.2 < 2", ">=1.2,<2"},
		{">=3.9,<3.9.7 || >3.9.7,<3.11", ">=3.9,<3.9.7 || >3.9.7,<3.11"},
		{"^2.0 || *", ""},
	}
	for _, tt := range tests {
		alts, err := ParsePoetryConstraint(tt.in)
		if err != nil {
			t.Errorf("ParsePoetryConstraint(%q): %v", tt.in, err)
			continue
		}
		if got := (Dependency{Constraint: alts}).ConstraintString(); got != tt.want {
			t.Errorf("ParsePoetryConstraint(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"^x", "~", ">=1.0 || ^", "1.0\"; x"} {
		if _, err := ParsePoetryConstraint(bad); err == nil {
			t.Errorf("ParsePoetryConstraint(%q): want an error", bad)
		}
	}
}

func names(deps []Dependency) string {
	var out []string
	for _, d := range deps {
		s := d.Name
		if len(d.Extras) > 0 {
			s += "[" + strings.Join(d.Extras, ",") + "]"
		}
		if c := d.ConstraintString(); c != "" {
			s += c
		}
		if d.Marker != nil {
			s += "; " + d.Marker.String()
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestParsePEP621(t *testing.T) {
	src := `
[project]
name = "My_App"
version = "1.0"
requires-python = ">=3.11"
dependencies = ["Flask>=3.0", "celery[redis]>=5.3; sys_platform == 'linux'"]
dynamic = ["readme"]

[project.optional-dependencies]
Postgres = ["psycopg2-binary>=2.9"]

[project.scripts]
my-app = "my_app.cli:main"

[project.gui-scripts]
my-app-gui = "my_app.gui:main"

[dependency-groups]
test = ["pytest>=8"]
lint = ["ruff"]
dev = [{include-group = "test"}, {include-group = "lint"}, "ipython"]

[tool.uv]
dev-dependencies = ["mypy"]

[tool.pdm.dev-dependencies]
docs = ["sphinx"]

[build-system]
requires = ["hatchling>=1.20"]
build-backend = "hatchling.build"
`
	p, err := Parse("pyproject.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"name", p.Name, "my-app"},
		{"version", p.Version, "1.0"},
		{"requires-python", (Dependency{Constraint: p.RequiresPython}).ConstraintString(), ">=3.11"},
		{"deps", names(p.Dependencies), `celery[redis]>=5.3; sys_platform == "linux" flask>=3.0`},
		{"extra", names(p.Optional["postgres"]), "psycopg2-binary>=2.9"},
		{"dev group", names(p.Groups["dev"]), "ipython mypy pytest>=8 ruff"},
		{"pdm group", names(p.Groups["docs"]), "sphinx"},
		{"build", names(p.BuildRequires) + " " + p.BuildBackend, "hatchling>=1.20 hatchling.build"},
		{"scripts", p.Scripts["my-app"] + " " + p.Scripts["my-app-gui"], "my_app.cli:main my_app.gui:main"},
		{"tool", p.Tool, "pep621"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	sel, err := p.Selected([]string{"postgres"}, []string{"docs"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(sel); got != `celery[redis]>=5.3; sys_platform == "linux" flask>=3.0 psycopg2-binary>=2.9 sphinx` {
		t.Errorf("Selected = %q", got)
	}
	if _, err := p.Selected([]string{"nope"}, nil); err == nil || !strings.Contains(err.Error(), `extra "nope"`) {
		t.Errorf("Selected(nope) error = %v", err)
	}
}

func TestParsePoetry1(t *testing.T) {
	src := `
[tool.poetry]
name = "shop"
version = "0.3.0"
packages = [{include = "shop", from = "src"}]

[tool.poetry.dependencies]
python = "^3.10"
Flask = "^2.3"
requests = {version = "~2.31", extras = ["socks"]}
psycopg2 = {version = "^2.9", optional = true}
tomli = {version = ">=2.0", python = "<3.11"}
pywin32 = {version = "*", platform = "win32"}
mylib = {git = "https://github.com/example/mylib.git"}

[tool.poetry.extras]
pg = ["psycopg2"]

[tool.poetry.dev-dependencies]
pytest = "^7.4"

[tool.poetry.group.lint.dependencies]
black = "23.*"

[tool.poetry.scripts]
shop = "shop.cli:main"

[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"
`
	p, err := Parse("pyproject.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"name", p.Name, "shop"},
		{"python", (Dependency{Constraint: p.RequiresPython}).ConstraintString(), ">=3.10,<4.0"},
		{"deps", names(p.Dependencies), `flask>=2.3,<3.0 mylib pywin32; sys_platform == "win32" requests[socks]>=2.31,<2.32 tomli>=2.0; python_full_version < "3.11"`},
		{"extra", names(p.Optional["pg"]), "psycopg2>=2.9,<3.0"},
		{"dev", names(p.Groups["dev"]), "pytest>=7.4,<8.0"},
		{"lint", names(p.Groups["lint"]), "black==23.*"},
		{"scripts", p.Scripts["shop"], "shop.cli:main"},
		{"tool", p.Tool, "poetry"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
}

func TestParsePoetry2(t *testing.T) {
	src := `
[project]
name = "shop"
version = "1.0.0"
dependencies = ["flask (>=3.1,<4.0)"]

[tool.poetry.group.dev.dependencies]
pytest = "^8.3"
`
	p, err := Parse("pyproject.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p.Dependencies) + " | " + names(p.Groups["dev"]); got != "flask>=3.1,<4.0 | pytest>=8.3,<9.0" {
		t.Errorf("deps = %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"toml", "[project\nname = 1", "pyproject.toml:1: invalid TOML"},
		{"type", "[project]\nname = \"a\"\nversion = \"1\"\ndependencies = \"flask\"", "pyproject.toml:4:"},
		{"no project", "[tool.black]\nx = 1", "neither [project] nor [tool.poetry]"},
		{"bad name", "[project]\nname = \"a b\"\nversion = \"1\"", "project.name"},
		{"no version", "[project]\nname = \"a\"", "project.version"},
		{"bad dep", "[project]\nname = \"a\"\nversion = \"1\"\ndependencies = [\"flask>=\"]", "project.dependencies"},
		{"cycle", "[project]\nname = \"a\"\nversion = \"1\"\n[dependency-groups]\nx = [{include-group = \"y\"}]\ny = [{include-group = \"x\"}]", "cycle"},
		{"missing group", "[project]\nname = \"a\"\nversion = \"1\"\n[dependency-groups]\nx = [{include-group = \"y\"}]", "no such group"},
		{"poetry extra", "[tool.poetry]\nname = \"a\"\nversion = \"1\"\n[tool.poetry.dependencies]\nx = \"1\"\n[tool.poetry.extras]\ne = [\"x\"]", "not an optional dependency"},
		{"script", "[project]\nname = \"a\"\nversion = \"1\"\n[project.scripts]\n\"a b\" = \"m:f\"", "script name"},
	}
	for _, tt := range tests {
		_, err := Parse("pyproject.toml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}
