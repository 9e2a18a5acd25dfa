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

// binaryCacheKey makes a Nix binary cache signing key named name with nix-store --generate-binary-cache-key
// and returns the secret key's file and the public key, as nix.conf's trusted-public-keys takes it.
func binaryCacheKey(t *testing.T, name string) (secretFile, public string) {
	t.Helper()
	keys := t.TempDir()
	secretFile = filepath.Join(keys, "secret")
	if out, err := exec.Command("nix-store", "--generate-binary-cache-key", name, secretFile, filepath.Join(keys, "public")).CombinedOutput(); err != nil {
		t.Fatalf("nix-store --generate-binary-cache-key: %v\n%s", err, out)
	}
	return secretFile, strings.TrimSpace(readFile(t, filepath.Join(keys, "public")))
}

// nixCopy uploads path's closure, signed with the secret key, to the binary cache in dir: docs/scale.md's
// post-build step, with a file:// cache for an s3:// one.
func nixCopy(t *testing.T, dir, secretFile, path string) {
	t.Helper()
	to := "file://" + dir + "?secret-key=" + secretFile + "&compression=zstd"
	if out, err := exec.Command("nix", "--extra-experimental-features", "nix-command", "copy", "--to", to, path).CombinedOutput(); err != nil {
		t.Fatalf("nix copy --to %s %s: %v\n%s", to, path, err, out)
	}
}

// substituters is the NixBuild action's NIX_CONFIG naming a binary cache and its key, as a machine's nix.conf
// would (the rig's daemon is shared: its own nix.conf stays as it is).
func substituters(url, key string) string {
	return "--action_env=NIX_CONFIG=extra-substituters = " + url + "\nextra-trusted-public-keys = " + key
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
	secret, key := binaryCacheKey(t, "nixpy-e2e-1")
	cacheURL, cacheDir := startHTTPCache(t)
	a := freshOutputBase(t, user)
	buildImage(t, user, a)
	want := bazelBin(t, user, "image.digest", a...)
	app := bazelBin(t, user, "image.closure.out_path", a...)
	nixCopy(t, cacheDir, secret, app)
	forgetMachine(t, user, a, app)

	b := freshOutputBase(t, user)
	stderr := buildImage(t, user, b, substituters(cacheURL, key))
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
	forgetMachine(t, user, b, app)
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
	c := freshOutputBase(t, user)
	stderr = buildImage(t, user, c, substituters(badURL, key))
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
