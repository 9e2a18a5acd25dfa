package ociimage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

type fixture struct {
	store *storetest.Store
	top   string
	bb    string
}

func newFixture(t *testing.T) fixture {
	s := storetest.New(t)
	bb := s.AddBusybox(t, "bbbbbbbb-busybox-static")
	ca := s.Add(t, "cccccccc-nss-cacert", nil, []storetest.File{{Name: "etc/ssl/certs/ca-bundle.crt", Data: "-----BEGIN CERTIFICATE-----\n"}})
	lib := s.Add(t, "llllllll-lib", []string{bb}, []storetest.File{
		{Name: "lib/libfoo.so", Data: strings.Repeat("lib", 1000), Mode: 0o555},
		{Name: "lib/libfoo.so.1", Symlink: "libfoo.so"},
		{Name: "share/empty", Dir: true},
	})
	top := addApp(t, s, "hello from the app", bb, lib, ca)
	return fixture{store: s, top: top, bb: bb}
}

func addApp(t *testing.T, s *storetest.Store, msg string, refs ...string) string {
	return s.Add(t, "aaaaaaaa-app", refs, []storetest.File{
		{Name: "bin/app", Data: "#!" + refs[0] + "/bin/sh\necho " + msg + "\n", Mode: 0o555},
		{Name: "share/" + strings.Repeat("n", 120) + "-ünïcode.txt", Data: msg},
	})
}

func (f fixture) options(t *testing.T) Options {
	return Options{
		Closure:     f.store.Closure(t),
		Top:         f.top,
		DiskDir:     f.store.Dir,
		MaxLayers:   DefaultMaxLayers,
		Entrypoint:  []string{f.top + "/bin/app"},
		Env:         []string{"PATH=" + f.bb + "/bin", "LANG=C.UTF-8"},
		WorkDir:     "/tmp",
		User:        "app",
		Ports:       []string{"8080", "53/udp"},
		Labels:      map[string]string{"org.example": "yes"},
		Annotations: map[string]string{"org.opencontainers.image.source": "https://example.com/app"},
		Symlinks:    []Symlink{{Path: "/bin", Target: f.bb + "/bin"}},
	}
}

