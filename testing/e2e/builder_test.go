package e2e

import (
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startNixBuilder starts Debian's sshd on a loopback port, for root with a key made here, as a remote Nix
// builder whose store is a second one (a local store rooted in a directory of its own), and returns the line
// of nix.conf's `builders` that reaches it and that store's root.
func startNixBuilder(t *testing.T) (builders, storeRoot string) {
	t.Helper()
	for _, bin := range []string{"sshd", "ssh", "ssh-keygen", "nix-daemon"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not on PATH: run this test inside the rig (dev/setup installs openssh)", bin)
		}
	}
	dir := t.TempDir()
	for _, key := range []string{"host_key", "client_key"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, key)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	client, err := os.ReadFile(filepath.Join(dir, "client_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	host, err := os.ReadFile(filepath.Join(dir, "host_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	writeFiles(t, dir, map[string]string{
		"authorized_keys": string(client),
		"sshd_config": fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %[2]s/host_key
AuthorizedKeysFile %[2]s/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile %[2]s/sshd.pid
`, port, dir),
	})
	// sshd's privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	sshd := exec.Command("/usr/sbin/sshd", "-D", "-f", filepath.Join(dir, "sshd_config"), "-E", filepath.Join(dir, "sshd.log"))
	if err := sshd.Start(); err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	t.Cleanup(func() {
		sshd.Process.Kill()
		sshd.Wait()
	})
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			log, _ := os.ReadFile(filepath.Join(dir, "sshd.log"))
			t.Fatalf("sshd did not listen on port %d: %v\n%s", port, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Nix refuses a store below a world-writable directory such as /tmp.
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	storeRoot = filepath.Join(home, ".cache", fmt.Sprintf("nixpy-e2e-builder-%d", os.Getpid()))
	if err := os.MkdirAll(storeRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(storeRoot) })
	builders = fmt.Sprintf("ssh-ng://root@127.0.0.1:%d?remote-store=local%%3Froot%%3D%s x86_64-linux %s 1 1 - - %s",
		port, storeRoot, filepath.Join(dir, "client_key"), base64.StdEncoding.EncodeToString(host))
	return builders, storeRoot
}

// TestRemoteNixBuilder hands the NixBuild action's build to a remote Nix builder, a second Nix store reached
// over ssh on loopback, with Nix's own `builders` setting (NIX_CONFIG for the action, as the daemon's nix.conf
// would say it, and max-jobs = 0 so nothing builds locally): the application's derivation is built in the
// builder's store, copied back, and the image is the one a local build makes.
func TestRemoteNixBuilder(t *testing.T) {
	user := remoteUserWorkspace(t, "remote-builder")
	a := freshOutputBase(t, user)
	buildImage(t, user, a)
	want := bazelBin(t, user, "image.digest", a...)
	app := bazelBin(t, user, "image.closure.out_path", a...)
	forgetMachine(t, user, a, app)

	builders, storeRoot := startNixBuilder(t)
	b := freshOutputBase(t, user)
	stderr := buildImage(t, user, b, "--action_env=NIX_CONFIG=builders = "+builders+"\nmax-jobs = 0")
	if got := bazelBin(t, user, "image.digest", b...); got != want {
		t.Errorf("digest with the application built remotely = %s, want the local build's %s", got, want)
	}
	if !strings.Contains(stderr, "copying path '"+app+"' from 'ssh-ng://root@127.0.0.1") {
		t.Errorf("Bazel's output does not show %s copied back from the builder:\n%s", app, tail(stderr, 40))
	}
	if _, err := os.Stat(filepath.Join(storeRoot, app)); err != nil {
		t.Errorf("%s was not built in the builder's store %s: %v", app, storeRoot, err)
	}
}
