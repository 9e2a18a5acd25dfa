package dockerload

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/ociimage"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

func docker(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("docker")
	if err != nil {
		t.Fatal("docker not found on PATH: these tests need the docker CLI and a running Docker engine")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// busyboxImage builds an image whose top path is a static busybox and whose command greets.
func busyboxImage(t *testing.T, dockerArchive string) string {
	s := storetest.New(t)
	bb := s.AddBusybox(t, "bbbbbbbb-busybox-static")
	out := filepath.Join(t.TempDir(), "image")
	_, err := ociimage.Build(ociimage.Options{
		Closure:    s.Closure(t),
		Top:        bb,
		DiskDir:    s.Dir,
		MaxLayers:  ociimage.DefaultMaxLayers,
		Entrypoint: []string{"/usr/bin/env"},
		Cmd:        []string{"sh", "-c", "echo hello from nixpy as $(id -u) in $PWD"},
		Env:        []string{"PATH=" + bb + "/bin"},
		WorkDir:    "/tmp",
		User:       "app",
	}, out, dockerArchive)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadAndRun(t *testing.T) {
	docker(t, "info", "--format", "{{.ServerVersion}}")
	image := busyboxImage(t, "")
	tags := []string{"nixpy-test/busybox:load", "nixpy-test/busybox:second"}
	t.Cleanup(func() { exec.Command("docker", "rmi", "--force", tags[0], tags[1]).Run() })
	res, err := Load(context.Background(), Options{Image: image, Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.ID, "sha256:") {
		t.Errorf("image ID = %q", res.ID)
	}
	if got := docker(t, "image", "inspect", "--format", "{{.Id}}", tags[1]); got != res.ID {
		t.Errorf("second tag points at %s, want %s", got, res.ID)
	}
	got := docker(t, "run", "--rm", "--network", "none", tags[0])
	if got != "hello from nixpy as 1000 in /tmp" {
		t.Errorf("docker run printed %q", got)
	}
}

func TestDockerArchiveLoads(t *testing.T) {
	docker(t, "info", "--format", "{{.ServerVersion}}")
	archive := filepath.Join(t.TempDir(), "image.tar")
	busyboxImage(t, archive)
	out := docker(t, "load", "-i", archive)
	id := strings.TrimSpace(strings.TrimPrefix(out, "Loaded image ID:"))
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("docker load printed %q", out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "--force", id).Run() })
	if got := docker(t, "run", "--rm", "--network", "none", id); !strings.HasPrefix(got, "hello from nixpy") {
		t.Errorf("docker run printed %q", got)
	}
}

func TestLoadBadInput(t *testing.T) {
	if _, err := Load(context.Background(), Options{Image: filepath.Join(t.TempDir(), "missing")}); err == nil || !strings.Contains(err.Error(), "not a usable OCI image layout") {
		t.Errorf("err = %v", err)
	}
	image := busyboxImage(t, "")
	if _, err := Load(context.Background(), Options{Image: image, Tags: []string{"Bad Tag"}}); err == nil || !strings.Contains(err.Error(), `--tag "Bad Tag"`) {
		t.Errorf("err = %v", err)
	}
}
