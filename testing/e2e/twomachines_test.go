package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
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
	user := scratchWorkspace(t, "two-machines")
	if out, err := exec.Command("cp", "-a", filepath.Join(ws, "examples", "flask_app")+"/.", user).CombinedOutput(); err != nil {
		t.Fatalf("copying examples/flask_app: %v\n%s", err, out)
	}
	for _, link := range []string{"bazel-bin", "bazel-out", "bazel-testlogs", "bazel-flask_app"} {
		os.Remove(filepath.Join(user, link))
	}
	replaceIn(t, filepath.Join(user, "MODULE.bazel"), `path = "../.."`, `path = "`+ws+`"`)
	// A store path of this run only, so deleting it disturbs no other test.
	appendTo(t, filepath.Join(user, "src/flask_app/__init__.py"), "\n# run "+time.Now().Format(time.RFC3339Nano)+"\n")

	remoteURL, _ := startHTTPCache(t)
	nixURL, nixDir := startHTTPCache(t)
	keys := t.TempDir()
	if out, err := exec.Command("nix-store", "--generate-binary-cache-key", "nixpy-team-1", filepath.Join(keys, "secret"), filepath.Join(keys, "public")).CombinedOutput(); err != nil {
		t.Fatalf("nix-store --generate-binary-cache-key: %v\n%s", err, out)
	}
	reg := registrytest.Start(t, false)
	ref := reg.Host + "/flask-app"
	machine := func(flags ...string) (base []string, run func(logName string, args ...string) (string, string)) {
		base = []string{"--output_base=" + t.TempDir()}
		t.Cleanup(func() { bazelResult(user, append(base, "shutdown")...) })
		logs := t.TempDir()
		return base, func(logName string, args ...string) (string, string) {
			cmd := append(append(append(append([]string(nil), base...), args[0], "--disk_cache=", "--remote_cache="+remoteURL,
				"--execution_log_json_file="+filepath.Join(logs, logName)), flags...), args[1:]...)
			stdout, _, err := bazelStreams(user, cmd...)
			if err != nil {
				t.Fatalf("bazel %s: %v", strings.Join(cmd, " "), err)
			}
			return stdout, filepath.Join(logs, logName)
		}
	}
	push := func(run func(string, ...string) (string, string), name string) (string, map[string]any) {
		report := filepath.Join(t.TempDir(), "report.json")
		out, _ := run(name, "run", "//:push", "--", "--repository="+ref, "--report-file="+report)
		var r map[string]any
		if err := json.Unmarshal([]byte(readFile(t, report)), &r); err != nil {
			t.Fatal(err)
		}
		return out, r
	}

	a, runA := machine()
	runA("a-build.json", "build", "--output_groups=+digest", "//:image")
	want := bazelBin(t, user, "image.digest", a...)
	app := bazelBin(t, user, "image.closure.out_path", a...)
	if _, r := push(runA, "a-push.json"); r["uploaded_bytes"].(float64) == 0 {
		t.Errorf("machine A's push uploaded nothing: %v", r)
	}
	copyTo := "file://" + nixDir + "?secret-key=" + filepath.Join(keys, "secret") + "&compression=zstd"
	if out, err := exec.Command("nix", "--extra-experimental-features", "nix-command", "copy", "--to", copyTo, app).CombinedOutput(); err != nil {
		t.Fatalf("nix copy: %v\n%s", err, out)
	}
	bazel(t, user, append(a, "clean")...)
	nixStore(t, "--delete", app)

	key := strings.TrimSpace(readFile(t, filepath.Join(keys, "public")))
	b, runB := machine("--action_env=NIX_CONFIG=extra-substituters = " + nixURL + "\nextra-trusted-public-keys = " + key)
	_, logB := runB("b-build.json", "build", "--output_groups=+digest", "//:image")
	if got := bazelBin(t, user, "image.digest", b...); got != want {
		t.Errorf("digest on machine B = %s, want A's %s", got, want)
	}
	wantRuns(t, "build on machine B", executed(t, logB), map[string]int{"NixBuild": 1, "NixPyImagePlan": 0, "NixPyImageLayer": 0, "NixPyImage": 0})
	if sigs := pathSignatures(t, app); !strings.Contains(strings.Join(sigs, " "), "nixpy-team-1:") {
		t.Errorf("%s on machine B has signatures %q, want the binary cache's (substituted, not built)", app, sigs)
	}
	if _, r := push(runB, "b-push.json"); r["uploaded_bytes"].(float64) != 0 || r["blobs_uploaded"].(float64) != 0 {
		t.Errorf("machine B's push of the same image uploaded something: %v", r)
	}
}
