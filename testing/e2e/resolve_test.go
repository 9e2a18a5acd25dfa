package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wheelIndex serves the test wheels (testing/wheels) on loopback as a static PEP 503 tree, as a plain file
// server serves a mirror: simple/<project>/index.html links each file relatively, with its #sha256= fragment,
// under the path its manifest URL has on files.pythonhosted.org; the files are the wheels in the Nix store. It
// returns the server's root URL.
func wheelIndex(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(workspace(t), "testing", "wheels", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Wheels []struct{ Name, Filename, URL, SHA256 string }
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	pages := map[string][]string{}
	for _, w := range manifest.Wheels {
		u, err := url.Parse(w.URL)
		if err != nil {
			t.Fatal(err)
		}
		store, err := exec.Command("nix-store", "--print-fixed-path", "sha256", w.SHA256, w.Filename).Output()
		if err != nil {
			t.Fatalf("nix-store --print-fixed-path %s: %v", w.Filename, err)
		}
		file := filepath.Join(root, filepath.FromSlash(u.Path))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(strings.TrimSpace(string(store)), file); err != nil {
			t.Fatal(err)
		}
		pages[w.Name] = append(pages[w.Name], fmt.Sprintf(`<a href="../..%s#sha256=%s">%s</a><br/>`, u.Path, w.SHA256, w.Filename))
	}
	for name, links := range pages {
		page := filepath.Join(root, "simple", name, "index.html")
		if err := os.MkdirAll(filepath.Dir(page), 0o755); err != nil {
			t.Fatal(err)
		}
		html := "<!DOCTYPE html>\n<html><body>\n<h1>Links for " + name + "</h1>\n" + strings.Join(links, "\n") + "\n</body></html>\n"
		if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestExampleRequirementsApp: examples/requirements_app pins pip-compile's `name==version --hash=...` lines
// without URLs. `bazel run //:resolve` finds every hash through a real index on loopback and writes the
// committed requirements.resolved.toml again, with that index's URLs; the image built from it is pushed, loaded
// and answers.
func TestExampleRequirementsApp(t *testing.T) {
	dir := exampleDir(t, "requirements_app")
	host := wheelIndex(t)
	resolved := filepath.Join(dir, "requirements.resolved.toml")
	committed, err := os.ReadFile(resolved)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(resolved, committed, 0o644); err != nil {
			t.Error(err)
		}
	})
	if err := os.Remove(resolved); err != nil {
		t.Fatal(err)
	}

	bazel(t, dir, "run", "//:resolve", "--", "--index-url="+host+"/simple/", "--cache-dir="+t.TempDir())
	got, err := os.ReadFile(resolved)
	if err != nil {
		t.Fatalf("bazel run //:resolve wrote no %s: %v", resolved, err)
	}
	// The same files as resolved through PyPI, whose paths the local index mirrors.
	want := strings.NewReplacer("https://files.pythonhosted.org/", host+"/", "https://pypi.org/simple/", host+"/simple/").Replace(string(committed))
	if string(got) != want {
		t.Errorf("bazel run //:resolve wrote\n%s\nwant the committed file with the local index's URLs:\n%s", got, want)
	}

	buildPushLoad(t, dir, "//", "requirements-app")
	wantExampleAnswer(t, runAndGet(t, "requirements-app:latest", "8080/tcp", "/"), "hello from examples/requirements_app")
}

// requirementsScratch makes a package scratch_<test>_<pid> in examples/requirements_app with its sources, the
// given requirements.txt and a BUILD file of a resolve target and an image without artifacts; it returns the
// workspace and the package.
func requirementsScratch(t *testing.T, requirements string) (ws, pkg string) {
	t.Helper()
	ws = exampleDir(t, "requirements_app")
	pkg = fmt.Sprintf("scratch_%s_%d", strings.ToLower(t.Name()), os.Getpid())
	dir := filepath.Join(ws, pkg)
	if err := os.CopyFS(filepath.Join(dir, "src"), os.DirFS(filepath.Join(ws, "src"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	py, err := os.ReadFile(filepath.Join(ws, "pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"pyproject.toml":   string(py),
		"requirements.txt": requirements,
		"BUILD.bazel": `load("@rules_nixpy//rules:defs.bzl", "nixpy_resolve", "py_nix_image")

nixpy_resolve(name = "resolve", lock = "requirements.txt")

py_nix_image(
    name = "image",
    srcs = glob(["src/**/*.py"]),
    lock = "requirements.txt",
    nixpkgs = "@rules_nixpy//testing/nixpkgs",
    pyproject = "pyproject.toml",
    python = "3.11",
)
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ws, pkg
}

// TestResolveErrors: a hash no file on the index has fails `bazel run :resolve` naming the lock's line, the
// package, the hash and the index; an unresolved lock fails the build saying which target resolves it.
func TestResolveErrors(t *testing.T) {
	requirements, err := os.ReadFile(filepath.Join(exampleDir(t, "requirements_app"), "requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const bad = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	broken := strings.Replace(string(requirements), "--hash=sha256:e9c6a8b3df3f5a00b3eb797d121a12e52abcb537a989bc48da5848f65bfd4a07", "--hash=sha256:"+bad, 1)
	if broken == string(requirements) {
		t.Fatal("the example's requirements.txt no longer pins itsdangerous' test wheel")
	}
	ws, pkg := requirementsScratch(t, broken)
	index := wheelIndex(t) + "/simple/"

	_, stderr, err := bazelStreams(ws, "run", "//"+pkg+":resolve", "--", "--index-url="+index, "--cache-dir="+t.TempDir())
	if err == nil {
		t.Fatalf("bazel run //%s:resolve succeeded with a hash no file has", pkg)
	}
	want := fmt.Sprintf("nixpy resolve: %s/requirements.txt:13: package itsdangerous 2.1.2: sha256 %s matches no file of itsdangerous on %s", pkg, bad, index)
	if !strings.Contains(stderr, want) {
		t.Errorf("bazel run //%s:resolve did not say %q:\n%s", pkg, want, tail(stderr, 10))
	}

	stderr = exampleBuildFails(t, ws, "//"+pkg+":image")
	for _, want := range []string{
		pkg + "/requirements.txt: package click 8.1.3: source: line 7: click==8.1.3 is pinned by version and hashes only, naming no file",
		"`nixpy resolve --lock " + pkg + "/requirements.txt`",
		"`bazel run //" + pkg + ":resolve`",
		"py_nix_image's artifacts attribute",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("bazel build //%s:image did not say %q", pkg, want)
		}
	}
}

// TestGazelleRequirementsLock: Gazelle on a project locked by a pip-compile requirements.txt (hash-only pins)
// writes a nixpy_resolve target beside its image; `bazel run` of it resolves the pins through an index on
// loopback, and the next Gazelle run gives the image the resolved file as artifacts: the image then builds,
// loads and answers. In a copy of examples/monorepo (which has Gazelle), outside its uv workspace.
func TestGazelleRequirementsLock(t *testing.T) {
	ws := monorepoCopy(t)
	example := exampleDir(t, "requirements_app")
	pkg := "standalone/reqs"
	dir := filepath.Join(ws, pkg)
	if err := os.CopyFS(filepath.Join(dir, "src"), os.DirFS(filepath.Join(example, "src"))); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pyproject.toml", "requirements.txt"} {
		data, err := os.ReadFile(filepath.Join(example, name))
		if err != nil {
			t.Fatal(err)
		}
		// The lock's compiled wheels are CPython 3.11's: pin the interpreter as the example's BUILD file does.
		text := strings.Replace(string(data), `requires-python = ">=3.11"`, `requires-python = ">=3.11,<3.12"`, 1)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	bazel(t, ws, "run", "//:gazelle")
	build := readFile(t, filepath.Join(dir, "BUILD.bazel"))
	for _, want := range []string{"nixpy_resolve(", `lock = "requirements.txt"`, "py_nix_image(", "nixpy_load("} {
		if !strings.Contains(build, want) {
			t.Errorf("Gazelle wrote %s/BUILD.bazel without %s:\n%s", pkg, want, build)
		}
	}
	if strings.Contains(build, "artifacts") {
		t.Errorf("Gazelle gave the image artifacts before any was resolved:\n%s", build)
	}

	host := wheelIndex(t)
	bazel(t, ws, "run", "//"+pkg+":resolve", "--", "--index-url="+host+"/simple/", "--cache-dir="+t.TempDir())
	if _, err := os.Stat(filepath.Join(dir, "requirements.resolved.toml")); err != nil {
		t.Fatalf("bazel run //%s:resolve wrote no requirements.resolved.toml: %v", pkg, err)
	}
	bazel(t, ws, "run", "//:gazelle")
	if build := readFile(t, filepath.Join(dir, "BUILD.bazel")); !strings.Contains(build, `artifacts = "requirements.resolved.toml"`) {
		t.Fatalf("after resolving, Gazelle did not give the image its artifacts:\n%s", build)
	}
	bazel(t, ws, "run", "//"+pkg+":load")
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", "requirements-app:latest").Run() })
	wantExampleAnswer(t, runAndGet(t, "requirements-app:latest", "8080/tcp", "/"), "hello from examples/requirements_app")
}
