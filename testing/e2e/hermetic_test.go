package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hermeticBuild has the default image of the Flask project, and images built with a nixpkgs config, an
// overlay and another interpreter given explicitly; the explicit files throw, so reading them shows.
const hermeticBuild = `load("//rules:defs.bzl", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

py_nix_image(
    name = "with_config",
    srcs = glob(["src/**"]),
    nixpkgs = "//testing/nixpkgs",
    nixpkgs_config = "rule_config.nix",
    pyproject = "pyproject.toml",
)

py_nix_image(
    name = "with_overlay",
    srcs = glob(["src/**"]),
    nixpkgs = "//testing/nixpkgs",
    nixpkgs_overlays = ["rule_overlay.nix"],
    pyproject = "pyproject.toml",
)

py_nix_image(
    name = "with_interpreter",
    srcs = glob(["src/**"]),
    interpreter = "python312",
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)
`

// TestHermeticNixpkgs: the nix-build action imports nixpkgs with `config = { }; overlays = [ ];`, so a user's
// $NIXPKGS_CONFIG and ~/.config/nixpkgs/overlays.nix, which testing/nixpkgs reads when not given config and
// overlays (as nixpkgs' impure.nix does), do not change the build: it reruns and gives the same store path.
// Config, overlays and the interpreter reach the build only through the rule's attributes.
// The package's .python-version (3.11) is honoured, not requires-python (>=3.11), which alone would pick 3.14,
// and not the set's python3 (python313).
func TestHermeticNixpkgs(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "hermetic", hermeticBuild)
	dir := filepath.Join(ws, pkg)
	for name, text := range map[string]string{
		"rule_config.nix":  `throw "nixpy e2e: the rule's nixpkgs_config was read"`,
		"rule_overlay.nix": `final: prev: { python311 = throw "nixpy e2e: the rule's overlay was read"; }`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Not under /tmp: Bazel's sandbox gives every action an empty /tmp of its own.
	user, err := os.MkdirTemp("/var/tmp", "nixpy-user-config-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(user) })
	userConfig := filepath.Join(user, "config.nix")
	home := filepath.Join(user, "home")
	for path, text := range map[string]string{
		userConfig: `throw "nixpy e2e: NIXPKGS_CONFIG was read"`,
		filepath.Join(home, ".config", "nixpkgs", "overlays.nix"): `[ (final: prev: { python311 = throw "nixpy e2e: ~/.config/nixpkgs/overlays.nix was read"; }) ]`,
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The same files do change an import of the set that leaves config and overlays out.
	for _, env := range []string{"NIXPKGS_CONFIG=" + userConfig, "HOME=" + home} {
		cmd := exec.Command("nix-instantiate", "--eval", "-E", "(import ./testing/nixpkgs { }).python311.version")
		cmd.Dir, cmd.Env = ws, append(os.Environ(), env)
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "nixpy e2e: ") {
			t.Fatalf("with %s, an impure import of testing/nixpkgs should read the user's file: %v\n%s", env, err, out)
		}
	}

	bazel(t, ws, "build", "//"+pkg+":image.closure")
	want := bazelBin(t, ws, pkg+"/image.closure.out_path")
	log := filepath.Join(t.TempDir(), "exec.json")
	bazel(t, ws, "build", "--execution_log_json_file="+log,
		"--action_env=NIXPKGS_CONFIG="+userConfig, "--action_env=HOME="+home, "//"+pkg+":image.closure")
	if n := count(executed(t, log), "NixBuild"); n != 1 {
		t.Errorf("with NIXPKGS_CONFIG and HOME set, NixBuild ran %d times, want 1 (a rerun, not a cache hit)", n)
	}
	if got := bazelBin(t, ws, pkg+"/image.closure.out_path"); got != want {
		t.Errorf("with a user's config and overlays the build gave %s, want %s", got, want)
	}
	if nix := bazelBin(t, ws, pkg+"/image.nix"); !strings.Contains(nix, `python "3.11" (from `+pkg+`/.python-version)`) ||
		!strings.Contains(nix, "python ? pkgs.python311 or (throw") {
		t.Errorf("the translation did not follow %s/.python-version:\n%s", pkg, tail(nix, 200))
	}

	for target, wantErr := range map[string]string{
		"with_config.closure":      "nixpy e2e: the rule's nixpkgs_config was read",
		"with_overlay.closure":     "nixpy e2e: the rule's overlay was read",
		"with_interpreter.closure": "attribute 'python312' missing",
	} {
		_, stderr, err := bazelStreams(ws, "build", "//"+pkg+":"+target)
		if err == nil || !strings.Contains(stderr, wantErr) {
			t.Errorf("bazel build :%s: %v, want a failure with %q:\n%s", target, err, wantErr, tail(stderr, 30))
		}
	}
}
