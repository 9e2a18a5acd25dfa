package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

// The examples under examples/ are workspaces of their own, as a user's project would be: each test runs the
// rig's Bazel in one of them, so each example has its own output base (the disk cache spares the second one
// the nixpy tool's compilation).

// exampleDir is the workspace of examples/name.
func exampleDir(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(workspace(t), "examples", name)
}

// exampleCopy copies examples/name, without its bazel-* links, to the scratch workspace scratchWorkspace(t,
// scratch) makes, and returns it; the caller points it at this checkout.
func exampleCopy(t *testing.T, name, scratch string) string {
	t.Helper()
	ws := scratchWorkspace(t, scratch)
	src := exampleDir(t, name)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "bazel-") {
			continue
		}
		if out, err := exec.Command("cp", "-a", filepath.Join(src, e.Name()), ws).CombinedOutput(); err != nil {
			t.Fatalf("cp -a %s: %v\n%s", e.Name(), err, out)
		}
	}
	return ws
}

// buildPushLoad builds pkg:image in the example workspace dir, pushes it with `bazel run pkg:push` to a fresh
// registry under the repository tail repo, checks that the registry's tag names the built digest, loads it into
// Docker with `bazel run pkg:load` and returns the built digest.
func buildPushLoad(t *testing.T, dir, pkg, repo string) string {
	t.Helper()
	bazel(t, dir, "build", "--output_groups=+digest", pkg+":image")
	digest := bazelBin(t, dir, strings.TrimPrefix(pkg, "//")+"/image.digest")
	if !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("%s:image digest = %q, want sha256:...", pkg, digest)
	}

	reg := registrytest.Start(t, false)
	ref := reg.Host + "/" + repo
	out := bazel(t, dir, "run", pkg+":push", "--", "--repository="+ref)
	if want := ref + "@" + digest; !strings.Contains(out, want) {
		t.Errorf("%s:push printed %q, want %q", pkg, out, want)
	}
	if got := registrytest.Crane(t, "digest", "--insecure", ref+":latest"); got != digest {
		t.Errorf("crane digest %s:latest = %s, want the built %s", ref, got, digest)
	}

	if id := strings.TrimSpace(bazel(t, dir, "run", pkg+":load")); !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("%s:load printed %q, want an image ID", pkg, id)
	}
	return digest
}

// dockerRunOnce runs image to completion with args and returns what it printed.
func dockerRunOnce(t *testing.T, image string, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", append([]string{"run", "--rm", image}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker run %s: %v\n%s", image, err, out)
	}
	return strings.TrimSpace(string(out))
}

func wantExampleAnswer(t *testing.T, body, message string) {
	t.Helper()
	var got struct{ Message, Python string }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("the container answered %q: %v", body, err)
	}
	if got.Message != message || !strings.HasPrefix(got.Python, "3.11.") {
		t.Errorf("the container answered %q, want message %q and python 3.11.x", body, message)
	}
}

// TestExampleFlaskApp: examples/flask_app (PEP 621 + uv.lock, lock mode) serves HTTP from its container. Like a
// user of a release, it runs the prebuilt nixpy (this checkout's, see TestMain) and compiles no Go.
func TestExampleFlaskApp(t *testing.T) {
	dir := exampleDir(t, "flask_app")
	actions := bazel(t, dir, "aquery", "deps(//:image) union deps(//:push) union deps(//:load)")
	if !strings.Contains(actions, "nixpy_linux_amd64/nixpy") || strings.Contains(actions, "Mnemonic: Go") {
		t.Errorf("examples/flask_app should run the prebuilt nixpy and compile no Go; aquery:\n%s", tail(actions, 80))
	}
	buildPushLoad(t, dir, "//", "flask-app")
	wantExampleAnswer(t, runAndGet(t, "flask-app:latest", "8080/tcp", "/"), "hello from examples/flask_app")
}

// TestExampleNativeApp: examples/native_app's binary wheels (greenlet: C++, libstdc++; mappy: zlib), patched
// by autoPatchelfHook in the generated Nix, load in a container holding only the image's closure, and answer.
func TestExampleNativeApp(t *testing.T) {
	buildPushLoad(t, exampleDir(t, "native_app"), "//", "native-app")
	body := runAndGet(t, "native-app:latest", "8080/tcp", "/")
	wantExampleAnswer(t, body, "hello from examples/native_app")
	var got struct{ Greenlet, Revcomp string }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Greenlet != "2.0.2" || got.Revcomp != "TGTAATC" {
		t.Errorf("the container answered %q, want greenlet 2.0.2 and revcomp TGTAATC", body)
	}
}

