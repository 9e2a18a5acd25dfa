package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

const helloPkg = "testing/e2e/hello_nixpkgs"

// TestImagePushLoadRun builds the image of a Flask project, pushes it to a local docker-registry with
// `bazel run :push`, loads it into Docker with `bazel run :load`, and asks the running container.
func TestImagePushLoadRun(t *testing.T) {
	ws := workspace(t)
	bazel(t, ws, "build", "--output_groups=+digest", "//"+helloPkg+":image")
	digest := bazelBin(t, ws, helloPkg+"/image.digest")
	if !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("image.digest = %q, want sha256:...", digest)
	}

	reg := registrytest.Start(t, false)
	repo := reg.Host + "/hello-flask"
	out := bazel(t, ws, "run", "//"+helloPkg+":push", "--", "--repository="+repo)
	if want := repo + "@" + digest; !strings.Contains(out, want) {
		t.Errorf("push printed %q, want %q", out, want)
	}
	if got := registrytest.Crane(t, "digest", "--insecure", repo+":latest"); got != digest {
		t.Errorf("crane digest %s:latest = %s, want the built %s", repo, got, digest)
	}

	id := strings.TrimSpace(bazel(t, ws, "run", "//"+helloPkg+":load"))
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("load printed %q, want an image ID", id)
	}
	body := runAndGet(t, "hello-flask:e2e", "8080/tcp", "/")
	if !strings.Contains(body, `"message":"hello from rules_nixpy"`) || !strings.Contains(body, `"python":"3.11.`) {
		t.Errorf("the container answered %q", body)
	}
}

// TestImagePython313 builds the Flask project for CPython 3.13 (its .python-version), an interpreter the test
// set has besides python311: the image built by Bazel answers from 3.13 in Docker, its Flask and build backend
// being python313's.
func TestImagePython313(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "py313", py313Build)
	if err := os.WriteFile(filepath.Join(ws, pkg, ".python-version"), []byte("3.13\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bazel(t, ws, "build", "//"+pkg+":image")
	if nix := bazelBin(t, ws, pkg+"/image.nix"); !strings.Contains(nix, "python ? pkgs.python313 or (throw") {
		t.Errorf("the translation did not pick python313:\n%s", tail(nix, 200))
	}
	if id := strings.TrimSpace(bazel(t, ws, "run", "//"+pkg+":load")); !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("load printed %q, want an image ID", id)
	}
	body := runAndGet(t, "hello-flask-py313:e2e", "8080/tcp", "/")
	if !strings.Contains(body, `"message":"hello from rules_nixpy"`) || !strings.Contains(body, `"python":"3.13.`) {
		t.Errorf("the container answered %q", body)
	}
}

const py313Build = `load("//rules:defs.bzl", "nixpy_load", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    nixpkgs = "//testing/nixpkgs",
    ports = ["8080/tcp"],
    pyproject = "pyproject.toml",
)

nixpy_load(
    name = "load",
    image = ":image",
    repo_tags = ["hello-flask-py313:e2e"],
)
`

