package translate

import (
	"fmt"
	"strings"
	"testing"
)

// TestChoosePython translates one project with the interpreter given explicitly, by
// .python-version, by requires-python and by the lock's requires-python, and checks the
// interpreter the expression defaults to.
func TestChoosePython(t *testing.T) {
	pyproject := func(requires string) string {
		s := "[project]\nname = \"app\"\nversion = \"1.0\"\ndependencies = [\"flask\"]\n"
		if requires != "" {
			s += fmt.Sprintf("requires-python = %q\n", requires)
		}
		return s
	}
	lock := func(requires string) string {
		return fmt.Sprintf(`version = 1
revision = 3
requires-python = %q

[[package]]
name = "app"
version = "1.0"
source = { editable = "." }
dependencies = [{ name = "flask" }]

[[package]]
name = "flask"
version = "3.1.3"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = %q, hash = %q }]
`, requires, flaskWheelURL, flaskWheelHash)
	}
	tests := []struct {
		name          string
		requires      string // pyproject.toml's requires-python
		lockRequires  string // the uv.lock's requires-python; empty: no lock (nixpkgs mode)
		python        string
		pythonVersion string // .python-version's content; empty: no file
		wantPython    string // the header's python, X.Y or X.Y.Z
		wantFrom      string
	}{
		{"explicit", ">=3.10", "", "3.12", "", "3.12", "--python"},
		{"explicit wins over .python-version", ">=3.10", "", "3.11", "3.13\n", "3.11", "--python"},
		{".python-version", ">=3.10", "", "", "3.12\n", "3.12", ".python-version"},
		{".python-version with comments and a patch", ">=3.10", "", "", "# pinned by uv python pin\n\n  3.13.1  \n3.12\n", "3.13.1", ".python-version"},
		{".python-version with an implementation", "", "", "", "cpython@3.12\n", "3.12", ".python-version"},
		{".python-version in lock mode", ">=3.10", ">=3.10", "", "3.11", "3.11", ".python-version"},
		{"no requires-python: the newest nixpkgs ships", "", "", "", "", "3.14", "requires-python"},
		{"upper bound", ">=3.10,<3.13", "", "", "", "3.12", "requires-python"},
		{"excluded minor", ">=3.12,!=3.14.*", "", "", "", "3.13", "requires-python"},
		{"caret-like range", "~=3.11.0", "", "", "", "3.11", "requires-python"},
		{"patch floor", ">=3.11.4,<3.12", "", "", "", "3.11.4", "requires-python"},
		{"the lock's range is narrower", ">=3.10", ">=3.10,<3.12", "", "", "3.11", "requires-python"},
		{"the lock's range alone", "", ">=3.12,<3.13", "", "", "3.12", "requires-python"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Mode: "nixpkgs", Python: tt.python, System: "x86_64-linux"}
			var lk *Input
			if tt.lockRequires != "" {
				opts.Mode = "lock"
				lk = &Input{Name: "uv.lock", Data: []byte(lock(tt.lockRequires))}
			}
			if tt.pythonVersion != "" {
				opts.PythonVersionFile = &Input{Name: ".python-version", Data: []byte(tt.pythonVersion)}
			}
			out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(pyproject(tt.requires))}, lk, opts)
			if err != nil {
				t.Fatal(err)
			}
			minor := strings.Join(strings.Split(tt.wantPython, ".")[:2], "")
			for _, want := range []string{
				fmt.Sprintf("python %q (from %s)", tt.wantPython, tt.wantFrom),
				"  python ? pkgs.python" + minor + " or (throw \"nixpy: this nixpkgs has no python" + minor + " (CPython ",
				"  pkgs ? import <nixpkgs> { config = { }; overlays = [ ]; },\n",
			} {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, head(out))
				}
			}
			if strings.Contains(string(out), "pkgs.python3,") || strings.Contains(string(out), "pkgs.python3;") {
				t.Errorf("output relies on pkgs.python3:\n%s", head(out))
			}
		})
	}
}

func head(out []byte) string {
	lines := strings.SplitN(string(out), "\n", 30)
	return strings.Join(lines[:len(lines)-1], "\n")
}

// TestChoosePythonErrors: nothing fits, or the .python-version file asks for what nixpkgs has
// no pythonXY attribute for; the error names the file and the field.
func TestChoosePythonErrors(t *testing.T) {
	tests := []struct {
		name, requires, lockRequires, pythonVersion, want string
	}{
		{"requires-python below nixpkgs", "<3.9", "", "",
			"pyproject.toml: requires-python <3.9 allows none of the CPython versions nixpkgs ships (3.10, 3.11, 3.12, 3.13, 3.14): fix the range, or name the interpreter your nixpkgs has with --python X.Y"},
		{"requires-python above nixpkgs", ">=3.15", "", "", "requires-python >=3.15 allows none"},
		{"the ranges do not meet", ">=3.13", "<3.13", "",
			"pyproject.toml: requires-python >=3.13 and uv.lock: requires-python <3.13 allow none of the CPython versions nixpkgs ships"},
		{"free-threaded", "", "", "3.13t\n", `.python-version:1: python request "3.13t": want a CPython version 3.Y or 3.Y.Z`},
		{"pypy", "", "", "# comment\npypy@3.10\n", `.python-version:2: python request "pypy@3.10"`},
		{"major only", "", "", "3\n", `.python-version:1: python request "3"`},
		{"a range", "", "", ">=3.12\n", `.python-version:1: python request ">=3.12"`},
		{"empty", "", "", "\n# nothing\n", ".python-version: no python version in the file"},
		{".python-version outside requires-python", ">=3.12", "", "3.11\n", "pyproject.toml: requires-python >=3.12 excludes python 3.11 (.python-version)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			py := "[project]\nname = \"app\"\nversion = \"1.0\"\n"
			if tt.requires != "" {
				py += fmt.Sprintf("requires-python = %q\n", tt.requires)
			}
			opts := Options{Mode: "nixpkgs", System: "x86_64-linux"}
			var lk *Input
			if tt.lockRequires != "" {
				lk = &Input{Name: "uv.lock", Data: []byte(fmt.Sprintf("version = 1\nrevision = 3\nrequires-python = %q\n\n[[package]]\nname = \"app\"\nversion = \"1.0\"\nsource = { editable = \".\" }\n", tt.lockRequires))}
			}
			if tt.pythonVersion != "" {
				opts.PythonVersionFile = &Input{Name: ".python-version", Data: []byte(tt.pythonVersion)}
			}
			out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(py)}, lk, opts)
			if err == nil {
				t.Fatalf("no error; output:\n%s", head(out))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
