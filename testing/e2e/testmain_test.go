package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	testinputs.Main(m, ".")
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
