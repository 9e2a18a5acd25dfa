package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrebuiltToolchain uses the nixpy module extension in a workspace of its own: nixpy.prebuilt with a
// file:// URL to a nixpy binary. The rules must run that binary (the toolchain the root module registers
// comes before the one built from source) and the image must be the one the built-from-source tool makes.
func TestPrebuiltToolchain(t *testing.T) {
	ws := workspace(t)
	bazel(t, ws, "build", "--output_groups=+digest", "//tools/cmd/nixpy", "//"+helloPkg+":image")
	want := bazelBin(t, ws, helloPkg+"/image.digest")
	bin := strings.TrimSpace(bazel(t, ws, "cquery", "--output=files", "//tools/cmd/nixpy"))
	data, err := os.ReadFile(filepath.Join(ws, bin))
	if err != nil {
		t.Fatal(err)
	}
	dir := scratchWorkspace(t, "prebuilt")
	prebuilt := filepath.Join(dir, "nixpy-linux-amd64")
	if err := os.WriteFile(prebuilt, data, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)

	user := filepath.Join(dir, "ws")
	if err := os.CopyFS(user, os.DirFS(filepath.Join(ws, helloPkg))); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"MODULE.bazel": fmt.Sprintf(`module(name = "prebuilt_user")

bazel_dep(name = "rules_nixpy", version = "0.1.0")
local_path_override(module_name = "rules_nixpy", path = %q)

nixpy = use_extension("@rules_nixpy//rules:extensions.bzl", "nixpy")
nixpy.prebuilt(
    sha256 = %q,
    urls = ["file://%s"],
)
use_repo(nixpy, "nixpy_prebuilt")

register_toolchains("@nixpy_prebuilt//:all")
`, ws, hex.EncodeToString(sum[:]), prebuilt),
		"BUILD.bazel": `load("@rules_nixpy//rules:defs.bzl", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    nixpkgs = "@rules_nixpy//testing/nixpkgs",
    ports = ["8080/tcp"],
    pyproject = "pyproject.toml",
)
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(user, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { bazelResult(user, "shutdown") })

	actions := bazel(t, user, "aquery", "mnemonic('NixPyTranslate|NixBuild|NixPyImage', deps(//:image))")
	if n := strings.Count(actions, "nixpy_prebuilt"); n < 3 {
		t.Errorf("the translate, nix-build and image actions should run the prebuilt nixpy; aquery:\n%s", actions)
	}
	if strings.Contains(actions, "tools/cmd/nixpy") {
		t.Errorf("an action still runs nixpy built from source; aquery:\n%s", actions)
	}
	bazel(t, user, "build", "--output_groups=+digest", "//:image")
	if got := bazelBin(t, user, "image.digest"); got != want {
		t.Errorf("image digest with the prebuilt nixpy = %s, want %s (the same as with nixpy from source)", got, want)
	}
}
