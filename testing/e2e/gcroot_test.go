package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStorePathsSurviveCaches follows the application's store path through Nix and Bazel's caches, with no
// build action kept out of any cache. Output base A builds the image: its NixGCRoot action leaves a GC root,
// so Nix refuses to delete the path while A references it, and lets it go after `bazel clean`. Output base B,
// with A's disk cache and a store that no longer has the path, gets every build action from the cache (only
// its own GC-root action runs, and realises nothing): the same digest. When B's image actions rerun, they
// realise the path again from its derivation and give the same digest.
func TestStorePathsSurviveCaches(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "gcroot", "")
	// A store path of this run only, so deleting it disturbs no other test.
	appendTo(t, filepath.Join(ws, pkg, "src/hello_flask/__init__.py"), fmt.Sprintf("\n# run %d\n", time.Now().UnixNano()))
	target := "//" + pkg + ":image"
	outputBase := func() []string {
		base := []string{"--output_base=" + t.TempDir()}
		t.Cleanup(func() { bazelResult(ws, append(base, "shutdown")...) })
		return base
	}
	// --symlink_prefix=/ leaves the checkout's bazel-* links alone.
	build := func(base []string, log string, flags ...string) string {
		args := append(append(append([]string(nil), base...), "build", "--symlink_prefix=/", "--output_groups=+digest", "--execution_log_json_file="+log), flags...)
		_, stderr, err := bazelStreams(ws, append(args, target)...)
		if err != nil {
			t.Fatalf("bazel %s: %v", strings.Join(args, " "), err)
		}
		return stderr
	}
	logs := t.TempDir()

	a := outputBase()
	build(a, filepath.Join(logs, "a.json"))
	want := bazelBin(t, ws, pkg+"/image.digest", a...)
	app := bazelBin(t, ws, pkg+"/image.closure.out_path", a...)
	root := filepath.Join(strings.TrimSpace(bazel(t, ws, append(a, "info", "bazel-bin")...)), pkg, "image.closure.gcroot")
	if target, err := os.Readlink(root); err != nil || target != app {
		t.Fatalf("%s -> %q (%v), want a link to %s", root, target, err, app)
	}
	if roots := nixStore(t, "--gc", "--print-roots"); !strings.Contains(roots, root+" -> "+app) && !strings.Contains(roots, `"`+root+`" -> `+app) {
		t.Errorf("nix-store --gc --print-roots does not list %s -> %s:\n%s", root, app, tail(roots, 40))
	}
	if out, err := exec.Command("nix-store", "--delete", app).CombinedOutput(); err == nil {
		t.Fatalf("nix-store --delete %s succeeded while output base A references it", app)
	} else if !strings.Contains(string(out), "alive") {
		t.Errorf("nix-store --delete %s: %v: %s, want it refused as alive", app, err, out)
	}
	bazel(t, ws, append(a, "clean")...)
	nixStore(t, "--delete", app)

	b := outputBase()
	logB := filepath.Join(logs, "b.json")
	build(b, logB)
	if got := bazelBin(t, ws, pkg+"/image.digest", b...); got != want {
		t.Errorf("digest in output base B = %s, want A's %s", got, want)
	}
	wantRuns(t, "output base B with A's disk cache", executed(t, logB), map[string]int{"NixPyTranslate": 0, "NixBuild": 0,
		"NixGCRoot": 1, "NixPyImagePlan": 0, "NixPyImageLayer": 0, "NixPyImage": 0})
	if _, err := os.Lstat(app); !os.IsNotExist(err) {
		t.Errorf("a build served from the cache brought %s back (%v): nothing should read it", app, err)
	}

	logRerun := filepath.Join(logs, "b-rerun.json")
	stderr := build(b, logRerun, "--modify_execution_info=NixPyImage.*=+no-cache")
	if got := bazelBin(t, ws, pkg+"/image.digest", b...); got != want {
		t.Errorf("digest after the image actions ran with %s realised again = %s, want %s", app, got, want)
	}
	wantRuns(t, "image actions rerun", executed(t, logRerun), map[string]int{"NixBuild": 0, "NixPyImagePlan": 1,
		"NixPyImageLayer": imageLayerSlots, "NixPyImage": 1})
	if _, err := os.Stat(filepath.Join(app, "bin")); err != nil {
		t.Errorf("the rerun image actions did not realise %s: %v", app, err)
	}
	if !strings.Contains(stderr, "missing from the Nix store (1 from their derivations") {
		t.Errorf("Bazel's output does not show the path realised from its derivation:\n%s", tail(stderr, 40))
	}
}

func nixStore(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("nix-store", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("nix-store %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