// treeSum hashes every file of a directory, names and contents, to compare two outputs.
func treeSum(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		h.Write([]byte(rel + "\x00"))
		h.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func readImage(t *testing.T, dir string) v1.Image {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 {
		t.Fatalf("index lists %d manifests", len(m.Manifests))
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestBuildIsDeterministicAndConfigured(t *testing.T) {
	f := newFixture(t)
	work := t.TempDir()
	var sums []string
	var digests []v1.Hash
	for _, name := range []string{"one", "two"} {
		out := filepath.Join(work, name)
		res, err := Build(f.options(t), out, filepath.Join(work, name+".tar"))
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, treeSum(t, out))
		digests = append(digests, res.Digest)
	}
	if sums[0] != sums[1] || digests[0] != digests[1] {
		t.Fatalf("two builds differ: %v %v", sums, digests)
	}
	a, _ := os.ReadFile(filepath.Join(work, "one.tar"))
	b, _ := os.ReadFile(filepath.Join(work, "two.tar"))
	if !bytes.Equal(a, b) || len(a) == 0 {
		t.Error("two docker archives differ")
	}
	entries, _ := os.ReadDir(work)
	if len(entries) != 4 {
		t.Errorf("work dir holds %d entries, want 2 layouts and 2 archives (temp files left?)", len(entries))
	}

	img := readImage(t, filepath.Join(work, "one"))
	if d, _ := img.Digest(); d != digests[0] {
		t.Errorf("layout digest %s, Build said %s", d, digests[0])
	}
	layers, _ := img.Layers()
	if len(layers) > DefaultMaxLayers || len(layers) < 3 {
		t.Errorf("%d layers, want 3 to %d", len(layers), DefaultMaxLayers)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	if !slices.Equal(c.Entrypoint, []string{f.top + "/bin/app"}) || c.WorkingDir != "/tmp" || c.User != "app" {
		t.Errorf("config = %+v", c)
	}
	wantEnv := []string{"SSL_CERT_FILE=/nix/store/cccccccc-nss-cacert/etc/ssl/certs/ca-bundle.crt", "PATH=" + f.bb + "/bin", "LANG=C.UTF-8"}
	if !slices.Equal(c.Env, wantEnv) {
		t.Errorf("env = %v, want %v", c.Env, wantEnv)
	}
	if _, ok := c.ExposedPorts["53/udp"]; !ok || len(c.ExposedPorts) != 2 {
		t.Errorf("ports = %v", c.ExposedPorts)
	}
	if c.Labels["org.example"] != "yes" || !cfg.Created.Time.Equal(time.Unix(0, 0)) || len(cfg.History) != len(layers) {
		t.Errorf("labels %v created %v history %d", c.Labels, cfg.Created, len(cfg.History))
	}
	m, _ := img.Manifest()
	if m.Annotations["org.opencontainers.image.source"] != "https://example.com/app" || m.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("manifest annotations %v media type %s", m.Annotations, m.MediaType)
	}
}

func TestTopChangeReusesOtherLayers(t *testing.T) {
	f := newFixture(t)
	work := t.TempDir()
	opts := f.options(t)
	first, err := Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	res1, err := Build(opts, filepath.Join(work, "one"), "")
	if err != nil {
		t.Fatal(err)
	}
	addApp(t, f.store, "hello from the edited app", f.bb, "/nix/store/llllllll-lib", "/nix/store/cccccccc-nss-cacert")
	opts.Closure = f.store.Closure(t)
	second, err := Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Layers) != len(first.Layers) {
		t.Fatalf("rebuild planned %d layers, the first build %d", len(second.Layers), len(first.Layers))
	}
	// A layer's spec decides its bytes: only the top layer's may change, so a build system keyed on
	// specs builds that one again and nothing else.
	top := len(second.Layers) - 1
	for i := range second.Layers {
		a, _ := json.Marshal(first.Layers[i])
		b, _ := json.Marshal(second.Layers[i])
		if changed := !bytes.Equal(a, b); changed != (i == top) {
			t.Errorf("layer %d of %d: spec changed = %v", i, len(second.Layers), changed)
		}
	}
	res2, err := Build(opts, filepath.Join(work, "two"), "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range res2.Layers {
		if same := res1.Layers[i].Digest == res2.Layers[i].Digest; same == (i == top) {
			t.Errorf("layer %d: digest unchanged = %v", i, same)
		}
	}
	if res2.Digest == res1.Digest {
		t.Error("image digest did not change")
	}
}

func TestBuildOnBase(t *testing.T) {
	f := newFixture(t)
	work := t.TempDir()
	baseOpts := f.options(t)
	baseOpts.Annotations = nil
	if _, err := Build(baseOpts, filepath.Join(work, "base"), ""); err != nil {
		t.Fatal(err)
	}
	baseLayers, _ := readImage(t, filepath.Join(work, "base")).Layers()

	s := storetest.New(t)
	extra := s.Add(t, "eeeeeeee-extra", nil, []storetest.File{{Name: "bin/extra", Data: "x", Mode: 0o555}})
	// As Bazel's sandbox stages an input directory: a tree of symlinks to the real files.
	linked := filepath.Join(work, "linked-base")
	err := filepath.WalkDir(filepath.Join(work, "base"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(work, "base"), p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(linked, rel), 0o755)
		}
		return os.Symlink(p, filepath.Join(linked, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Closure: s.Closure(t), Top: extra, DiskDir: s.Dir, MaxLayers: len(baseLayers) + 2, Base: linked, Cmd: []string{"run"}}
	if _, err := Build(opts, filepath.Join(work, "out"), ""); err != nil {
		t.Fatal(err)
	}
	img := readImage(t, filepath.Join(work, "out"))
	layers, _ := img.Layers()
	if len(layers) != len(baseLayers)+1 {
		t.Errorf("%d layers, want the base's %d and 1", len(layers), len(baseLayers))
	}
	cfg, _ := img.ConfigFile()
	if !slices.Equal(cfg.Config.Entrypoint, baseOpts.Entrypoint) || !slices.Equal(cfg.Config.Cmd, []string{"run"}) {
		t.Errorf("config %+v: want the base's entrypoint and the new cmd", cfg.Config)
	}
	opts.MaxLayers = len(baseLayers) + 1
	if _, err := Build(opts, filepath.Join(work, "out2"), ""); err == nil || !strings.Contains(err.Error(), "leaves fewer than 2") {
		t.Errorf("a base filling the layer budget: err = %v", err)
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	work := t.TempDir()
	corrupt := filepath.Join(work, "corrupt")
	if err := os.MkdirAll(corrupt, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(corrupt, "index.json"), []byte("{not json"), 0o644)
	os.WriteFile(filepath.Join(corrupt, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)

	truncated := filepath.Join(work, "truncated")
	if _, err := Build(f.options(t), truncated, ""); err != nil {
		t.Fatal(err)
	}
	layers, _ := readImage(t, truncated).Layers()
	d, _ := layers[0].Digest()
	if err := os.Truncate(filepath.Join(truncated, "blobs", "sha256", d.Hex), 10); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		edit    func(o *Options)
		wantErr string
	}{
		{"max layers below 2", func(o *Options) { o.MaxLayers = 1 }, "--max-layers 1"},
		{"store path missing on disk", func(o *Options) { o.DiskDir = filepath.Join(work, "nowhere") }, "missing on disk"},
		{"realising fails", func(o *Options) {
			o.DiskDir = filepath.Join(work, "nowhere")
			o.Realise = func([]closure.Path) error { return errors.New("no substituter has it") }
		}, "no substituter has it"},
		{"realising brings nothing", func(o *Options) {
			o.DiskDir = filepath.Join(work, "nowhere")
			o.Realise = func([]closure.Path) error { return nil }
		}, "and nothing realised it"},
		{"corrupt base", func(o *Options) { o.Base = corrupt }, "--base " + corrupt},
		{"base with a truncated blob", func(o *Options) { o.Base = truncated }, "--base " + truncated},
		{"top outside the closure", func(o *Options) { o.Top = "/nix/store/zzzzzzzz-other" }, "not in the closure"},
		{"bad env", func(o *Options) { o.Env = []string{"NOEQUALS"} }, `--env "NOEQUALS"`},
		{"bad port", func(o *Options) { o.Ports = []string{"http"} }, `--port "http/tcp"`},
		{"relative symlink path", func(o *Options) { o.Symlinks = []Symlink{{Path: "bin", Target: "/x"}} }, "--symlink bin=/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := f.options(t)
			tt.edit(&opts)
			dir := t.TempDir()
			out := filepath.Join(dir, "image")
			_, err := Build(opts, out, filepath.Join(dir, "image.tar"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left behind after the error: %v", entries)
			}
		})
	}
}

// TestRealiseMissingPaths: store paths missing on disk are handed to Realise, with their narHashes and
// derivations, once for the plan and not again for the layers; the image is the one the full store gives.
func TestRealiseMissingPaths(t *testing.T) {
	f := newFixture(t)
	full := f.options(t)
	want, err := Build(full, filepath.Join(t.TempDir(), "want"), "")
	if err != nil {
		t.Fatal(err)
	}
	opts := f.options(t)
	opts.DiskDir = t.TempDir()
	var asked []closure.Path
	opts.Realise = func(missing []closure.Path) error {
		asked = append(asked, missing...)
		for _, p := range missing {
			base := filepath.Base(p.Path)
			if out, err := exec.Command("cp", "-a", filepath.Join(full.DiskDir, base), filepath.Join(opts.DiskDir, base)).CombinedOutput(); err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
		}
		return nil
	}
	got, err := Build(opts, filepath.Join(t.TempDir(), "got"), "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want.Digest {
		t.Errorf("digest with realised paths %s, want %s", got.Digest, want.Digest)
	}
	if len(asked) != len(full.Closure.Paths) {
		t.Errorf("Realise was asked for %d paths, want the closure's %d once", len(asked), len(full.Closure.Paths))
	}
	for _, p := range asked {
		if info, _ := full.Closure.Lookup(p.Path); p.NarHash != info.NarHash || p.NarHash == "" {
			t.Errorf("Realise got %+v, want the closure's narHash %q", p, info.NarHash)
		}
	}
}

// TestUnpackedImageRunsUnderChroot extracts the layers in order, as a container runtime would, and
// runs the entrypoint's shell under chroot.
func TestUnpackedImageRunsUnderChroot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("chroot needs root: run the tests as root (the project's rig does)")
	}
	f := newFixture(t)
	work := t.TempDir()
	out := filepath.Join(work, "image")
	if _, err := Build(f.options(t), out, ""); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(work, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	layers, _ := readImage(t, out).Layers()
	for _, l := range layers {
		d, _ := l.Digest()
		if msg, err := exec.Command("tar", "-xzf", filepath.Join(out, "blobs", d.Algorithm, d.Hex), "-C", root).CombinedOutput(); err != nil {
			t.Fatalf("extracting layer %s: %v: %s", d, err, msg)
		}
	}
	got, err := exec.Command("chroot", root, "/bin/sh", "-c", f.top+"/bin/app; grep ^app: /etc/passwd; ls -ld /tmp; /usr/bin/env true && echo env ok").CombinedOutput()
	if err != nil {
		t.Fatalf("chroot: %v: %s", err, got)
	}
	for _, want := range []string{"hello from the app", "app:x:1000:1000", "drwxrwxrwt", "env ok"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("output %q lacks %q", got, want)
		}
	}
}

func TestMaxLayers(t *testing.T) {
	f := newFixture(t)
	for _, n := range []int{2, 3, 4, 12} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			opts := f.options(t)
			opts.MaxLayers = n
			out := filepath.Join(t.TempDir(), "image")
			res, err := Build(opts, out, "")
			if err != nil {
				t.Fatal(err)
			}
			layers, _ := readImage(t, out).Layers()
			if len(layers) > n || len(layers) != len(res.Layers) {
				t.Errorf("%d layers (result says %d), want at most %d", len(layers), len(res.Layers), n)
			}
			top := res.Plan.Layers[len(res.Plan.Layers)-1]
			if !top.Top || len(top.Entries) != 1 || top.Entries[0].Path != f.top {
				t.Errorf("top layer holds %v", top.Paths())
			}
			if (res.RootLayer >= 0) != (n >= 3) {
				t.Errorf("root layer at %d with %d layers allowed", res.RootLayer, n)
			}
		})
	}
}