// TestExamplePoetryApp: examples/poetry_app ([tool.poetry] + poetry.lock) runs its console script with the
// image's cmd.
func TestExamplePoetryApp(t *testing.T) {
	buildPushLoad(t, exampleDir(t, "poetry_app"), "//", "poetry-app")
	if out, want := dockerRunOnce(t, "poetry-app:latest"), "hello container from examples/poetry_app on Python 3.11."; !strings.HasPrefix(out, want) {
		t.Errorf("the container printed %q, want %q...", out, want)
	}
}

// TestExamplePdmApp: examples/pdm_app (PEP 621 + pdm.lock) serves HTTP from its container.
func TestExamplePdmApp(t *testing.T) {
	buildPushLoad(t, exampleDir(t, "pdm_app"), "//", "pdm-app")
	wantExampleAnswer(t, runAndGet(t, "pdm-app:latest", "8080/tcp", "/"), "hello from examples/pdm_app")
}

// TestExamplePylockApp: examples/pylock_app (PEP 621 + a pylock.toml as uv exports it, the project itself listed
// as a directory) serves HTTP from its container, every package of the flat lock in its closure.
func TestExamplePylockApp(t *testing.T) {
	buildPushLoad(t, exampleDir(t, "pylock_app"), "//", "pylock-app")
	wantExampleAnswer(t, runAndGet(t, "pylock-app:latest", "8080/tcp", "/"), "hello from examples/pylock_app")
}

// TestExampleMonorepo: both apps of examples/monorepo run with the shared library, and their images share
// every layer below the application's own: the interpreter (the largest layer) and the dependencies.
func TestExampleMonorepo(t *testing.T) {
	dir := exampleDir(t, "monorepo")
	buildPushLoad(t, dir, "//apps/api", "monorepo-api")
	buildPushLoad(t, dir, "//apps/worker", "monorepo-worker")

	wantExampleAnswer(t, runAndGet(t, "monorepo-api:latest", "8080/tcp", "/"), "hello from apps/api (common 0.1.0)")
	if out, want := dockerRunOnce(t, "monorepo-worker:latest"), `{"report": "hello from apps/worker (common 0.1.0); python 3.11.`; !strings.HasPrefix(out, want) {
		t.Errorf("the worker printed %q, want %q...", out, want)
	}

	bin := strings.TrimSpace(bazel(t, dir, "info", "bazel-bin"))
	api := exampleLayers(t, filepath.Join(bin, "apps/api/image.oci"))
	worker := exampleLayers(t, filepath.Join(bin, "apps/worker/image.oci"))
	inWorker := map[string]bool{}
	for _, l := range worker {
		inWorker[l.Digest] = true
	}
	// Every layer but the top one, which holds the application alone, is the same closure on both sides.
	for _, l := range api[:len(api)-1] {
		if !inWorker[l.Digest] {
			t.Errorf("api layer %s (%d bytes) is not in the worker image: api %v, worker %v", l.Digest, l.Size, api, worker)
		}
	}
	if top := api[len(api)-1]; inWorker[top.Digest] {
		t.Errorf("the api's top layer %s is in the worker image too; it should hold the api alone", top.Digest)
	}
	largest := api[0]
	for _, l := range api {
		if l.Size > largest.Size {
			largest = l
		}
	}
	if !inWorker[largest.Digest] {
		t.Errorf("the largest api layer %s (%d bytes, the interpreter) is not shared with the worker", largest.Digest, largest.Size)
	}
}

type ociLayer struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// exampleLayers reads the layers of the one image in an OCI image layout, bottom first.
func exampleLayers(t *testing.T, layout string) []ociLayer {
	t.Helper()
	var manifest struct {
		Layers []ociLayer `json:"layers"`
	}
	readManifest(t, layout, &manifest)
	if len(manifest.Layers) < 2 {
		t.Fatalf("%s has %d layers, want the closure's and the application's", layout, len(manifest.Layers))
	}
	return manifest.Layers
}

