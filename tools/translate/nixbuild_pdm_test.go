//go:build nix

package translate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// shopPyproject is an application PDM does not build: no name, distribution = false.
const shopPyproject = `[project]
requires-python = ">=3.11"
dependencies = ["flask>=2.2"]

[tool.pdm]
distribution = false
`

const shopModule = `from importlib.metadata import version

import flask


def main():
    print("shop runs from its sources with flask", version("flask"))
`

// shopLock writes a pdm.lock with static URLs from the test wheels, with flask 2.2.2's real
// dependency graph.
func shopLock(t *testing.T) string {
	t.Helper()
	graph := map[string][]string{
		"flask":    {`"click"`, `"itsdangerous"`, `"jinja2"`, `"werkzeug"`},
		"click":    {`"colorama; sys_platform == \"win32\""`},
		"jinja2":   {`"markupsafe"`},
		"werkzeug": {`"markupsafe"`},
	}
	var b strings.Builder
	b.WriteString("[metadata]\ngroups = [\"default\"]\nstrategy = [\"inherit_metadata\", \"static_urls\"]\nlock_version = \"4.5.0\"\ncontent_hash = \"sha256:0\"\n\n")
	for _, w := range testWheels(t) {
		fmt.Fprintf(&b, "[[package]]\nname = %q\nversion = %q\ngroups = [\"default\"]\n", w.Name, w.Version)
		if deps := graph[w.Name]; len(deps) > 0 {
			fmt.Fprintf(&b, "dependencies = [%s]\n", strings.Join(deps, ", "))
		}
		fmt.Fprintf(&b, "files = [{ url = %q, hash = \"sha256:%s\" }]\n\n", w.URL, w.SHA256)
	}
	return b.String()
}

// TestNixBuildPDMApp builds an unpackaged PDM application against testing/nixpkgs and runs
// its module from the environment, which finds it through the app's .pth file. The wheels
// must be in the store: dev/enter testing/wheels/add-wheels.
func TestNixBuildPDMApp(t *testing.T) {
	nixInstantiate(t)
	src := t.TempDir()
	for name, text := range map[string]string{"pyproject.toml": shopPyproject, "shop.py": shopModule} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := Translate(Input{Name: "shop/pyproject.toml", Data: []byte(shopPyproject)}, &Input{Name: "pdm.lock", Data: []byte(shopLock(t))},
		Options{Mode: "lock", Python: "3.11", System: "x86_64-linux"})
	if err != nil {
		t.Fatal(err)
	}
	env := mustNixBuild(t, out, "env", src)
	got, err := exec.Command(filepath.Join(env, "bin", "python3"), "-c", "import shop; shop.main()").CombinedOutput()
	if err != nil {
		t.Fatalf("python3 -c 'import shop': %v\n%s", err, got)
	}
	if want := "shop runs from its sources with flask 2.2.2"; strings.TrimSpace(string(got)) != want {
		t.Errorf("shop printed %q, want %q", got, want)
	}
}
