package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

// startHTTPCache starts Debian's nginx on a loopback port as a Bazel HTTP remote cache (GET, and PUT through
// ngx_http_dav_module, as Bazel's documentation sets it up) and returns its URL and its storage directory.
func startHTTPCache(t *testing.T) (url, dir string) {
	t.Helper()
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Fatal("nginx not on PATH: run this test inside the rig (dev/setup installs it)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir = t.TempDir()
	for _, d := range []string{"cache", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "nginx.conf")
	text := fmt.Sprintf(`daemon off;
user root;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events {}
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    server {
        listen %[2]s;
        root %[1]s/cache;
        client_max_body_size 0;
        location / {
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }
    }
}
`, dir, addr)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nginx", "-c", conf, "-p", dir)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url = "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/absent")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i == 100 {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not answer on %s: %v\n%s", addr, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return url, filepath.Join(dir, "cache")
}

// freshOutputBase is the startup option of a new output base of the workspace in dir, as a CI machine that
// starts with none has; its server is shut down when the test ends.
func freshOutputBase(t *testing.T, dir string) []string {
	t.Helper()
	base := []string{"--output_base=" + t.TempDir()}
	t.Cleanup(func() { bazelResult(dir, append(base, "shutdown")...) })
	return base
}

// buildImage builds dir's //:image (and its digest) in the output base without a disk cache, a machine of its
// own, with the given flags, and returns what Bazel printed on stderr, where actions' output shows.
func buildImage(t *testing.T, dir string, base []string, flags ...string) string {
	t.Helper()
	args := append(append(append([]string(nil), base...), "build", "--disk_cache=", "--output_groups=+digest"), flags...)
	_, stderr, err := bazelStreams(dir, append(args, "//:image")...)
	if err != nil {
		t.Fatalf("bazel %s: %v", strings.Join(args, " "), err)
	}
	return stderr
}

// forgetMachine cleans the output base and deletes the application's store path, which it no longer roots:
// of that machine's work, only what went to a shared cache is left.
func forgetMachine(t *testing.T, dir string, base []string, app string) {
	t.Helper()
	bazel(t, dir, append(base, "clean")...)
	nixStore(t, "--delete", app)
}

// TestRemoteCacheServesASecondMachine plays two CI machines of a user's project sharing a Bazel HTTP remote cache
// (nginx with WebDAV) and no disk cache: machine A builds the image and the SBOM its push attaches (reading
// licenses from the store) and is cleaned, the app's store path deleted; machine
// B, a fresh output base whose Nix store lacks the app, gets every action of the image from the remote cache,
// with no cache exception (only the GC root action, no-remote by design, runs), the same digest, and a push that
// needs no store path at all. The project uses the prebuilt nixpy (TestMain's release), as users do.
func TestRemoteCacheServesASecondMachine(t *testing.T) {
	user := remoteUserWorkspace(t, "remote-cache")
	cacheURL, cacheDir := startHTTPCache(t)
	remote := "--remote_cache=" + cacheURL
	logs := t.TempDir()

	a := freshOutputBase(t, user)
	logA := filepath.Join(logs, "a.json")
	buildImage(t, user, a, remote, "--output_groups=+sbom", "--execution_log_json_file="+logA)
	want := bazelBin(t, user, "image.digest", a...)
	app := bazelBin(t, user, "image.closure.out_path", a...)
	wantRuns(t, "build on machine A", executed(t, logA), map[string]int{"NixPyTranslate": 1, "NixBuild": 1, "NixPyImage": 1})
	for _, kind := range []string{"ac", "cas"} {
		if entries, err := os.ReadDir(filepath.Join(cacheDir, kind)); err != nil || len(entries) == 0 {
			t.Errorf("the remote cache holds no %s entries after machine A's build (%v)", kind, err)
		}
	}
	forgetMachine(t, user, a, app)

	b := freshOutputBase(t, user)
	logB := filepath.Join(logs, "b.json")
	buildImage(t, user, b, remote, "--execution_log_json_file="+logB)
	if got := bazelBin(t, user, "image.digest", b...); got != want {
		t.Errorf("digest on machine B = %s, want A's %s", got, want)
	}
	wantRuns(t, "build on machine B with A's remote cache", executed(t, logB), map[string]int{"NixPyTranslate": 0, "NixBuild": 0,
		"NixGCRoot": 1, "NixPyImagePlan": 0, "NixPyImageLayer": 0, "NixPyImage": 0})

	reg := registrytest.Start(t, false)
	ref := reg.Host + "/remote-cache"
	args := append(append([]string(nil), b...), "run", "--disk_cache=", remote)
	if out := bazel(t, user, append(args, "//:push", "--", "--repository="+ref)...); !strings.Contains(out, ref+"@"+want) {
		t.Errorf("the push from machine B printed %q, want %s@%s", out, ref, want)
	}
	if _, err := os.Lstat(app); !os.IsNotExist(err) {
		t.Errorf("machine B brought %s back into the Nix store (%v): building from the cache and pushing need none", app, err)
	}
}
