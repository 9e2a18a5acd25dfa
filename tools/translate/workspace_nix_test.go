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

// writeTree writes files (slash paths relative to dir) with their contents.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, msg)
	}
	return strings.TrimSpace(string(out))
}

// markupsafeWheel is testing/wheels' markupsafe, as a uv.lock package entry.
func markupsafeWheel(t *testing.T) string {
	t.Helper()
	for _, w := range testWheels(t) {
		if w.Name == "markupsafe" {
			return fmt.Sprintf("[[package]]\nname = \"markupsafe\"\nversion = %q\nsource = { registry = \"https://pypi.org/simple\" }\nwheels = [{ url = %q, hash = \"sha256:%s\" }]\n", w.Version, w.URL, w.SHA256)
		}
	}
	t.Fatal("testing/wheels has no markupsafe")
	return ""
}

// TestNixBuildWorkspace builds a uv workspace against testing/nixpkgs: the application at the
// root, a library member with its own build backend and a locked dependency, and a git
// dependency pinned to a commit of a local repository. It runs the app, then checks that an
// edit of the app's own source leaves the member's derivation as it was.
func TestNixBuildWorkspace(t *testing.T) {
	nixInstantiate(t)
	nixpkgs, err := filepath.Abs(filepath.Join("..", "..", "testing", "nixpkgs"))
	if err != nil {
		t.Fatal(err)
	}

	repo := t.TempDir()
	writeTree(t, repo, map[string]string{
		"pyproject.toml": "[project]\nname = \"gitdep\"\nversion = \"1.0\"\n\n[tool.setuptools]\npy-modules = [\"gitdep\"]\n\n" +
			"[build-system]\nrequires = [\"setuptools\", \"wheel\"]\nbuild-backend = \"setuptools.build_meta\"\n",
		"gitdep.py": "WHAT = \"from git\"\n",
	})
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "gitdep 1.0"}} {
		run(t, repo, "git", args...)
	}
	commit := run(t, repo, "git", "rev-parse", "HEAD")

	root := t.TempDir()
	pyproject := `[project]
name = "shop"
version = "1.2.0"
description = "The workspace's application"
requires-python = ">=3.11"
dependencies = ["shop-common", "gitdep"]

[project.scripts]
shop = "shop:main"

[tool.uv.workspace]
members = ["libs/common"]

[tool.uv.sources]
shop-common = { workspace = true }

[build-system]
requires = ["flit_core>=3.2,<4"]
build-backend = "flit_core.buildapi"
`
	lock := "version = 1\nrevision = 3\nrequires-python = \">=3.11\"\n\n" +
		"[[package]]\nname = \"shop\"\nversion = \"1.2.0\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"gitdep\" }, { name = \"shop-common\" }]\n\n" +
		"[[package]]\nname = \"shop-common\"\nversion = \"0.2.0\"\nsource = { editable = \"libs/common\" }\ndependencies = [{ name = \"markupsafe\" }]\n\n" +
		fmt.Sprintf("[[package]]\nname = \"gitdep\"\nversion = \"1.0\"\nsource = { git = \"file://%s?rev=main#%s\" }\n\n", repo, commit) +
		markupsafeWheel(t)
	writeTree(t, root, map[string]string{
		"pyproject.toml": pyproject,
		"uv.lock":        lock,
		"shop.py": `"""The workspace's application."""
import gitdep
import shop_common


def main():
    print(shop_common.greet(), gitdep.WHAT)
`,
		"libs/common/pyproject.toml": "[project]\nname = \"shop-common\"\nversion = \"0.2.0\"\ndependencies = [\"markupsafe\"]\n\n" +
			"[tool.setuptools]\npy-modules = [\"shop_common\"]\n\n" +
			"[build-system]\nrequires = [\"setuptools>=61\", \"wheel\"]\nbuild-backend = \"setuptools.build_meta\"\n",
		"libs/common/shop_common.py": "import markupsafe\n\n\ndef greet():\n    return str(markupsafe.escape(\"<common>\"))\n",
	})

	out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(pyproject)}, &Input{Name: "uv.lock", Data: []byte(lock)},
		Options{Mode: "lock", Python: "3.11", System: "x86_64-linux",
			ReadFile: func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(root, name)) }})
	if err != nil {
		t.Fatal(err)
	}
	nixFile := filepath.Join(t.TempDir(), "env.nix")
	if err := os.WriteFile(nixFile, out, 0o644); err != nil {
		t.Fatal(err)
	}
	nixArgs := func(attr string) []string {
		return []string{nixFile, "-A", attr, "--arg", "pkgs", "import " + nixpkgs + " { }", "--arg", "src", root}
	}
	app := run(t, root, "nix-build", append(nixArgs("app"), "--no-out-link")...)
	if got, want := run(t, root, filepath.Join(app, "bin", "shop")), "&lt;common&gt; from git"; got != want {
		t.Errorf("shop printed %q, want %q", got, want)
	}

	memberDrv := run(t, root, "nix-instantiate", nixArgs("deps.shop-common")...)
	appDrv := run(t, root, "nix-instantiate", nixArgs("app")...)
	writeTree(t, root, map[string]string{"shop.py": "def main():\n    print(\"edited\")\n"})
	if got := run(t, root, "nix-instantiate", nixArgs("deps.shop-common")...); got != memberDrv {
		t.Errorf("editing the app's source changed the member's derivation: %s -> %s", memberDrv, got)
	}
	if got := run(t, root, "nix-instantiate", nixArgs("app")...); got == appDrv {
		t.Errorf("editing the app's source left the app's derivation %s as it was", appDrv)
	}
}
