//go:build nix

// These tests run Nix itself, so they need nix-instantiate on PATH and fail without it. They
// are behind the "nix" build tag because the host has no Nix: run them in the rig with
//
//	dev/enter go -C tools test -tags nix ./translate/
package translate

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/pep440"
)

func nixInstantiate(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nix-instantiate")
	if err != nil {
		t.Fatalf("nix-instantiate is not on PATH (run in the rig: dev/enter go -C tools test -tags nix ./translate/): %v", err)
	}
	return bin
}

// TestNixParse parses every golden file with nix-instantiate --parse.
func TestNixParse(t *testing.T) {
	bin := nixInstantiate(t)
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.nix"))
	if err != nil || len(files) < len(goldenCases) {
		t.Fatalf("found %d golden files (%v), want %d", len(files), err, len(goldenCases))
	}
	for _, f := range files {
		if out, err := exec.Command(bin, "--parse", f).CombinedOutput(); err != nil {
			t.Errorf("nix-instantiate --parse %s: %v\n%s", f, err, out)
		}
	}
}

// stubPkgs is a nixpkgs-shaped stand-in whose builders return their arguments, so evaluating
// a golden file forces every expression it holds (lookups, version checks, the graph) without
// building anything. Versions are those nixpkgs carries for the names the goldens use. Its
// interpreter is pythonXY for the given X.Y; python3 throws, since generated code must name
// the interpreter the lock was resolved for.
func stubPkgs(pythonVersion string, pkgVersions map[string]string) string {
	var b strings.Builder
	b.WriteString("rec {\n  fetchurl = a: a;\n  autoPatchelfHook = { };\n")
	b.WriteString("  pythonManylinuxPackages = { manylinux1 = [ ]; manylinux2010 = [ ]; manylinux2014 = [ ]; };\n")
	b.WriteString("  python3 = throw \"the generated code relies on python3\";\n")
	fmt.Fprintf(&b, "  %s = rec {\n", pythonAttr(pythonVersion))
	fmt.Fprintf(&b, "    pythonVersion = %q;\n    version = %q;\n", pythonVersion, pythonVersion+".4")
	fmt.Fprintf(&b, "    sitePackages = %q;\n", "lib/python"+pythonVersion+"/site-packages")
	b.WriteString("    withPackages = f: f pkgs;\n    pkgs = {\n")
	b.WriteString("      buildPythonPackage = a: a;\n      buildPythonApplication = a: a;\n      toPythonModule = a: a;\n")
	for name, v := range pkgVersions {
		fmt.Fprintf(&b, "      %q = { pname = %q; version = %q; };\n", name, name, v)
	}
	b.WriteString("    };\n  };\n}\n")
	return b.String()
}

var backendVersions = map[string]string{
	"flit-core": "3.12.0", "setuptools": "80.9.0", "wheel": "0.45.1", "poetry-core": "2.1.3",
	"pdm-backend": "2.4.5", "hatchling": "1.27.0", "hatch-vcs": "0.5.0",
	"hatch-fancy-pypi-readme": "25.1.0", "setuptools-scm": "8.3.1",
	"flask": "3.1.3", "celery": "5.6.3", "click": "8.3.2", "redis": "6.4.0",
}

// pythonAttr is nixpkgs' attribute of CPython X.Y: python312 for 3.12.
func pythonAttr(minor string) string { return "python" + strings.ReplaceAll(minor, ".", "") }

// goldenPython is the X.Y a golden file was translated for, from its header.
func goldenPython(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^#   mode \w+, python "(\d+\.\d+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s: no python version in the header", path)
	}
	return string(m[1])
}

func evalNix(t *testing.T, expr string) (string, error) {
	t.Helper()
	out, err := exec.Command(nixInstantiate(t), "--eval", "--strict", "--json", "-E", expr).CombinedOutput()
	return string(out), err
}

// TestNixEvalGoldens evaluates every golden file against the stub package set.
func TestNixEvalGoldens(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.dir+"/"+c.out, func(t *testing.T) {
			path, err := filepath.Abs(filepath.Join("testdata", c.dir, c.out))
			if err != nil {
				t.Fatal(err)
			}
			// The default python argument: the golden's pythonXY. src is the case's directory:
			// local packages are copied from beside it. Git sources are not fetched: fetchGit gives
			// the case's directory too.
			expr := fmt.Sprintf(`let stub = %[1]s; offline = builtins // { fetchGit = _: %[3]s; };
				r = builtins.scopedImport { builtins = offline; } %[2]s { pkgs = stub; src = %[3]s; };
				in builtins.deepSeq r { app = r.app.pname; deps = builtins.attrNames r.deps; env = builtins.length r.env; }`,
				stubPkgs(goldenPython(t, path), backendVersions), path, filepath.Dir(path))
			out, err := evalNix(t, expr)
			if err != nil {
				t.Fatalf("evaluation failed: %v\n%s", err, out)
			}
			var res struct {
				App  string
				Deps []string
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if res.App == "" || len(res.Deps) == 0 {
				t.Errorf("evaluated to %s", out)
			}
		})
	}
}