// runAndGet runs image in Docker with port published on loopback and returns the body of GET path.
func runAndGet(t *testing.T, image, port, path string) string {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Fatal("docker not on PATH: this test needs the Docker engine (dev/enter mounts its socket and CLI)")
	}
	name := fmt.Sprintf("nixpy-e2e-%d", time.Now().UnixNano())
	if out, err := exec.Command("docker", "run", "-d", "--name", name, "-p", "127.0.0.1::"+port, image).CombinedOutput(); err != nil {
		t.Fatalf("docker run %s: %v\n%s", image, err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := exec.Command("docker", "logs", name).CombinedOutput()
			t.Logf("container logs:\n%s", logs)
		}
		exec.Command("docker", "rm", "-f", name).Run()
	})
	addr, err := exec.Command("docker", "port", name, port).Output()
	if err != nil {
		t.Fatalf("docker port %s %s: %v", name, port, err)
	}
	url := "http://" + strings.Fields(string(addr))[0] + path
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(body)
			}
			err = fmt.Errorf("status %s: %s", resp.Status, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestExactInvalidation copies the Flask project into a scratch package and reads Bazel's execution log
// after each edit: nothing reruns on a no-op build, a source edit reruns the Nix build, the layer plan, the
// application's layer (one layer action of all) and the assembly but not the translation, a pyproject.toml or
// .python-version edit reruns the translation too, and the nixpy tool is never rebuilt. The layers below the
// application's keep their digests: Bazel's action cache holds them, with no cache of nixpy's own.
func TestExactInvalidation(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "invalidation", "")
	dir := filepath.Join(ws, pkg)
	target := "//" + pkg + ":image"
	logs := t.TempDir()
	build := func(step string) []string {
		log := filepath.Join(logs, step+".json")
		bazel(t, ws, "build", "--execution_log_json_file="+log, target)
		return executed(t, log)
	}

	ran := build("first")
	if n := count(ran, "NixPyImageLayer"); n != imageLayerSlots {
		t.Errorf("a first build ran %d layer actions, want one per slot (%d)", n, imageLayerSlots)
	}
	before := layerDigests(t, ws, pkg)
	if ran := build("noop"); len(ran) != 0 {
		t.Errorf("a no-op rebuild ran %v, want nothing", ran)
	}

	appendTo(t, filepath.Join(dir, "src/hello_flask/__init__.py"), "\n# an edit of the application source\n")
	ran = build("source-edit")
	wantRuns(t, "source edit", ran, map[string]int{"NixPyTranslate": 0, "NixBuild": 1, "NixPyImagePlan": 1,
		"NixPyImageLayer": 1, "NixPyImage": 1, "GoCompilePkg": 0, "GoLink": 0})
	after := layerDigests(t, ws, pkg)
	if len(after) != len(before) || len(after) < 3 {
		t.Fatalf("layers before the edit %v, after %v: want the same number, at least 3", before, after)
	}
	top := len(after) - 1
	for i := range after {
		if changed := after[i] != before[i]; changed != (i == top) {
			t.Errorf("after a source edit, layer %d of %d changed = %v; want only the top layer changed", i+1, len(after), changed)
		}
	}

	appendTo(t, filepath.Join(dir, "pyproject.toml"), "\n[tool.e2e]\nedited = true\n")
	ran = build("pyproject-edit")
	wantRuns(t, "pyproject.toml edit", ran, map[string]int{"NixPyTranslate": 1, "NixBuild": 1, "NixPyImage": 1, "GoCompilePkg": 0})

	// .python-version (found beside pyproject.toml by py_nix_image) is an input of the translation.
	if err := os.WriteFile(filepath.Join(dir, ".python-version"), []byte("3.11.2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ran = build("python-version-edit")
	wantRuns(t, ".python-version edit", ran, map[string]int{"NixPyTranslate": 1, "GoCompilePkg": 0})
	if nix := bazelBin(t, ws, pkg+"/image.nix"); !strings.Contains(nix, `python "3.11.2" (from `+pkg+`/.python-version)`) {
		t.Errorf("the translation did not follow the edited .python-version:\n%s", tail(nix, 200))
	}
}

// TestBuildActionsLeaveOutRunCode: the image's actions run nixpy_action, which holds none of the code of
// push, load, resolve and ci (the run tool's), so an edit there reruns no translate, Nix or image action.
// The push target, which runs the run tool, does depend on it.
func TestBuildActionsLeaveOutRunCode(t *testing.T) {
	ws := workspace(t)
	runCode := "(@rules_nixpy_tools//ci/... + @rules_nixpy_tools//registry/... + @rules_nixpy_tools//dockerload/... + @rules_nixpy_tools//pyindex/... + @rules_nixpy_tools//cli/runcmd/...)"
	if deps := bazel(t, ws, "cquery", "deps(//"+helloPkg+":image) intersect "+runCode); strings.TrimSpace(deps) != "" {
		t.Errorf("the image's actions depend on run code:\n%s", deps)
	}
	if deps := bazel(t, ws, "cquery", "deps(//"+helloPkg+":push) intersect @rules_nixpy_tools//cli/runcmd"); !strings.Contains(deps, "@rules_nixpy_tools//cli/runcmd:runcmd") {
		t.Errorf("the push target does not run the run tool: cquery gave %q", deps)
	}
}

// imageLayerSlots is py_nix_image's default max_layers: nix_image declares one layer action per slot.
const imageLayerSlots = 12

// layerDigests lists the layer digests of the manifest in the OCI layout bazel-bin/PKG/image.oci, bottom first.
func layerDigests(t *testing.T, ws, pkg string) []string {
	t.Helper()
	var m struct {
		Layers []struct{ Digest string }
	}
	readManifest(t, filepath.Join(strings.TrimSpace(bazel(t, ws, "info", "bazel-bin")), pkg, "image.oci"), &m)
	var digests []string
	for _, l := range m.Layers {
		digests = append(digests, l.Digest)
	}
	return digests
}

// TestReproducibleAcrossOutputBases builds the image in a second, empty output base with the Nix and image
// actions barred from every cache: the digest must equal the one of the workspace's own output base.
func TestReproducibleAcrossOutputBases(t *testing.T) {
	ws := workspace(t)
	target := "//" + helloPkg + ":image"
	bazel(t, ws, "build", "--output_groups=+digest", target)
	want := bazelBin(t, ws, helloPkg+"/image.digest")

	base := []string{"--output_base=" + t.TempDir()}
	t.Cleanup(func() { bazelResult(ws, append(base, "shutdown")...) })
	// --symlink_prefix=/ leaves the checkout's bazel-* links alone: repointing them would change the checkout's
	// directory, an input of other packages' cached test results.
	bazel(t, ws, append(base, "build", "--symlink_prefix=/", "--output_groups=+digest",
		"--modify_execution_info=NixPyTranslate=+no-cache,NixBuild=+no-cache,NixPyImage.*=+no-cache", target)...)
	if got := bazelBin(t, ws, helloPkg+"/image.digest", base...); got != want {
		t.Errorf("digest in a clean output base = %s, want %s", got, want)
	}
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func wantRuns(t *testing.T, step string, ran []string, want map[string]int) {
	t.Helper()
	for mnemonic, n := range want {
		if got := count(ran, mnemonic); got != n {
			t.Errorf("after a %s, %s ran %d times, want %d (all that ran: %v)", step, mnemonic, got, n, ran)
		}
	}
}

const onBaseBuild = `load("//rules:defs.bzl", "py_nix_image")

py_nix_image(
    name = "base",
    srcs = glob(["src/**"]),
    max_layers = 5,
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    base = ":base",
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
    symlinks = {"/bin": "{app}/bin"},
)
`

// TestImageOnBase: an image on a base keeps the base's layers at the bottom, and its own layers fit in the
// slots max_layers leaves; the config's platform is the nixpy_nix_build's system.
func TestImageOnBase(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "onbase", onBaseBuild)
	bazel(t, ws, "build", "//"+pkg+":base", "//"+pkg+":image")
	bin := strings.TrimSpace(bazel(t, ws, "info", "bazel-bin"))
	var base, img struct {
		Layers []struct{ Digest string }
		Config struct{ Digest string }
	}
	readManifest(t, filepath.Join(bin, pkg, "base.oci"), &base)
	layout := filepath.Join(bin, pkg, "image.oci")
	readManifest(t, layout, &img)
	if len(base.Layers) == 0 || len(img.Layers) <= len(base.Layers) || len(img.Layers) > 12 {
		t.Fatalf("base has %d layers, the image %d: want more than the base's, at most 12", len(base.Layers), len(img.Layers))
	}
	for i := range base.Layers {
		if img.Layers[i] != base.Layers[i] {
			t.Errorf("layer %d is %s, the base's %s", i+1, img.Layers[i].Digest, base.Layers[i].Digest)
		}
	}
	var cfg struct {
		OS, Architecture string
		Config           struct{ Entrypoint []string }
	}
	readJSON(t, blobPath(layout, img.Config.Digest), &cfg)
	if cfg.OS != "linux" || cfg.Architecture != "amd64" || len(cfg.Config.Entrypoint) != 1 {
		t.Errorf("config: %s/%s, entrypoint %v; want linux/amd64 (x86_64-linux) and the app's program", cfg.OS, cfg.Architecture, cfg.Config.Entrypoint)
	}

	// The image's SBOM depends on the base, a container component of the base's digest, and takes in the
	// base's own SBOM: every component of the base's is in the image's.
	bazel(t, ws, "build", "--output_groups=sbom", "//"+pkg+":image")
	type bom struct {
		Metadata struct {
			Component struct {
				Ref string `json:"bom-ref"`
			}
		}
		Components []struct {
			Ref  string `json:"bom-ref"`
			Type string
		}
		Dependencies []struct {
			Ref       string
			DependsOn []string
		}
	}
	var image, baseBOM bom
	readJSON(t, filepath.Join(bin, pkg, "image.sbom"), &image)
	readJSON(t, filepath.Join(bin, pkg, "base.sbom"), &baseBOM)
	baseDigest := strings.TrimSpace(readFile(t, filepath.Join(bin, pkg, "base.digest")))
	basePurl := "pkg:oci/base@" + baseDigest
	refs := map[string]string{}
	for _, c := range image.Components {
		refs[c.Ref] = c.Type
	}
	if refs[basePurl] != "container" {
		t.Errorf("the image's SBOM has no container component %s", basePurl)
	}
	for _, c := range baseBOM.Components {
		if _, ok := refs[c.Ref]; !ok {
			t.Errorf("the base's component %s is not in the image's SBOM", c.Ref)
		}
	}
	dependsOnBase := false
	for _, d := range image.Dependencies {
		dependsOnBase = dependsOnBase || d.Ref == image.Metadata.Component.Ref && slices.Contains(d.DependsOn, basePurl)
	}
	if !dependsOnBase {
		t.Errorf("the image %s does not depend on its base %s in its SBOM", image.Metadata.Component.Ref, basePurl)
	}
}
