//go:build nix

package translate

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pickPyproject is a console script that reports the interpreter it runs on, built with
// flit-core; requires-python is filled in per case.
const pickPyproject = `[project]
name = "pick"
version = "0.1.0"
description = "Reports its interpreter"
requires-python = %q
dependencies = ["click>=8"]

[project.scripts]
pick = "pick:main"

[build-system]
requires = ["flit_core>=3.2,<4"]
build-backend = "flit_core.buildapi"
`

const pickModule = `"""Reports the interpreter it runs on."""
import sys
from importlib.metadata import version


def main():
    print(sys.version_info[:2], "click", version("click"))
`

// pickLock is a uv.lock for pick whose wheels are testing/wheels' click and flit-core: pure
// wheels, so one resolution serves every interpreter its requires-python allows.
func pickLock(t *testing.T, requires string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "version = 1\nrevision = 3\nrequires-python = %q\n\n", requires)
	b.WriteString("[[package]]\nname = \"pick\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"click\" }]\n\n")
	for _, w := range testWheels(t) {
		if w.Name != "click" && w.Name != "flit-core" {
			continue
		}
		fmt.Fprintf(&b, "[[package]]\nname = %q\nversion = %q\nsource = { registry = \"https://pypi.org/simple\" }\n", w.Name, w.Version)
		fmt.Fprintf(&b, "wheels = [{ url = %q, hash = \"sha256:%s\" }]\n\n", w.URL, w.SHA256)
	}
	return b.String()
}

// TestNixBuildInterpreterChoice translates one small project for CPython 3.13 and 3.11 (by
// .python-version and by requires-python, in both modes), builds it against testing/nixpkgs,
// which has python311 and python313 and whose python3 is python313, and runs it: the
// interpreter of the result is the one chosen, never the set's default. The wheels must be in
// the store: dev/enter testing/wheels/add-wheels.
func TestNixBuildInterpreterChoice(t *testing.T) {
	nixInstantiate(t)
	for _, tt := range []struct {
		name          string
		mode          string
		requires      string // pyproject.toml's (and the lock's) requires-python
		pythonVersion string // .python-version; empty: none
		wantAttr      string
		want          string // what pick prints
	}{
		{"python-version 3.13 lock", "lock", ">=3.11", "3.13\n", "python313", "(3, 13) click 8.1.3"},
		{"python-version 3.13 nixpkgs", "nixpkgs", ">=3.11", "3.13\n", "python313", "(3, 13) click 8.1.8"},
		{"requires-python 3.13 lock", "lock", ">=3.13,<3.14", "", "python313", "(3, 13) click 8.1.3"},
		{"python-version 3.11 lock", "lock", ">=3.11", "3.11\n", "python311", "(3, 11) click 8.1.3"},
		{"requires-python 3.11 nixpkgs", "nixpkgs", ">=3.11,<3.12", "", "python311", "(3, 11) click 8.1.3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pyproject := fmt.Sprintf(pickPyproject, tt.requires)
			src := t.TempDir()
			writeTree(t, src, map[string]string{"pyproject.toml": pyproject, "pick.py": pickModule})
			opts := Options{Mode: tt.mode, System: "x86_64-linux"}
			if tt.pythonVersion != "" {
				opts.PythonVersionFile = &Input{Name: ".python-version", Data: []byte(tt.pythonVersion)}
			}
			var lock *Input
			if tt.mode == "lock" {
				lock = &Input{Name: "uv.lock", Data: []byte(pickLock(t, tt.requires))}
			}
			out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(pyproject)}, lock, opts)
			if err != nil {
				t.Fatal(err)
			}
			if want := "python ? pkgs." + tt.wantAttr + " or (throw"; !strings.Contains(string(out), want) {
				t.Fatalf("the expression does not default to %s:\n%s", tt.wantAttr, head(out))
			}
			app := mustNixBuild(t, out, "app", src)
			got, err := exec.Command(filepath.Join(app, "bin", "pick")).CombinedOutput()
			if err != nil {
				t.Fatalf("pick: %v\n%s", err, got)
			}
			if strings.TrimSpace(string(got)) != tt.want {
				t.Errorf("pick printed %q, want %q", got, tt.want)
			}
		})
	}
}
