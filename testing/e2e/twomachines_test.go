package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

// TestTwoMachinesShareCaches is a team's CI on two fresh machines with the setup docs/scale.md describes, on
// examples/flask_app: machine A builds and pushes with a Bazel remote cache, then uploads the application's
// closure to a signed Nix binary cache; machine B, a clean output base whose Nix store lacks the application,
// whose Nix names the binary cache (which changes its NixBuild action, as another nix.conf would), builds the
// same target: Nix builds nothing (the application is substituted), the image actions come from the remote
// cache, the digest is A's, and its push uploads nothing new.
func TestTwoMachinesShareCaches(t *testing.T) {
	ws := workspace(t)
	user := exampleCopy(t, "flask_app", "two-machines")
	replaceIn(t, filepath.Join(user, "MODULE.bazel"), `path = "../.."`, `path = "`+ws+`"`)
	// A store path of this run only, so deleting it disturbs no other test.
	appendTo(t, filepath.Join(user, "src/flask_app/__init__.py"), "\n# run "+time.Now().Format(time.RFC3339Nano)+"\n")

	remoteURL, _ := startHTTPCache(t)
	remote := "--remote_cache=" + remoteURL
	nixURL, nixDir := startHTTPCache(t)
	secret, key := binaryCacheKey(t, "nixpy-team-1")
	reg := registrytest.Start(t, false)
	ref := reg.Host + "/flask-app"
	push := func(base []string, flags ...string) map[string]any {
		report := filepath.Join(t.TempDir(), "report.json")
		args := append(append(append([]string(nil), base...), "run", "--disk_cache=", remote), flags...)
		bazel(t, user, append(args, "//:push", "--", "--repository="+ref, "--report-file="+report)...)
		var r map[string]any
		readJSON(t, report, &r)
		return r
	}

	a := freshOutputBase(t, user)
	buildImage(t, user, a, remote)
	want := bazelBin(t, user, "image.digest", a...)
	app := bazelBin(t, user, "image.closure.out_path", a...)
	if r := push(a); r["uploaded_bytes"].(float64) == 0 {
		t.Errorf("machine A's push uploaded nothing: %v", r)
	}
	nixCopy(t, nixDir, secret, app)
	forgetMachine(t, user, a, app)

	nixConfig := substituters(nixURL, key)
	b := freshOutputBase(t, user)
	logB := filepath.Join(t.TempDir(), "b.json")
	buildImage(t, user, b, remote, nixConfig, "--execution_log_json_file="+logB)
	if got := bazelBin(t, user, "image.digest", b...); got != want {
		t.Errorf("digest on machine B = %s, want A's %s", got, want)
	}
	wantRuns(t, "build on machine B", executed(t, logB), map[string]int{"NixBuild": 1, "NixPyImagePlan": 0, "NixPyImageLayer": 0, "NixPyImage": 0})
	if sigs := pathSignatures(t, app); !strings.Contains(strings.Join(sigs, " "), "nixpy-team-1:") {
		t.Errorf("%s on machine B has signatures %q, want the binary cache's (substituted, not built)", app, sigs)
	}
	if r := push(b, nixConfig); r["uploaded_bytes"].(float64) != 0 || r["blobs_uploaded"].(float64) != 0 {
		t.Errorf("machine B's push of the same image uploaded something: %v", r)
	}
}