// TestNixCheckThrows evaluates goldens against nixpkgs that do not fit: a flask too old for
// the nixpkgs-mode constraint, an interpreter other than the one lock mode chose wheels for.
func TestNixCheckThrows(t *testing.T) {
	old := map[string]string{"flask": "2.3.3", "click": "8.3.2", "redis": "6.4.0", "poetry-core": "2.1.3"}
	tests := []struct {
		golden, python string
		versions       map[string]string
		want           string
		defaultPython  bool // pass no python: the expression's default, which this stub lacks
	}{
		{"uv-celery/lock.nix", "3.12", backendVersions, "nixpy: this nixpkgs has no python313 (CPython 3.13, chosen from --python)", true},
		{"poetry1/nixpkgs.nix", "3.12", backendVersions, "nixpy: this nixpkgs has no python314 (CPython 3.14, chosen from requires-python)", true},
		{"poetry1/nixpkgs.nix", "3.12", old, "nixpy: flask >=3.1,<4.0 is required, but nixpkgs has version 2.3.3", false},
		{"uv-celery/lock.nix", "3.12", backendVersions, "nixpy: this file was translated for python 3.13, but python is 3.12.4: pass python = pkgs.python313", false},
	}
	for _, tt := range tests {
		path, err := filepath.Abs(filepath.Join("testdata", tt.golden))
		if err != nil {
			t.Fatal(err)
		}
		python := "python = stub." + pythonAttr(tt.python) + ";"
		if tt.defaultPython {
			python = ""
		}
		expr := fmt.Sprintf(`let stub = %s; in builtins.deepSeq (import %s { pkgs = stub; %s src = %s; }).app true`,
			stubPkgs(tt.python, tt.versions), path, python, filepath.Dir(path))
		out, err := evalNix(t, expr)
		if err == nil {
			t.Errorf("%s: evaluation succeeded: %s", tt.golden, out)
			continue
		}
		if !strings.Contains(out, tt.want) {
			t.Errorf("%s: error = %s, want it to contain %q", tt.golden, out, tt.want)
		}
	}
}

// TestNixHelperMatchesGo checks the Nix helper's PEP 440 matching against package pep440 on a
// table of versions and clauses (without pre-release exclusion, which the helper leaves out).
func TestNixHelperMatchesGo(t *testing.T) {
	versions := []string{"0.9", "1.0", "1.0.0", "1.0.post1", "1.0a1", "1.0rc2", "1.0.dev3", "1.0+local",
		"1.1", "1.2.5", "1.4.9", "1.5.0", "2.0", "2.0b1", "2.2.post4", "1!0.5", "10.0"}
	clauses := []string{">=1.0", ">1.0", "<2", "<2.0b2", "<=1.0", "==1.0", "==1.0+local", "!=1.0",
		"==1.*", "!=1.2.*", "~=1.4.5", "~=2.2.post3", "===1.0.0", ">=1!0.1", ">=1.0a1", "<1.0"}
	var nixCalls []string
	var want []bool
	for _, v := range versions {
		pv := pep440.MustParse(v)
		for _, c := range clauses {
			spec, err := pep440.ParseSpecifier(c)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, spec[0].Match(pv))
			nixCalls = append(nixCalls, fmt.Sprintf("(nixpy.matches (nixpy.parse %q) (nixpy.clause %q))", pv.String(), spec[0].String()))
		}
	}
	expr := "let python = { pkgs = { }; };\n" + helper + "in [ " + strings.Join(nixCalls, " ") + " ]"
	out, err := evalNix(t, expr)
	if err != nil {
		t.Fatalf("evaluation failed: %v\n%s", err, out)
	}
	var got []bool
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != len(want) {
		t.Fatalf("got %s (%v), want %d booleans", out, err, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s = %v in Nix, %v in Go", nixCalls[i], got[i], want[i])
		}
	}
}

// TestNixRenames evaluates nixpkgs-mode lookups of renamed distributions: the PEP 503 name first
// (nixpkgs' psycopg2-binary meta-package), then the rename (bs4 as beautifulsoup4), which the
// app's runtime dependency check is then told to skip; a retired alias that throws is passed over.
func TestNixRenames(t *testing.T) {
	pyproject := "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"bs4\", \"psycopg2-binary\", \"docker-py\"]\n"
	out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(pyproject)}, nil, Options{Mode: "nixpkgs", Python: "3.12", System: "x86_64-linux"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "app.nix")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{"beautifulsoup4": "4.13.4", "psycopg2-binary": "2.9.10", "psycopg2": "2.9.10", "docker": "7.1.0", "setuptools": "80.9.0"}
	stub := strings.Replace(stubPkgs("3.12", versions), "    pkgs = {\n", "    pkgs = {\n      \"docker-py\" = throw \"docker-py has been removed\";\n", 1)
	expr := fmt.Sprintf(`let stub = %s; r = import %s { pkgs = stub; python = stub.python312; src = %s; };
		in { deps = map (d: d.pname) r.app.dependencies; remove = r.app.pythonRemoveDeps; }`, stub, file, filepath.Dir(file))
	got, err := evalNix(t, expr)
	if err != nil {
		t.Fatalf("evaluation failed: %v\n%s", err, got)
	}
	if want := `{"deps":["beautifulsoup4","docker","psycopg2-binary"],"remove":["bs4","docker-py"]}`; strings.TrimSpace(got) != want {
		t.Errorf("evaluated to %s, want %s", got, want)
	}
}
