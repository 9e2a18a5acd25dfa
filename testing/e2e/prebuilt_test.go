package e2e

import (
	"debug/elf"
	"debug/macho"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// checkBinary fails unless path is an executable of the platform (GOOS_GOARCH) it is named for.
func checkBinary(t *testing.T, path, platform string) {
	t.Helper()
	switch platform {
	case "linux_amd64", "linux_arm64":
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer f.Close()
		want := map[string]elf.Machine{"linux_amd64": elf.EM_X86_64, "linux_arm64": elf.EM_AARCH64}[platform]
		if f.Machine != want || f.Type != elf.ET_EXEC {
			t.Errorf("%s: ELF %v %v, want an executable for %v", path, f.Type, f.Machine, want)
		}
	case "darwin_amd64", "darwin_arm64":
		f, err := macho.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer f.Close()
		want := map[string]macho.Cpu{"darwin_amd64": macho.CpuAmd64, "darwin_arm64": macho.CpuArm64}[platform]
		if f.Cpu != want || f.Type != macho.TypeExec {
			t.Errorf("%s: Mach-O %v %v, want an executable for %v", path, f.Type, f.Cpu, want)
		}
	default:
		t.Errorf("%s: unexpected platform %q", path, platform)
	}
}

// TestPrebuiltToolchain checks the release TestMain built with dev/release (nixpy for linux and darwin, amd64 and
// arm64, its versions file, the source archive) and uses it from a workspace of its own through file:// URLs,
// named by the root module's nixpy.prebuilt, as a user of a release does through GitHub's: the rules must run the downloaded linux_amd64 binary, compile no Go, and make the image
// the nixpy built from source makes, with neither rules_go nor gazelle in the module graph. A binary that does
// not match its pin, a platform without a binary and a malformed versions file fail with errors saying so.
func TestPrebuiltToolchain(t *testing.T) {
	ws := workspace(t)
	bazel(t, ws, "build", "--output_groups=+digest", "//"+helloPkg+":image")
	want := bazelBin(t, ws, helloPkg+"/image.digest")

	dir := scratchWorkspace(t, "prebuilt")
	rel := releaseDir
	versionsFile := filepath.Join(rel, "versions.json")
	var versions struct {
		Version string            `json:"version"`
		URLs    []string          `json:"urls"`
		SHA256  map[string]string `json:"sha256"`
	}
	data, err := os.ReadFile(versionsFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &versions); err != nil {
		t.Fatalf("%s: %v", versionsFile, err)
	}
	if len(versions.SHA256) != 4 {
		t.Errorf("versions.json pins %d binaries, want linux and darwin, amd64 and arm64:\n%s", len(versions.SHA256), data)
	}
	for platform := range versions.SHA256 {
		checkBinary(t, filepath.Join(rel, "nixpy_"+platform), platform)
	}
	archive, err := exec.Command("tar", "-xOzf", filepath.Join(rel, "rules_nixpy-0.1.0.tar.gz"), "rules_nixpy-0.1.0/rules/private/versions.json").Output()
	if err != nil {
		t.Fatalf("the source archive has no rules/private/versions.json: %v", err)
	}
	if string(archive) != string(data) {
		t.Errorf("the source archive's versions file differs from the release's:\n%s\nwant\n%s", archive, data)
	}

	user := filepath.Join(dir, "ws")
	if err := os.CopyFS(user, os.DirFS(filepath.Join(ws, helloPkg))); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, user, map[string]string{
		"versions.json": string(data),
		"MODULE.bazel": fmt.Sprintf(`module(name = "prebuilt_user")

bazel_dep(name = "rules_nixpy", version = "0.1.0")
local_path_override(module_name = "rules_nixpy", path = %q)

nixpy = use_extension("@rules_nixpy//rules:extensions.bzl", "nixpy")
nixpy.prebuilt(versions = "//:versions.json")
`, ws),
		"BUILD.bazel": `load("@rules_nixpy//rules:defs.bzl", "py_nix_image")

exports_files(["versions.json"])

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    nixpkgs = "@rules_nixpy//testing/nixpkgs",
    ports = ["8080/tcp"],
    pyproject = "pyproject.toml",
)
`,
	})
	t.Cleanup(func() { bazelResult(user, "shutdown") })

	actions := bazel(t, user, "aquery", "mnemonic('NixPyTranslate|NixBuild|NixPyPlan|NixPyLayer|NixPyImage', deps(//:image))")
	if n := strings.Count(actions, "nixpy_linux_amd64/nixpy"); n < 5 {
		t.Errorf("the translate, nix-build, plan, layer and image actions should run the prebuilt nixpy; aquery:\n%s", actions)
	}
	if strings.Contains(actions, "rules_nixpy_tools") {
		t.Errorf("an action still runs nixpy built from source; aquery:\n%s", actions)
	}
	if graph := bazel(t, user, "mod", "graph"); strings.Contains(graph, "rules_go@") || strings.Contains(graph, "gazelle@") {
		t.Errorf("a user of rules_nixpy depends on rules_go or gazelle:\n%s", graph)
	}
	if goActions := bazel(t, user, "aquery", "mnemonic('Go.*', deps(//:image))"); strings.Contains(goActions, "Mnemonic: Go") {
		t.Errorf("the build compiles Go though a prebuilt nixpy serves it:\n%s", goActions)
	}
	bazel(t, user, "build", "--output_groups=+digest", "//:image")
	if got := bazelBin(t, user, "image.digest"); got != want {
		t.Errorf("image digest with the prebuilt nixpy = %s, want %s (the same as with nixpy from source)", got, want)
	}

	// A pin that does not match the binary: the download fails and names both digests.
	tampered := strings.Replace(string(data), versions.SHA256["linux_amd64"], strings.Repeat("0", 64), 1)
	writeFiles(t, user, map[string]string{"versions.json": tampered})
	_, stderr, err := bazelStreams(user, "build", "--nobuild", "//:image")
	if err == nil || !strings.Contains(stderr, "Checksum was "+versions.SHA256["linux_amd64"]) {
		t.Errorf("a binary that does not match its pin must fail the build, naming its digest; err=%v\n%s", err, tail(stderr, 30))
	}

	// A versions file without this platform's binary: the fallback toolchain says what to do.
	darwinOnly := fmt.Sprintf(`{"version": "0.1.0", "urls": [%q], "sha256": {"darwin_arm64": %q}}`,
		versions.URLs[0], versions.SHA256["darwin_arm64"])
	writeFiles(t, user, map[string]string{"versions.json": darwinOnly})
	_, stderr, err = bazelStreams(user, "build", "--nobuild", "//:image")
	if err == nil || !strings.Contains(stderr, "has prebuilt binaries for darwin_arm64 only, not for this platform") ||
		!strings.Contains(stderr, `register_toolchains("@rules_nixpy_tools//toolchain:all")`) {
		t.Errorf("a platform without a prebuilt binary must fail with rules_nixpy's explanation; err=%v\n%s", err, tail(stderr, 30))
	}

	// A malformed versions file names the file and the field.
	writeFiles(t, user, map[string]string{"versions.json": `{"version": "0.1.0", "urls": ["https://x/nixpy"], "sha256": {}}`})
	_, stderr, err = bazelStreams(user, "build", "--nobuild", "//:image")
	if err == nil || !strings.Contains(stderr, "versions.json: urls: want a list of URL templates, each with {platform}") {
		t.Errorf("a URL template without {platform} must fail naming the file and the field; err=%v\n%s", err, tail(stderr, 30))
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