// exampleScratch makes a package in examples/flask_app named scratch_<test>_<pid> (gitignored) holding
// flask_app's sources and the given files, and removes it when the test ends. A package of the example's own
// workspace reuses its output base: a copy of the whole workspace would compile the nixpy tool again.
func exampleScratch(t *testing.T, files map[string]string) (ws, pkg string) {
	t.Helper()
	ws = exampleDir(t, "flask_app")
	pkg = fmt.Sprintf("scratch_%s_%d", strings.ToLower(t.Name()), os.Getpid())
	dir := filepath.Join(ws, pkg)
	if err := os.CopyFS(filepath.Join(dir, "src"), os.DirFS(filepath.Join(ws, "src"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ws, pkg
}

// exampleBuildFails builds target in the workspace ws, expects Bazel to fail, and returns the end of its stderr.
func exampleBuildFails(t *testing.T, ws, target string) string {
	t.Helper()
	out, err := bazelResult(ws, "build", target)
	if err == nil {
		t.Fatalf("bazel build %s succeeded, want a failure:\n%s", target, out)
	}
	// The message the user sees, for whoever reads the test's verbose output.
	t.Logf("bazel build %s failed as it should:\n%s", target, tail(err.Error(), 12))
	return err.Error()
}

// TestExampleBadPyproject: a pyproject.toml whose field has the wrong type fails the translate action with an
// error naming the file and the field, not a Starlark traceback.
func TestExampleBadPyproject(t *testing.T) {
	lock, err := os.ReadFile(filepath.Join(exampleDir(t, "flask_app"), "uv.lock"))
	if err != nil {
		t.Fatal(err)
	}
	ws, pkg := exampleScratch(t, map[string]string{
		"BUILD.bazel": scratchFlaskBuild(`lock = "uv.lock"`),
		"uv.lock":     string(lock),
		// dependencies must be an array of PEP 508 strings.
		"pyproject.toml": `[project]
name = "flask-app"
version = "0.1.0"
dependencies = "flask>=2.2,<2.3"

[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"
`,
	})
	stderr := exampleBuildFails(t, ws, "//"+pkg+":image")
	for _, want := range []string{"nixpy translate: " + pkg + "/pyproject.toml", "project.dependencies"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("bazel's stderr does not name %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "Traceback") {
		t.Errorf("the failure is a Starlark traceback, want the translate error:\n%s", stderr)
	}
}

// TestExampleMissingNixpkgsPackage: in nixpkgs mode, a dependency the package set lacks fails the Nix build
// naming the package.
func TestExampleMissingNixpkgsPackage(t *testing.T) {
	ws, pkg := exampleScratch(t, map[string]string{
		"BUILD.bazel": scratchFlaskBuild(`mode = "nixpkgs"`),
		"pyproject.toml": `[project]
name = "flask-app"
version = "0.1.0"
dependencies = ["flask>=2.2", "requests>=2.28"]

[project.scripts]
flask-app = "flask_app:main"

[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"
`,
	})
	stderr := exampleBuildFails(t, ws, "//"+pkg+":image")
	if !strings.Contains(stderr, "requests is required, but nixpkgs' python package set has no attribute requests") {
		t.Errorf("bazel's stderr does not name the missing package requests:\n%s", stderr)
	}
}

// scratchFlaskBuild is a BUILD file for a scratch copy of flask_app, with extra py_nix_image attributes. Like
// flask_app's own, it names the test set's interpreter, python311: requires-python (>=3.11) alone would pick
// the newest CPython nixpkgs ships.
func scratchFlaskBuild(extra string) string {
	return `load("@rules_nixpy//rules:defs.bzl", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**/*.py"]),
    nixpkgs = "@rules_nixpy//testing/nixpkgs",
    pyproject = "pyproject.toml",
    python = "3.11",
    ` + extra + `,
)
`
}

// TestExampleLockEdit reads Bazel's execution log around an edit of flask_app's uv.lock that changes no pin (a
// comment): the translation runs again, Nix finds the same derivations, and the image is not rebuilt.
func TestExampleLockEdit(t *testing.T) {
	src := exampleDir(t, "flask_app")
	files := map[string]string{"BUILD.bazel": scratchFlaskBuild(`lock = "uv.lock"`)}
	for _, name := range []string{"pyproject.toml", "uv.lock"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	ws, pkg := exampleScratch(t, files)
	target := "//" + pkg + ":image"
	logs := t.TempDir()
	build := func(step string) []string {
		log := filepath.Join(logs, step+".json")
		bazel(t, ws, "build", "--execution_log_json_file="+log, target)
		return executed(t, log)
	}
	build("first")
	if err := os.WriteFile(filepath.Join(ws, pkg, "uv.lock"), []byte("# edited\n"+files["uv.lock"]), 0o644); err != nil {
		t.Fatal(err)
	}
	ran := build("lock-edit")
	wantRuns(t, "uv.lock edit", ran, map[string]int{"NixPyTranslate": 1, "NixBuild": 1, "NixPyImage": 0, "GoCompilePkg": 0})
}
