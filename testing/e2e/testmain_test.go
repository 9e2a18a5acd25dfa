package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// releaseDir holds the release of this checkout that TestMain builds: what a user of rules_nixpy's release
// downloads, the same binaries at file:// URLs.
var releaseDir string

// The tests run Bazel on the whole checkout and on the examples, which use it as the rules_nixpy module, then
// Nix, docker-registry, crane and Docker: all of the checkout and the rig are their inputs (see testinputs).
//
// The examples are users of a release: TestMain builds one of this checkout with dev/release and points the
// nixpy extension at its versions file (NIXPY_VERSIONS_FILE, which every Bazel the tests run inherits), so the
// examples run the prebuilt binary and compile no Go, while the checkout's own workspace builds nixpy from
// source as rules_nixpy's development always does.
func TestMain(m *testing.M) {
	dir, err := buildRelease()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	releaseDir = dir
	os.Setenv("NIXPY_VERSIONS_FILE", filepath.Join(dir, "versions.json"))
	if err := useRigCosign(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	testinputs.Main(m, ".")
}

// useRigCosign points the cosign toolchain at the rig's cosign (dev/setup builds it; GitHub's release binaries
// are out of reach): a versions file with a file:// URL, through NIXPY_COSIGN_VERSIONS_FILE, as nixpy's is. A rig
// without cosign leaves rules_nixpy's pins in place, and the tests that sign fail on the missing cosign.
func useRigCosign(dir string) error {
	bin, err := exec.LookPath("cosign")
	if err != nil {
		return nil
	}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	link := filepath.Join(dir, "cosign_"+platform)
	if err := os.Symlink(bin, link); err != nil {
		return err
	}
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("hashing %s: %w", bin, err)
	}
	versions, err := json.Marshal(map[string]any{
		"version": "rig",
		"urls":    []string{"file://" + dir + "/cosign_{platform}"},
		"sha256":  map[string]string{platform: hex.EncodeToString(h.Sum(nil))},
	})
	if err != nil {
		return err
	}
	file := filepath.Join(dir, "cosign_versions.json")
	if err := os.WriteFile(file, versions, 0o644); err != nil {
		return err
	}
	return os.Setenv("NIXPY_COSIGN_VERSIONS_FILE", file)
}

// buildRelease runs dev/release into examples/scratch_release with file:// URLs to it.
func buildRelease() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root := filepath.Dir(filepath.Dir(wd))
	dir := filepath.Join(root, "examples", "scratch_release")
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	cmd := exec.Command(filepath.Join(root, "dev", "release"), "--url", "file://"+dir+"/nixpy_{platform}", "0.1.0", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("dev/release: %v\n%s", err, out)
	}
	return dir, nil
}
