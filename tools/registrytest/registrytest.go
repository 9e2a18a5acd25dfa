// Package registrytest runs Debian's docker-registry (distribution 2.8) for tests, and a proxy in
// front of it that counts uploaded bytes per blob, checks that no manifest arrives before its blobs,
// and injects faults: connections cut mid-blob, 500 answers, slow answers, refused pushes (403)
// and missing repositories (404).
package registrytest

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
)

// User and Password are the only credentials a registry started with auth accepts.
const (
	User     = "nixpy"
	Password = "right-horse-battery"
	// passwordHash is bcrypt(Password), precomputed so the tests need no bcrypt implementation.
	passwordHash = "$2a$05$kWhSbFtgCwYmKC8eIvmKu.E1IYH2abbzW.rsEQ0tEhY4PyMgZz7JG"
)

// Registry is a running docker-registry.
type Registry struct {
	// Host is 127.0.0.1:PORT.
	Host string
}

// Start runs `docker-registry serve` on a free port of 127.0.0.1 with storage in a temporary
// directory, waits until it answers /v2/, and stops it when the test ends. With auth, it accepts
// only User and Password (htpasswd). It fails the test when docker-registry is not on PATH.
func Start(t testing.TB, auth bool) *Registry {
	t.Helper()
	return StartOn(t, "127.0.0.1", auth)
}

// StartOn is Start on another local address. go-containerregistry speaks plain HTTP by itself only
// to localhost, 127.0.0.1 and private addresses: to it, a registry on 127.0.0.2 is a remote host
// that it reaches over HTTPS unless told it is insecure.
func StartOn(t testing.TB, ip string, auth bool) *Registry {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Fatal("docker-registry not found on PATH: install Debian's docker-registry package (apt-get install docker-registry)")
	}
	dir := t.TempDir()
	host := freeAddr(t, ip)
	config := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), host)
	if auth {
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(User+":"+passwordHash+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		config += fmt.Sprintf("auth:\n  htpasswd:\n    realm: nixpy-test\n    path: %s\n", htpasswd)
	}
	configFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", configFile)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// docker-registry takes REGISTRY_SECTION_KEY variables as configuration: a test's
	// REGISTRY_AUTH_FILE (Podman's, for the keychain) would set up an auth the config lacks.
	for _, v := range os.Environ() {
		if !strings.HasPrefix(v, "REGISTRY_") {
			cmd.Env = append(cmd.Env, v)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	// exited is closed once the process is gone, so that both the wait below and the cleanup see it.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		logFile.Close()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			// 401 is an answer too: a registry with auth asks for credentials.
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return &Registry{Host: host}
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("docker-registry exited: %v\n%s", waitErr, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("docker-registry did not answer /v2/ on %s within 15s\n%s", host, log)
		}
	}
}

func freeAddr(t testing.TB, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Crane runs the crane binary and returns its trimmed output, failing the test when crane is
// missing or fails. Install: go install github.com/google/go-containerregistry/cmd/crane@v0.22.1.
func Crane(t testing.TB, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("crane")
	if err != nil {
		t.Fatal("crane not found on PATH: go install github.com/google/go-containerregistry/cmd/crane@v0.22.1")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("crane %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
