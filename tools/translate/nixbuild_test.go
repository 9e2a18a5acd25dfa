//go:build nix

package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// helloPyproject is a flask application built with flit-core, as a user would write it.
const helloPyproject = `[project]
name = "hello"
version = "0.1.0"
description = "Says hello through flask"
requires-python = ">=3.11"
dependencies = ["flask>=2.2"]

[project.scripts]
hello = "hello:main"

[build-system]
requires = ["flit_core>=3.2,<4"]
build-backend = "flit_core.buildapi"
`

const helloModule = `"""Says hello through flask."""
from importlib.metadata import version

import flask


def main():
    app = flask.Flask("hello")
    with app.test_request_context("/"):
        print("hello from flask", version("flask"), flask.request.path)
`

// nixBuild writes a translated expression and nix-builds its attr against testing/nixpkgs
// (hermetically imported, no substituters) with src as the project's source, returning the
// output path and the build's log.
func nixBuild(t *testing.T, expr []byte, attr, src string) (string, string, error) {
	t.Helper()
	nixpkgs, err := filepath.Abs(filepath.Join("..", "..", "testing", "nixpkgs"))
	if err != nil {
		t.Fatal(err)
	}
	nixFile := filepath.Join(t.TempDir(), "env.nix")
	if err := os.WriteFile(nixFile, expr, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nix-build", nixFile, "-A", attr, "--no-out-link", "--option", "substituters", "",
		"--arg", "pkgs", "import "+nixpkgs+" { config = { }; overlays = [ ]; }", "--arg", "src", src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return strings.TrimSpace(stdout.String()), stderr.String(), err
}

// mustNixBuild is nixBuild that fails the test when the build fails.
func mustNixBuild(t *testing.T, expr []byte, attr, src string) string {
	t.Helper()
	out, stderr, err := nixBuild(t, expr, attr, src)
	if err != nil {
		t.Fatalf("nix-build %s: %v\n%s", attr, err, stderr)
	}
	return out
}

// testWheel is one wheel of testing/wheels: a Debian-built wheel in the Nix store as the fixed
// output fetchurl expects for its PyPI URL and hash.
type testWheel struct{ Name, Version, URL, SHA256 string }

// testWheels reads testing/wheels/manifest.json: the wheels testing/nixpkgs can fetch offline.
func testWheels(t *testing.T) []testWheel {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testing", "wheels", "manifest.json"))
	if err != nil {
		t.Fatalf("%v (testing/wheels is the offline wheel set)", err)
	}
	var m struct{ Wheels []testWheel }
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m.Wheels
}

// helloLock writes a uv.lock for the hello project from the test wheels, with flask 2.2.2's
// real dependency graph.
func helloLock(t *testing.T) string {
	t.Helper()
	graph := map[string][]string{
		"flask":    {`{ name = "click" }`, `{ name = "itsdangerous" }`, `{ name = "jinja2" }`, `{ name = "werkzeug" }`},
		"click":    {`{ name = "colorama", marker = "sys_platform == 'win32'" }`},
		"jinja2":   {`{ name = "markupsafe" }`},
		"werkzeug": {`{ name = "markupsafe" }`},
	}
	var b strings.Builder
	b.WriteString("version = 1\nrevision = 3\nrequires-python = \">=3.11\"\n\n")
	b.WriteString("[[package]]\nname = \"hello\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"flask\" }]\n\n")
	for _, w := range testWheels(t) {
		fmt.Fprintf(&b, "[[package]]\nname = %q\nversion = %q\nsource = { registry = \"https://pypi.org/simple\" }\n", w.Name, w.Version)
		if deps := graph[w.Name]; len(deps) > 0 {
			fmt.Fprintf(&b, "dependencies = [%s]\n", strings.Join(deps, ", "))
		}
		fmt.Fprintf(&b, "wheels = [{ url = %q, hash = \"sha256:%s\" }]\n\n", w.URL, w.SHA256)
	}
	return b.String()
}

// TestNixBuildFlask translates a flask application in both modes, builds it with nix-build
// against testing/nixpkgs and runs its console script. The wheels must be in the store:
// dev/enter testing/wheels/add-wheels.
func TestNixBuildFlask(t *testing.T) {
	nixInstantiate(t)
	src := t.TempDir()
	for name, text := range map[string]string{"pyproject.toml": helloPyproject, "hello.py": helloModule} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lock := helloLock(t)
	for _, mode := range []string{"lock", "nixpkgs"} {
		t.Run(mode, func(t *testing.T) {
			out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(helloPyproject)}, &Input{Name: "uv.lock", Data: []byte(lock)},
				Options{Mode: mode, Python: "3.11", System: "x86_64-linux"})
			if err != nil {
				t.Fatal(err)
			}
			app := mustNixBuild(t, out, "app", src)
			got, err := exec.Command(filepath.Join(app, "bin", "hello")).CombinedOutput()
			if err != nil {
				t.Fatalf("hello: %v\n%s", err, got)
			}
			if want := "hello from flask 2.2.2 /"; strings.TrimSpace(string(got)) != want {
				t.Errorf("hello printed %q, want %q", got, want)
			}
		})
	}
}
