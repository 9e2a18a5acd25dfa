package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// remoteUserWorkspace makes a user's workspace of helloPkg's project (the prebuilt nixpy, rules_nixpy from
// this checkout) whose application is a store path of this run only, so deleting it disturbs no other test.
func remoteUserWorkspace(t *testing.T, name string) string {
	t.Helper()
	ws := workspace(t)
	user := scratchWorkspace(t, name)
	if err := os.CopyFS(user, os.DirFS(filepath.Join(ws, helloPkg))); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, user, map[string]string{
		"MODULE.bazel": fmt.Sprintf(`module(name = %q)

bazel_dep(name = "rules_nixpy", version = "0.1.0")
local_path_override(module_name = "rules_nixpy", path = %q)
`, name+"_user", ws),
		"BUILD.bazel": `load("@rules_nixpy//rules:defs.bzl", "nixpy_push", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    nixpkgs = "@rules_nixpy//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

nixpy_push(
    name = "push",
    image = ":image",
    insecure = True,
    remote_tags = ["latest"],
    repository = "127.0.0.1:5000/` + name + `",
)
`,
	})
	appendTo(t, filepath.Join(user, "src/hello_flask/__init__.py"), fmt.Sprintf("\n# run %d\n", time.Now().UnixNano()))
	return user
}

// pathSignatures returns the signatures the Nix store records for a valid path.
func pathSignatures(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("nix", "--extra-experimental-features", "nix-command", "path-info", "--json", "--json-format", "1", path).Output()
	if err != nil {
		t.Fatalf("nix path-info %s: %v", path, err)
	}
	var info map[string]struct {
		Signatures []string `json:"signatures"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("nix path-info %s: %v\n%s", path, err, out)
	}
	return info[path].Signatures
}

// TestNixBinaryCacheSubstitutes plays a team's CI with a signed Nix binary cache served over HTTP: machine A
// builds the image and uploads its closure with `nix copy` (signed with a key from nix-store
// --generate-binary-cache-key), as docs/scale.md's post-build step does; machine B, a fresh output base whose
// Nix store lacks the application and which names the cache and its key (NIX_CONFIG for the NixBuild action,
// as a nix.conf would), builds the same digest with the application substituted, signed by the key, not
// built. A substitute whose signature does not verify is refused by Nix, which says so in Bazel's output,
// and the path is built instead.
func TestNixBinaryCacheSubstitutes(t *testing.T) {
	user := remoteUserWorkspace(t, "binarycache")
	keys := t.TempDir()
	secret, public := filepath.Join(keys, "secret"), filepath.Join(keys, "public")
	if out, err := exec.Command("nix-store", "--generate-binary-cache-key", "nixpy-e2e-1", secret, public).CombinedOutput(); err != nil {
		t.Fatalf("nix-store --generate-binary-cache-key: %v\n%s", err, out)
	}
	key, err := os.ReadFile(public)
	if err != nil {
		t.Fatal(err)
	}
	cacheURL, cacheDir := startHTTPCache(t)
	nixConfig := "--action_env=NIX_CONFIG=extra-substituters = " + cacheURL + "\nextra-trusted-public-keys = " + strings.TrimSpace(string(key))
	outputBase := func() []string {
		base := []string{"--output_base=" + t.TempDir()}
		t.Cleanup(func() { bazelResult(user, append(base, "shutdown")...) })
		return base
	}
	build := func(base []string, flags ...string) string {
		args := append(append(append([]string(nil), base...), "build", "--disk_cache=", "--output_groups=+digest"), flags...)
		_, stderr, err := bazelStreams(user, append(args, "//:image")...)
		if err != nil {
			t.Fatalf("bazel %s: %v", strings.Join(args, " "), err)
		}
		return stderr
	}

	a := outputBase()
	build(a)
	want := bazelBin(t, user, "image.digest", a...)
	app := bazelBin(t, user, "image.closure.out_path", a...)
	// The post-build upload: the image's closure, signed, to the cache nginx serves.
	copyTo := "file://" + cacheDir + "?secret-key=" + secret + "&compression=zstd"
	if out, err := exec.Command("nix", "--extra-experimental-features", "nix-command", "copy", "--to", copyTo, app).CombinedOutput(); err != nil {
		t.Fatalf("nix copy --to %s %s: %v\n%s", copyTo, app, err, out)
	}
	bazel(t, user, append(a, "clean")...)
	nixStore(t, "--delete", app)

	b := outputBase()
	stderr := build(b, nixConfig)
	if got := bazelBin(t, user, "image.digest", b...); got != want {
		t.Errorf("digest on machine B = %s, want A's %s", got, want)
	}
	if !strings.Contains(stderr, "copying path '"+app+"' from '"+cacheURL) {
		t.Errorf("machine B's NixBuild did not substitute %s from %s:\n%s", app, cacheURL, tail(stderr, 40))
	}
	if sigs := pathSignatures(t, app); !strings.Contains(strings.Join(sigs, " "), "nixpy-e2e-1:") {
		t.Errorf("%s on machine B has signatures %q, want the cache key's (substituted, not built)", app, sigs)
	}

	// A substitute whose signature does not verify, from another cache (Nix remembers what a cache holds): Nix
	// refuses it, says so, and builds the path.
	bazel(t, user, append(b, "clean")...)
	nixStore(t, "--delete", app)
	badURL, badDir := startHTTPCache(t)
	if out, err := exec.Command("cp", "-a", cacheDir+"/.", badDir).CombinedOutput(); err != nil {
		t.Fatalf("copying the cache: %v\n%s", err, out)
	}
	narinfo := filepath.Join(badDir, strings.SplitN(filepath.Base(app), "-", 2)[0]+".narinfo")
	text, err := os.ReadFile(narinfo)
	if err != nil {
		t.Fatal(err)
	}
	sig := strings.Index(string(text), "Sig: nixpy-e2e-1:")
	if sig < 0 {
		t.Fatalf("%s has no signature by nixpy-e2e-1:\n%s", narinfo, text)
	}
	// Another valid-looking signature: the first base64 character changed.
	at := sig + len("Sig: nixpy-e2e-1:")
	flipped := byte('A')
	if text[at] == 'A' {
		flipped = 'B'
	}
	text[at] = flipped
	if err := os.WriteFile(narinfo, text, 0o644); err != nil {
		t.Fatal(err)
	}
	nixConfig = "--action_env=NIX_CONFIG=extra-substituters = " + badURL + "\nextra-trusted-public-keys = " + strings.TrimSpace(string(key))
	c := outputBase()
	stderr = build(c, nixConfig)
	if !strings.Contains(stderr, "ignoring substitute for '"+app+"'") || !strings.Contains(stderr, "not signed by any of the keys") {
		t.Errorf("a substitute with a bad signature should be refused, and Bazel's output say so:\n%s", tail(stderr, 40))
	}
	if sigs := pathSignatures(t, app); strings.Contains(strings.Join(sigs, " "), "nixpy-e2e-1:") {
		t.Errorf("%s was taken from the tampered cache (signatures %q)", app, sigs)
	}
	if got := bazelBin(t, user, "image.digest", c...); got != want {
		t.Errorf("digest after building %s locally = %s, want %s", app, got, want)
	}
}
