package dockerload

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

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

// busyboxOptions describe an image whose top path is a static busybox and whose command greets. Its
// layers' files have this moment's mtime, so no earlier run left any of them in the engine.
func busyboxOptions(t *testing.T) ociimage.Options {
	s := storetest.New(t)
	bb := s.AddBusybox(t, "bbbbbbbb-busybox-static")
	return ociimage.Options{
		Closure:    s.Closure(t),
		Top:        bb,
		DiskDir:    s.Dir,
		MaxLayers:  ociimage.DefaultMaxLayers,
		Entrypoint: []string{"/usr/bin/env"},
		Cmd:        []string{"sh", "-c", "echo hello from nixpy as $(id -u) in $PWD"},
		Env:        []string{"PATH=" + bb + "/bin"},
		WorkDir:    "/tmp",
		User:       "app",
		Created:    time.Now(),
	}
}

// busyboxImage writes the image as an OCI image layout (and a docker archive unless that is empty).
func busyboxImage(t *testing.T, dockerArchive string) string {
	out := filepath.Join(t.TempDir(), "image")
	if _, err := ociimage.Build(busyboxOptions(t), out, dockerArchive); err != nil {
		t.Fatal(err)
	}
	return out
}

// uncompressedBusybox is the image nixpy load makes of nixpy layer --uncompressed's tars.
func uncompressedBusybox(t *testing.T) v1.Image {
	opts := busyboxOptions(t)
	p, err := ociimage.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	var layers []ociimage.BuiltLayer
	for i, spec := range p.Layers {
		file := filepath.Join(t.TempDir(), fmt.Sprintf("layer_%d.tar", i))
		blob, err := ociimage.BuildUncompressedLayer(spec, opts.DiskDir, file, nil)
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, ociimage.BuiltLayer{Blob: *blob, File: file, Uncompressed: true})
	}
	img, err := ociimage.Image(p.Config, "", layers)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func removeImages(t *testing.T, refs ...string) {
	t.Cleanup(func() { exec.Command("docker", append([]string{"rmi", "--force"}, refs...)...).Run() })
}

func layerBytes(t *testing.T, layers ...v1.Layer) int64 {
	var n int64
	for _, l := range layers {
		size, err := l.Size()
		if err != nil {
			t.Fatal(err)
		}
		n += size
	}
	return n
}

func TestLoadAndRun(t *testing.T) {
	docker(t, "info", "--format", "{{.ServerVersion}}")
	image := busyboxImage(t, "")
	tags := []string{"nixpy-test/busybox:load", "nixpy-test/busybox:second"}
	removeImages(t, tags...)
	res, err := LoadLayout(context.Background(), image, tags)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.ID, "sha256:") || res.LayersSent != res.Layers || res.Layers == 0 {
		t.Errorf("result %+v: want an image ID, and every layer sent to an engine that had none", res)
	}
	if got := docker(t, "image", "inspect", "--format", "{{.Id}}", tags[1]); got != res.ID {
		t.Errorf("second tag points at %s, want %s", got, res.ID)
	}
	got := docker(t, "run", "--rm", "--network", "none", tags[0])
	if got != "hello from nixpy as 1000 in /tmp" {
		t.Errorf("docker run printed %q", got)
	}
}

