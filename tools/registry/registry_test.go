package registry

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/nixpy/rules_nixpy/tools/ociimage"
	"github.com/nixpy/rules_nixpy/tools/registrytest"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

// app builds images of a small closure whose top path can change.
type app struct {
	store *storetest.Store
	lib   string
}

func newApp(t *testing.T) *app {
	s := storetest.New(t)
	var files []storetest.File
	for i := range 8 {
		// Incompressible enough that layer sizes are not dominated by gzip headers.
		data := make([]byte, 64<<10)
		for j := range data {
			data[j] = byte((j*7919 + i*104729) ^ (j >> 3) ^ (j * j >> 5))
		}
		files = append(files, storetest.File{Name: filepath.Join("lib", "part"+string(rune('a'+i))), Data: string(data)})
	}
	lib := s.Add(t, "llllllll-lib", nil, files)
	return &app{store: s, lib: lib}
}

// build writes an image whose top path prints msg and returns its layout directory.
func (a *app) build(t *testing.T, msg string) string {
	t.Helper()
	top := a.store.Add(t, "aaaaaaaa-app", []string{a.lib}, []storetest.File{{Name: "bin/app", Data: "#!/bin/sh\necho " + msg + "\n", Mode: 0o555}})
	out := filepath.Join(t.TempDir(), "image")
	_, err := ociimage.Build(ociimage.Options{
		Closure: a.store.Closure(t), Top: top, DiskDir: a.store.Dir, MaxLayers: 4,
		Entrypoint: []string{top + "/bin/app"},
	}, out, "")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func digestOf(t *testing.T, dir string) string {
	t.Helper()
	img, err := ociimage.ReadLayout(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

var fastBackoff = remote.Backoff{Duration: 20 * time.Millisecond, Factor: 2, Steps: 8}

func push(t *testing.T, opts Options) (*Result, string) {
	t.Helper()
	var progress bytes.Buffer
	opts.Progress = &progress
	if opts.Backoff.Steps == 0 {
		opts.Backoff = fastBackoff
	}
	res, err := Push(context.Background(), opts)
	if err != nil {
		t.Fatalf("push: %v\n%s", err, progress.String())
	}
	return res, progress.String()
}

func TestPushOnlyMissingBlobs(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := registrytest.Start(t, false)
	proxy := registrytest.NewProxy(t, reg, registrytest.Faults{})
	a := newApp(t)
	first := a.build(t, "one")
	repo := proxy.Host + "/apps/hello"

	res, progress := push(t, Options{Image: first, Repository: repo, Tags: []string{"latest", "v1"}})
	want := digestOf(t, first)
	if res.Ref.DigestStr() != want || res.Ref.String() != repo+"@"+want {
		t.Errorf("pushed %s, want %s@%s", res.Ref, repo, want)
	}
	if !strings.Contains(progress, "pushed "+repo+"@"+want) {
		t.Errorf("progress lacks the final line:\n%s", progress)
	}
	if got := registrytest.Crane(t, "digest", reg.Host+"/apps/hello:v1"); got != want {
		t.Errorf("crane digest of :v1 = %s, want %s", got, want)
	}
	registrytest.Crane(t, "validate", "--remote", reg.Host+"/apps/hello@"+want)
	if v := proxy.Violations(); len(v) > 0 {
		t.Errorf("manifest before blobs: %v", v)
	}

	// An edit of the top path: the second push sends the new top layer and config, nothing else.
	proxy.ResetCounts()
	second := a.build(t, "two")
	res2, _ := push(t, Options{Image: second, Repository: repo, Tags: []string{"latest"}})
	img, _ := ociimage.ReadLayout(second)
	layers, _ := img.Layers()
	top := layers[len(layers)-1]
	topSize, _ := top.Size()
	topDigest, _ := top.Digest()
	cfgName, _ := img.ConfigName()
	cfgRaw, _ := img.RawConfigFile()
	uploaded := proxy.Uploaded()
	if len(uploaded) != 2 || uploaded[topDigest.String()] != topSize || uploaded[cfgName.String()] != int64(len(cfgRaw)) {
		t.Errorf("second push uploaded %v; want only the top layer %s (%d bytes) and config %s (%d bytes)", uploaded, topDigest, topSize, cfgName, len(cfgRaw))
	}
	limit := int64(1.1 * float64(topSize+int64(len(cfgRaw))))
	if proxy.TotalUploaded() > limit || res2.UploadedBytes > limit {
		t.Errorf("second push sent %d bytes (client counted %d), want at most %d", proxy.TotalUploaded(), res2.UploadedBytes, limit)
	}
	if res2.BlobsUploaded != 2 || res2.BlobsExisting != int64(len(layers)-1) {
		t.Errorf("second push: %d blobs uploaded, %d already there; want 2 and %d", res2.BlobsUploaded, res2.BlobsExisting, len(layers)-1)
	}
	if got := registrytest.Crane(t, "digest", reg.Host+"/apps/hello:latest"); got != digestOf(t, second) {
		t.Errorf(":latest = %s, want the second image", got)
	}
}

// TestPushChecksBlobsInParallel: a push after an edit of the top path finds most blobs in the
// registry already, one round trip each, so those existence checks must overlap rather than queue.
func TestPushChecksBlobsInParallel(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := registrytest.Start(t, false)
	// Slow answers, as from a distant registry, keep each check in flight long enough to overlap.
	proxy := registrytest.NewProxy(t, reg, registrytest.Faults{Delay: 300 * time.Millisecond})
	a := newApp(t)
	repo := proxy.Host + "/apps/hello"
	push(t, Options{Image: a.build(t, "one"), Repository: repo})

	proxy.ResetCounts()
	second := a.build(t, "two")
	res, _ := push(t, Options{Image: second, Repository: repo, Jobs: 4})
	img, _ := ociimage.ReadLayout(second)
	layers, _ := img.Layers()
	if res.BlobsExisting != int64(len(layers)-1) {
		t.Errorf("second push found %d blobs in the registry, want %d", res.BlobsExisting, len(layers)-1)
	}
	if got, want := proxy.MaxConcurrentChecks(), min(4, len(layers)+1); got < want {
		t.Errorf("at most %d blob checks were in flight at once, want %d (one per job)", got, want)
	}
}

func TestPushSurvivesFaults(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := registrytest.Start(t, false)
	proxy := registrytest.NewProxy(t, reg, registrytest.Faults{CutUploads: 3, FailRequests: 4, Delay: 5 * time.Millisecond})
	a := newApp(t)
	image := a.build(t, "faulty")
	res, _ := push(t, Options{Image: image, Repository: proxy.Host + "/apps/faulty", Jobs: 2})
	want := digestOf(t, image)
	if res.Ref.DigestStr() != want {
		t.Errorf("pushed %s, want %s", res.Ref.DigestStr(), want)
	}
	cuts, failures := proxy.Injected()
	if cuts != 3 || failures != 4 {
		t.Errorf("proxy injected %d cuts and %d failures, want 3 and 4", cuts, failures)
	}
	if v := proxy.Violations(); len(v) > 0 {
		t.Errorf("manifest before blobs: %v", v)
	}
	registrytest.Crane(t, "validate", "--remote", reg.Host+"/apps/faulty@"+want)
	pulled := filepath.Join(t.TempDir(), "pulled")
	registrytest.Crane(t, "pull", "--format", "oci", reg.Host+"/apps/faulty@"+want, pulled)
	if got := digestOf(t, pulled); got != want {
		t.Errorf("crane pulled %s, want %s", got, want)
	}
}

func TestPushMountsFromAnotherRepository(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := registrytest.Start(t, false)
	proxy := registrytest.NewProxy(t, reg, registrytest.Faults{})
	image := newApp(t).build(t, "shared")
	push(t, Options{Image: image, Repository: proxy.Host + "/team/a"})
	proxy.ResetCounts()
	res, _ := push(t, Options{Image: image, Repository: proxy.Host + "/team/b", MountFrom: proxy.Host + "/team/a"})
	img, _ := ociimage.ReadLayout(image)
	cfgRaw, _ := img.RawConfigFile()
	// Layers are mounted; only the config, which go-containerregistry never mounts, travels.
	if got := proxy.TotalUploaded(); got != int64(len(cfgRaw)) {
		t.Errorf("push with mounts sent %d bytes, want the config's %d", got, len(cfgRaw))
	}
	layers, _ := img.Layers()
	if res.BlobsMounted != int64(len(layers)) || res.BlobsUploaded != 1 {
		t.Errorf("%d blobs mounted, %d uploaded; want %d and the config", res.BlobsMounted, res.BlobsUploaded, len(layers))
	}
	registrytest.Crane(t, "validate", "--remote", reg.Host+"/team/b@"+digestOf(t, image))
}

func TestPushBadInput(t *testing.T) {
	dir := t.TempDir()
	spdx := filepath.Join(dir, "spdx.json")
	if err := os.WriteFile(spdx, []byte(`{"spdxVersion":"SPDX-2.3"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"no layout", Options{Image: filepath.Join(dir, "nope"), Repository: "127.0.0.1:1/x"}, "not a usable OCI image layout"},
		{"bad repository", Options{Image: newApp(t).build(t, "x"), Repository: "UPPER CASE"}, `--repository "UPPER CASE"`},
		{"credentials in the repository", Options{Image: newApp(t).build(t, "y"), Repository: "me:hunter2@127.0.0.1:1/x"}, "without user, password or digest"},
		{"SBOM missing", Options{Image: newApp(t).build(t, "z"), Repository: "127.0.0.1:1/x", SBOM: filepath.Join(dir, "nope.sbom")}, "--sbom: open"},
		{"SBOM not CycloneDX", Options{Image: newApp(t).build(t, "w"), Repository: "127.0.0.1:1/x", SBOM: spdx}, `bomFormat is "", want "CycloneDX"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Push(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error reveals the password: %v", err)
			}
		})
	}
}
