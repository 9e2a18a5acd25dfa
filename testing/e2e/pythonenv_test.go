package e2e

import (
	"strings"
	"testing"
)

const pythonEnvBuild = `load("//rules:defs.bzl", "nixpy_load", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    environment = True,
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

nixpy_load(
    name = "load",
    image = ":image",
    repo_tags = ["hello-env:e2e"],
)
`

// TestPythonEnvironmentImage: py_nix_image(environment = True) images the project's Python environment
// (python.withPackages of the project and its dependencies). In Docker, options and scripts go to its python
// (docker run IMAGE -c ..., IMAGE -m module), a command given first runs as it is (IMAGE python -c ..., a
// script of the environment's bin/), and the project and its dependencies import.
func TestPythonEnvironmentImage(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "pythonenv", pythonEnvBuild)
	bazel(t, ws, "build", "//"+pkg+":image")
	if id := strings.TrimSpace(bazel(t, ws, "run", "//"+pkg+":load")); !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("%s:load printed %q, want an image ID", pkg, id)
	}
	const image = "hello-env:e2e"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "import flask, hello_flask; print('imports', hello_flask.__name__)"}, "imports hello_flask"},
		{[]string{"-m", "json.tool", "--help"}, "usage:"},
		{[]string{"python", "-c", "import sys; print('python', sys.version_info[:2] >= (3, 11))"}, "python True"},
		{[]string{"flask", "--version"}, "Flask"},
	} {
		if out := dockerRunOnce(t, image, tc.args...); !strings.Contains(out, tc.want) {
			t.Errorf("docker run %s %q printed %q, want %q in it", image, tc.args, out, tc.want)
		}
	}
}