// TestLoadSendsOnlyWhatTheEngineLacks loads an image built from plain tars, then again, then an image
// with one more layer, then one with a new config alone: each load sends the layers the engine lacks
// and no others, and each image runs.
func TestLoadSendsOnlyWhatTheEngineLacks(t *testing.T) {
	docker(t, "info", "--format", "{{.ServerVersion}}")
	ctx := context.Background()
	img := uncompressedBusybox(t)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	extra, err := random.Layer(4096, types.OCIUncompressedLayer)
	if err != nil {
		t.Fatal(err)
	}
	more, err := mutate.AppendLayers(img, extra)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	c.Cmd = []string{"sh", "-c", "echo edited"}
	edited, err := mutate.Config(img, c)
	if err != nil {
		t.Fatal(err)
	}
	const tag = "nixpy-test/busybox:loop"
	removeImages(t, tag, "nixpy-test/busybox:again", "nixpy-test/busybox:more", "nixpy-test/busybox:edited")
	for _, step := range []struct {
		name       string
		img        v1.Image
		tag        string
		sent       int
		layerBytes int64
		archive    bool
		output     string
	}{
		{"first", img, tag, len(layers), layerBytes(t, layers...), true, "hello from nixpy as 1000 in /tmp"},
		{"unchanged", img, tag, 0, 0, false, "hello from nixpy as 1000 in /tmp"},
		{"unchanged, another tag", img, "nixpy-test/busybox:again", 0, 0, false, "hello from nixpy as 1000 in /tmp"},
		{"one layer more", more, "nixpy-test/busybox:more", 1, layerBytes(t, extra), true, "hello from nixpy as 1000 in /tmp"},
		{"config edited", edited, "nixpy-test/busybox:edited", 0, 0, true, "edited"},
	} {
		res, err := Load(ctx, step.img, []string{step.tag})
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if res.LayersSent != step.sent || res.LayerBytes != step.layerBytes || (res.Bytes > 0) != step.archive {
			t.Errorf("%s: sent %d layers, %d layer bytes, %d bytes in all; want %d layers, %d layer bytes, an archive %v",
				step.name, res.LayersSent, res.LayerBytes, res.Bytes, step.sent, step.layerBytes, step.archive)
		}
		want, _ := step.img.ConfigName()
		if got := docker(t, "image", "inspect", "--format", "{{.Id}}", step.tag); got != want.String() || res.ID != got {
			t.Errorf("%s: %s is image %s, Load said %s, want %s", step.name, step.tag, got, res.ID, want)
		}
		if got := docker(t, "run", "--rm", "--network", "none", step.tag); got != step.output {
			t.Errorf("%s: docker run printed %q, want %q", step.name, got, step.output)
		}
	}
}

// An archive that leaves out a layer the engine lacks fails to load, so a layer that went away
// between asking and loading is sent after all.
func TestLoadSendsAllWhenAnOmittedLayerIsGone(t *testing.T) {
	docker(t, "info", "--format", "{{.ServerVersion}}")
	ctx := context.Background()
	img := uncompressedBusybox(t)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	const tag = "nixpy-test/busybox:gone"
	removeImages(t, tag)
	e, err := connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.c.Close()
	diffIDs := make([]v1.Hash, len(layers))
	for i, l := range layers {
		diffIDs[i], _ = l.DiffID()
	}
	claimed := map[v1.Hash]bool{}
	for _, chain := range chainIDs(diffIDs) {
		claimed[chain] = true
	}
	a, err := newArchive(img, []string{tag}, layers, claimed)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.load(ctx, a, &Result{}); err == nil {
		t.Fatal("the engine loaded an archive without layers it lacks")
	}
	res := &Result{}
	if err := e.loadMissing(ctx, img, []string{tag}, layers, claimed, res); err != nil {
		t.Fatal(err)
	}
	if res.LayersSent != len(layers) {
		t.Errorf("sent %d of %d layers on the second try", res.LayersSent, len(layers))
	}
	if got := docker(t, "run", "--rm", "--network", "none", tag); got != "hello from nixpy as 1000 in /tmp" {
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
	if _, err := LoadLayout(context.Background(), filepath.Join(t.TempDir(), "missing"), nil); err == nil || !strings.Contains(err.Error(), "not a usable OCI image layout") {
		t.Errorf("err = %v", err)
	}
	image := busyboxImage(t, "")
	if _, err := LoadLayout(context.Background(), image, []string{"Bad Tag"}); err == nil || !strings.Contains(err.Error(), `--tag "Bad Tag"`) {
		t.Errorf("err = %v", err)
	}
}

func TestFamiliar(t *testing.T) {
	for in, want := range map[string]string{
		"app":                       "app:latest",
		"app:dev":                   "app:dev",
		"docker.io/library/app:1":   "app:1",
		"acme/app:1":                "acme/app:1",
		"ghcr.io/acme/app:2":        "ghcr.io/acme/app:2",
		"localhost:5000/app:latest": "localhost:5000/app:latest",
	} {
		tag, err := name.NewTag(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := familiar(tag); got != want {
			t.Errorf("familiar(%q) = %q, want %q", in, got, want)
		}
	}
}
