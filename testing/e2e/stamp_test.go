package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

// scratchPackage copies the Flask project into a scratch package of the workspace, with BUILD.bazel replaced
// by build unless that is empty, and removes it when the test ends. It returns the package's path.
func scratchPackage(t *testing.T, name, build string) string {
	t.Helper()
	ws := workspace(t)
	pkg := fmt.Sprintf("testing/e2e/scratch_%s_%d", name, os.Getpid())
	dir := filepath.Join(ws, pkg)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(ws, helloPkg))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if build != "" {
		if err := os.WriteFile(filepath.Join(dir, "BUILD.bazel"), []byte(build), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return pkg
}

const stampedBuild = `load("//rules:defs.bzl", "nixpy_push", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    labels = {"org.opencontainers.image.revision": "{STABLE_GIT_COMMIT}"},
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

nixpy_push(
    name = "push",
    image = ":image",
    remote_tags = ["{STABLE_GIT_COMMIT}", "latest"],
    repository = "127.0.0.1:5000/stamped",
)
`

// TestStamping builds with --stamp and a workspace status command: the remote tags and the OCI label carry
// the commit. Without --stamp the same target gives the same digest on every build and leaves the tags that
// need stamping to be skipped at push time. A key the workspace status lacks fails a stamped build.
func TestStamping(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "stamp", stampedBuild)
	status := filepath.Join(t.TempDir(), "status.sh")
	if err := os.WriteFile(status, []byte("#!/bin/sh\necho STABLE_GIT_COMMIT 0123abcd\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	targets := []string{"//" + pkg + ":image", "//" + pkg + ":push"}

	bazel(t, ws, append([]string{"build"}, targets...)...)
	unstamped := bazelBin(t, ws, pkg+"/image.digest")
	if got := configLabel(t, ws, pkg, "org.opencontainers.image.revision"); got != "{STABLE_GIT_COMMIT}" {
		t.Errorf("unstamped label = %q, want the text as written", got)
	}
	if tags := bazelBin(t, ws, pkg+"/push.tags.txt"); tags != "{STABLE_GIT_COMMIT}\nlatest" {
		t.Errorf("unstamped tags = %q", tags)
	}

	bazel(t, ws, append([]string{"build", "--stamp", "--workspace_status_command=" + status}, targets...)...)
	if got := configLabel(t, ws, pkg, "org.opencontainers.image.revision"); got != "0123abcd" {
		t.Errorf("stamped label = %q, want 0123abcd", got)
	}
	if tags := bazelBin(t, ws, pkg+"/push.tags.txt"); tags != "0123abcd\nlatest" {
		t.Errorf("stamped tags = %q, want the commit and latest", tags)
	}

	bazel(t, ws, append([]string{"build"}, targets...)...)
	if again := bazelBin(t, ws, pkg+"/image.digest"); again != unstamped {
		t.Errorf("unstamped digest changed after a stamped build: %s, then %s", unstamped, again)
	}

	// A {KEY} the workspace status lacks fails a stamped build, the label's and the tag's alike, naming the
	// key and the attribute it is in; the same BUILD file builds unstamped, keeping the text.
	typo := strings.NewReplacer(`"{STABLE_GIT_COMMIT}"}`, `"{STABLE_GIT_COMMT}"}`, `["{STABLE_GIT_COMMIT}", "latest"]`, `["{BUILD_TAG}", "latest"]`).Replace(stampedBuild)
	if err := os.WriteFile(filepath.Join(ws, pkg, "BUILD.bazel"), []byte(typo), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := bazelStreams(ws, append([]string{"build", "--keep_going", "--stamp", "--workspace_status_command=" + status}, targets...)...)
	if err == nil {
		t.Fatal("a stamped build with keys the workspace status lacks succeeded")
	}
	for _, want := range []string{
		`labels["org.opencontainers.image.revision"] = "{STABLE_GIT_COMMT}": no workspace status value for {STABLE_GIT_COMMT}`,
		`remote_tags "{BUILD_TAG}": no workspace status value for {BUILD_TAG}`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the failed stamped build does not say %s:\n%s", want, tail(stderr, 40))
		}
	}
	bazel(t, ws, append([]string{"build"}, targets...)...)
	if tags := bazelBin(t, ws, pkg+"/push.tags.txt"); tags != "{BUILD_TAG}\nlatest" {
		t.Errorf("unstamped tags = %q, want the text as written", tags)
	}
}

// configLabel reads one label of the image config in the OCI layout bazel-bin/PKG/image.oci.
func configLabel(t *testing.T, ws, pkg, key string) string {
	t.Helper()
	bin := strings.TrimSpace(bazel(t, ws, "info", "bazel-bin"))
	layout := filepath.Join(bin, pkg, "image.oci")
	var manifest struct {
		Config struct{ Digest string } `json:"config"`
	}
	readManifest(t, layout, &manifest)
	var config struct {
		Config struct{ Labels map[string]string } `json:"config"`
	}
	readJSON(t, blobPath(layout, manifest.Config.Digest), &config)
	return config.Config.Labels[key]
}

// readManifest decodes the manifest of the one image in an OCI image layout into v.
func readManifest(t *testing.T, layout string, v any) {
	t.Helper()
	var index struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	readJSON(t, filepath.Join(layout, "index.json"), &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("%s/index.json has %d manifests, want 1", layout, len(index.Manifests))
	}
	readJSON(t, blobPath(layout, index.Manifests[0].Digest), v)
}

func blobPath(layout, digest string) string {
	algo, hex, _ := strings.Cut(digest, ":")
	return filepath.Join(layout, "blobs", algo, hex)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestPushNeedsRepository: a push target without a repository is refused when Bazel analyses it, with a
// message naming the attribute, not a failure at run time.
func TestPushNeedsRepository(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "norepo", `load("//rules:defs.bzl", "nixpy_push", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

nixpy_push(
    name = "push",
    image = ":image",
)
`)
	_, err := bazelResult(ws, "build", "//"+pkg+":push")
	if err == nil || !strings.Contains(err.Error(), `missing value for mandatory attribute 'repository'`) {
		t.Errorf("build of a push without repository: %v, want an error naming the repository attribute", err)
	}
}

// TestPushRepositoryTail: a repository ending in / is completed with the project's name from pyproject.toml.
// The build is unstamped, so the tag that needs stamping is skipped, saying so, and the others are pushed.
func TestPushRepositoryTail(t *testing.T) {
	ws := workspace(t)
	reg := registrytest.Start(t, false)
	pkg := scratchPackage(t, "tail", fmt.Sprintf(`load("//rules:defs.bzl", "nixpy_push", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

nixpy_push(
    name = "push",
    image = ":image",
    insecure = True,
    remote_tags = ["latest", "{STABLE_GIT_COMMIT}"],
    repository = "%s/team/",
)
`, reg.Host))
	out, stderr, err := bazelStreams(ws, "run", "//"+pkg+":push")
	if err != nil {
		t.Fatalf("bazel run //%s:push: %v", pkg, err)
	}
	digest := bazelBin(t, ws, pkg+"/image.digest")
	if want := reg.Host + "/team/hello-flask@" + digest; !strings.Contains(out, want) {
		t.Errorf("push printed %q, want %q", out, want)
	}
	if want := "nixpy_push: not stamped, skipping tag {STABLE_GIT_COMMIT} (build with --stamp)"; !strings.Contains(stderr, want) {
		t.Errorf("the unstamped push does not say %q:\n%s", want, tail(stderr, 20))
	}
	if got := registrytest.Crane(t, "digest", "--insecure", reg.Host+"/team/hello-flask:latest"); got != digest {
		t.Errorf("%s/team/hello-flask:latest = %s, want the pushed %s", reg.Host, got, digest)
	}
}
