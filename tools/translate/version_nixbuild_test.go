//go:build nix

package translate

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// versionProject is a project leaving its version to the build backend: its files, the version
// the user gives (if any) and the version its console script must report.
type versionProject struct {
	name    string
	script  string
	files   map[string]string
	given   string
	want    string
	wantErr string
}

const versionScript = `
from importlib.metadata import version


def main():
    print(version(__name__.split(".")[0]))
`

var versionProjects = []versionProject{
	{
		name:   "hatch-path",
		script: "vhatch",
		files: map[string]string{
			"pyproject.toml": "[project]\nname = \"vhatch\"\ndynamic = [\"version\"]\n[project.scripts]\nvhatch = \"vhatch:main\"\n" +
				"[tool.hatch.version]\npath = \"vhatch/__init__.py\"\n" +
				"[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
			"vhatch/__init__.py": "__version__ = \"2.3.4\"\n" + versionScript,
		},
		want: "2.3.4",
	},
	{
		name:   "flit-module",
		script: "vflit",
		files: map[string]string{
			"pyproject.toml": "[project]\nname = \"vflit\"\ndynamic = [\"version\", \"description\"]\n[project.scripts]\nvflit = \"vflit:main\"\n" +
				"[build-system]\nrequires = [\"flit_core>=3.2\"]\nbuild-backend = \"flit_core.buildapi\"\n",
			"vflit.py": "\"\"\"Reports its version.\"\"\"\n__version__ = '0.9.1'\n" + versionScript,
		},
		want: "0.9.1",
	},
	{
		name:   "setuptools-attr",
		script: "vattr",
		files: map[string]string{
			"pyproject.toml": "[project]\nname = \"vattr\"\ndynamic = [\"version\"]\n[project.scripts]\nvattr = \"vattr:main\"\n" +
				"[tool.setuptools.dynamic]\nversion = { attr = \"vattr.VERSION\" }\n" +
				"[build-system]\nrequires = [\"setuptools>=61\", \"wheel\"]\nbuild-backend = \"setuptools.build_meta\"\n",
			"src/vattr/__init__.py": "VERSION: str = \"5.0.1\"\n" + versionScript,
		},
		want: "5.0.1",
	},
	{
		name:   "setuptools-scm",
		script: "vscm",
		files: map[string]string{
			"pyproject.toml": "[project]\nname = \"vscm\"\ndynamic = [\"version\"]\n[project.scripts]\nvscm = \"vscm:main\"\n" +
				"[tool.setuptools_scm]\n" +
				"[build-system]\nrequires = [\"setuptools>=61\", \"setuptools-scm>=7\", \"wheel\"]\nbuild-backend = \"setuptools.build_meta\"\n",
			"vscm.py": versionScript,
		},
		given: "1.4.0",
		want:  "1.4.0",
	},
	{
		name: "setuptools-scm-unknown",
		files: map[string]string{
			"pyproject.toml": "[project]\nname = \"vscm\"\ndynamic = [\"version\"]\n[tool.setuptools_scm]\n" +
				"[build-system]\nrequires = [\"setuptools>=61\", \"setuptools-scm>=7\", \"wheel\"]\nbuild-backend = \"setuptools.build_meta\"\n",
			"vscm.py": versionScript,
		},
		wantErr: "pyproject.toml: tool.setuptools_scm: the version comes from version control (setuptools-scm), which a Nix build does not see: give the version with py_nix_image's version attribute",
	},
}

// TestNixBuildDynamicVersion builds projects whose version the backend computes, against
// testing/nixpkgs with nixpkgs' metadata check: the derivation's version must be what the
// backend writes, read from the file the backend reads or given for one from version control.
// The python environment (toPythonModule of the app) is what runs the check on the app.
func TestNixBuildDynamicVersion(t *testing.T) {
	nixInstantiate(t)
	for _, p := range versionProjects {
		t.Run(p.name, func(t *testing.T) {
			src := t.TempDir()
			writeTree(t, src, p.files)
			env, stderr, err := nixBuildProject(t, src, p.given, "env", nil)
			if p.wantErr != "" {
				if err == nil || !strings.Contains(stderr, p.wantErr) {
					t.Fatalf("nix-build succeeded or failed otherwise (%v), want an error containing %q:\n%s", err, p.wantErr, stderr)
				}
				return
			}
			if err != nil {
				t.Fatalf("nix-build: %v\n%s", err, stderr)
			}
			got, err := exec.Command(filepath.Join(env, "bin", p.script)).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", p.script, err, got)
			}
			if strings.TrimSpace(string(got)) != p.want {
				t.Errorf("%s reports version %q, want %q", p.script, got, p.want)
			}
		})
	}
}

// TestNixBuildMetadataCheck: a version other than the one the backend writes (the placeholder
// "0" nixpy once wrote for a dynamic version) fails the build of the environment at nixpkgs'
// metadata check.
func TestNixBuildMetadataCheck(t *testing.T) {
	nixInstantiate(t)
	src := t.TempDir()
	writeTree(t, src, versionProjects[0].files)
	_, stderr, err := nixBuildProject(t, src, "", "env", func(nix []byte) []byte {
		return bytes.Replace(nix, []byte(`version = nixpy.versionIn src`), []byte(`version = "0"; unused = nixpy.versionIn src`), 1)
	})
	want := "The 'vhatch' derivation has version '0' but .dist-info/METADATA specifies version '2.3.4'."
	if err == nil || !strings.Contains(stderr, want) {
		t.Fatalf("nix-build succeeded or failed otherwise (%v), want %q:\n%s", err, want, stderr)
	}
}

// nixBuildProject translates the project in src in nixpkgs mode (it has no dependencies),
// passes the text through edit when given, and nix-builds attr against testing/nixpkgs.
func nixBuildProject(t *testing.T, src, version, attr string, edit func([]byte) []byte) (string, string, error) {
	t.Helper()
	out, err := Translate(readInput(t, filepath.Join(src, "pyproject.toml")), nil,
		Options{Mode: "nixpkgs", Python: "3.11", System: "x86_64-linux", ProjectVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		out = edit(out)
	}
	return nixBuild(t, out, attr, src)
}
