// Package ociimage assembles an OCI image from a Nix closure with go-containerregistry, in three steps
// a build system can run as separate actions: Plan decides the layers (package layering) and the config
// and describes each layer by a LayerSpec that pins its content; BuildLayer writes one layer from its
// spec (package layertar); Assemble writes the OCI image layout, and optionally a docker archive,
// atomically: on failure nothing is left at the output. Build runs the three in one process.
package ociimage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layering"
	"github.com/nixpy/rules_nixpy/tools/layertar"
)

// DefaultMaxLayers leaves room under Docker's ~127-layer limit for images built on top, and is
// enough to keep the interpreter, the big libraries and the application apart. nix_image and py_nix_image
// default to it through rules/private/defaults.bzl, which a test keeps equal.
const DefaultMaxLayers = 12

// Options describe one image.
type Options struct {
	Closure *closure.Closure
	// Top is the store path that goes alone into the top layer.
	Top string
	// DiskDir is where the closure's store paths are read from; empty means the closure's store directory.
	DiskDir string
	// MaxLayers bounds the image's layers, the base image's included.
	MaxLayers int
	// System is the Nix system the closure is built for, e.g. aarch64-linux: it sets the image's os and
	// architecture. Empty means this machine's.
	System     string
	Entrypoint []string
	// BinEntrypoint makes the one program in Top's bin/ the entrypoint when Entrypoint is nil.
	BinEntrypoint bool
	Cmd           []string
	Env           []string
	WorkDir       string
	User          string
	Ports         []string
	Labels        map[string]string
	Annotations   map[string]string
	Symlinks      []Symlink
	// Base is an OCI image layout to build on; empty means an empty image.
	Base string
	// Created is the image's creation time and every file's mtime; zero means the epoch.
	Created time.Time
	// Jobs is how many layers compress at once; 0 means one per CPU.
	Jobs int
}

func (o Options) withDefaults() (Options, error) {
	if o.MaxLayers < 2 {
		return o, fmt.Errorf("--max-layers %d: an image needs at least 2 layers (the top path and one below)", o.MaxLayers)
	}
	if o.Created.IsZero() {
		o.Created = time.Unix(0, 0)
	}
	if o.DiskDir == "" {
		o.DiskDir = o.Closure.StoreDir()
	}
	return o, nil
}

// Result is a written image.
type Result struct {
	Digest v1.Hash
	Plan   *layering.Plan
	// Layers are the layers this build added, bottom first.
	Layers []layertar.Blob
	// RootLayer is the index in Layers of the layer with /tmp and /etc, or -1 when it shares the top layer.
	RootLayer int
}

// Build writes the image as an OCI image layout at out, and as a docker archive (docker load's
// format) at dockerArchive unless it is empty. It is Plan, BuildLayer for each layer and Assemble in
// one process: the same steps a build system runs as separate actions, so both give the same image.
func Build(opts Options, out, dockerArchive string) (*Result, error) {
	planned, err := Plan(opts)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".layers-*")
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", out, err)
	}
	defer os.RemoveAll(scratch)
	layers, err := buildLayers(planned.Layers, opts.DiskDir, scratch, opts.Jobs)
	if err != nil {
		return nil, err
	}
	digest, err := Assemble(planned.Config, opts.Base, layers, out, dockerArchive)
	if err != nil {
		return nil, err
	}
	blobs := make([]layertar.Blob, len(layers))
	for i, l := range layers {
		blobs[i] = l.Blob
	}
	return &Result{Digest: digest, Plan: planned.Plan, Layers: blobs, RootLayer: planned.RootLayer}, nil
}

// BuiltLayer is a compressed layer in a file.
type BuiltLayer struct {
	layertar.Blob
	File string
}

// buildLayers builds the layers into dir with up to jobs at a time: compression is the slow part and
// each layer compresses on its own core. Results are in the order of specs.
func buildLayers(specs []LayerSpec, diskDir, dir string, jobs int) ([]BuiltLayer, error) {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	results := make([]BuiltLayer, len(specs))
	errs := make([]error, len(specs))
	// Largest first, so a big layer does not start last and leave the other cores idle.
	order := make([]int, len(specs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return specSize(specs[order[a]]) > specSize(specs[order[b]]) })
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for _, i := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			file := filepath.Join(dir, fmt.Sprintf("layer_%d.tar.gz", i))
			blob, err := BuildLayer(specs[i], diskDir, file)
			if err == nil && blob == nil {
				err = fmt.Errorf("layer %d is empty", i)
			}
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = BuiltLayer{Blob: *blob, File: file}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}

// specSize estimates a layer's work by its number of store paths; sizes are not in the spec, so that
// its bytes stay what decides the layer's.
func specSize(s LayerSpec) int { return len(s.Paths) }

// checkOnDisk fails when a store path is not in diskDir, saying why that happens under Bazel: a Nix build
// result from a cache (Bazel's disk or remote cache, or an output base older than a Nix garbage
// collection) may name paths this machine's store no longer holds.
func checkOnDisk(paths []string, diskDir string) error {
	for _, p := range paths {
		file := filepath.Join(diskDir, filepath.Base(p))
		if _, err := os.Lstat(file); err != nil {
			return fmt.Errorf("store path %s missing on disk (%w): it is not in this machine's Nix store "+
				"(garbage-collected, or the Nix build's result came from a cache another machine filled). "+
				"Build it again: bazel build --modify_execution_info=NixBuild=+no-cache ... (see docs/ci.md)", p, err)
		}
	}
	return nil
}

// Assemble writes the OCI image layout of the config and the built layers on the base (an OCI image
// layout; empty: an empty image) at out, and a docker archive at dockerArchive unless it is empty, and
// returns the manifest's digest. The layers are linked into the layout when they can be, not copied.
func Assemble(cfg ImageConfig, baseDir string, layers []BuiltLayer, out, dockerArchive string) (v1.Hash, error) {
	if len(layers) != len(cfg.History) {
		return v1.Hash{}, fmt.Errorf("%d layers for a plan of %d", len(layers), len(cfg.History))
	}
	base, _, err := readBase(baseDir)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := assemble(base, baseDir, cfg, layers)
	if err != nil {
		return v1.Hash{}, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return v1.Hash{}, fmt.Errorf("--out %s: %w", out, err)
	}
	defer os.RemoveAll(tmp)
	if err := writeLayout(tmp, img, layers); err != nil {
		return v1.Hash{}, fmt.Errorf("writing image layout: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	if dockerArchive != "" {
		if err := writeDockerArchive(dockerArchive, img, digest); err != nil {
			return v1.Hash{}, err
		}
	}
	if err := replace(tmp, out); err != nil {
		if dockerArchive != "" {
			os.Remove(dockerArchive)
		}
		return v1.Hash{}, err
	}
	return digest, nil
}

func assemble(base v1.Image, baseDir string, ic ImageConfig, layers []BuiltLayer) (v1.Image, error) {
	baseType, err := base.MediaType()
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", baseDir, err)
	}
	layerType := types.OCILayer
	if baseType == types.DockerManifestSchema2 {
		layerType = types.DockerLayer
	}
	cfg, err := base.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", baseDir, err)
	}
	cfg = cfg.DeepCopy()
	// Plan checked that a base with a platform has the closure's.
	if cfg.OS == "" {
		cfg.OS, cfg.Architecture, cfg.Variant = ic.OS, ic.Architecture, ic.Variant
	}
	cfg.Created = v1.Time{Time: ic.Created.UTC()}
	if err := configure(&cfg.Config, ic); err != nil {
		return nil, err
	}
	img, err := mutate.ConfigFile(base, cfg)
	if err != nil {
		return nil, err
	}
	adds := make([]mutate.Addendum, len(layers))
	for i, l := range layers {
		adds[i] = mutate.Addendum{
			Layer:     fileLayer{blob: l.Blob, file: l.File, mediaType: layerType},
			MediaType: layerType,
			History:   v1.History{Created: cfg.Created, CreatedBy: "nixpy image", Comment: ic.History[i]},
		}
	}
	img, err = mutate.Append(img, adds...)
	if err != nil {
		return nil, err
	}
	if len(ic.Annotations) > 0 {
		img = mutate.Annotations(img, ic.Annotations).(v1.Image)
	}
	return img, nil
}

// configure applies the planned config to the image config; unset values keep the base's.
func configure(c *v1.Config, ic ImageConfig) error {
	if !ic.KeepEntrypoint {
		c.Entrypoint = ic.Entrypoint
	}
	if !ic.KeepCmd {
		c.Cmd = ic.Cmd
	}
	if ic.WorkDir != "" {
		c.WorkingDir = ic.WorkDir
	}
	if ic.User != "" {
		c.User = ic.User
	}
	for _, kv := range ic.Env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--env %q: want KEY=VALUE", kv)
		}
		c.Env = setEnv(c.Env, kv)
	}
	for _, p := range ic.Ports {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		port, proto, _ := strings.Cut(p, "/")
		if port == "" || strings.Trim(port, "0123456789-") != "" || (proto != "tcp" && proto != "udp" && proto != "sctp") {
			return fmt.Errorf("--port %q: want PORT or PORT/PROTOCOL (tcp, udp, sctp)", p)
		}
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		c.ExposedPorts[p] = struct{}{}
	}
	if len(ic.Labels) > 0 {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for k, v := range ic.Labels {
			c.Labels[k] = v
		}
	}
	return nil
}

// setEnv sets KEY=VALUE in env, replacing an earlier value of KEY in place.
func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if ek, _, _ := strings.Cut(e, "="); ek == k {
			out := append([]string(nil), env...)
			out[i] = kv
			return out
		}
	}
	return append(append([]string(nil), env...), kv)
}

// readBase returns the --base image, or an empty OCI image, and its number of layers.
func readBase(dir string) (v1.Image, int, error) {
	if dir == "" {
		img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		return img, 0, nil
	}
	img, err := ReadLayout(dir)
	if err != nil {
		return nil, 0, fmt.Errorf("--base %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, 0, fmt.Errorf("--base %s: %w", dir, err)
	}
	return img, len(layers), nil
}

// ReadLayout opens the one image of an OCI image layout, after checking that its config parses and
// its layer blobs are all there and whole: a half-copied layout fails here, not midway through a push.
func ReadLayout(dir string) (v1.Image, error) {
	fail := func(err error) (v1.Image, error) {
		return nil, fmt.Errorf("%s is not a usable OCI image layout: %w", dir, err)
	}
	files, err := linkedLayout(dir)
	if err != nil {
		return fail(err)
	}
	idx, err := layout.ImageIndexFromPath(files)
	if err != nil {
		return fail(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return fail(err)
	}
	var images []v1.Descriptor
	for _, d := range im.Manifests {
		if d.MediaType.IsImage() {
			images = append(images, d)
		}
	}
	if len(images) != 1 {
		return fail(fmt.Errorf("index.json lists %d images, want exactly 1", len(images)))
	}
	img, err := idx.Image(images[0].Digest)
	if err != nil {
		return fail(err)
	}
	if _, err := img.ConfigFile(); err != nil {
		return fail(err)
	}
	layers, err := img.Layers()
	if err != nil {
		return fail(err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return fail(err)
		}
		size, err := l.Size()
		if err != nil {
			return fail(err)
		}
		st, err := os.Stat(filepath.Join(files, "blobs", d.Algorithm, d.Hex))
		if err != nil {
			return fail(err)
		}
		if st.Size() != size {
			return fail(fmt.Errorf("blob %s has %d bytes, the manifest says %d", d, st.Size(), size))
		}
	}
	return img, nil
}

// linkedLayout returns the directory a layout's files are in. Bazel's sandbox gives an action an input
// directory as a tree of symlinks to the files of the real one, and go-containerregistry refuses a
// symlinked blob: the real directory, which the links point into, is whole and readable.
func linkedLayout(dir string) (string, error) {
	index := filepath.Join(dir, "index.json")
	st, err := os.Lstat(index)
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		return dir, nil
	}
	target, err := filepath.EvalSymlinks(index)
	if err != nil {
		return "", err
	}
	return filepath.Dir(target), nil
}

// writeLayout writes the layout into dir, linking the built layers in first so go-containerregistry
// finds them present and does not copy them again.
func writeLayout(dir string, img v1.Image, layers []BuiltLayer) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	for _, l := range layers {
		if err := linkOrCopy(l.File, filepath.Join(dir, "blobs", l.Digest.Algorithm, l.Digest.Hex)); err != nil {
			return err
		}
	}
	return p.AppendImage(img)
}

// linkOrCopy links src to dst, or copies it where a link is impossible (another file system). A
// symlink, as Bazel's sandbox makes of an action's inputs, is resolved first: the layout must hold
// the blob itself.
func linkOrCopy(src, dst string) error {
	src, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	if err := os.Link(src, dst); err == nil || errors.Is(err, os.ErrExist) {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), ".blob-*")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(out.Name(), dst)
}

// writeDockerArchive writes docker load's format beside file and renames it into place. The archive
// names no tag: `nixpy load` tags the image; `docker load` of the file prints its ID.
func writeDockerArchive(file string, img v1.Image, digest v1.Hash) error {
	ref, err := name.NewDigest("nixpy/image@" + digest.String())
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return fmt.Errorf("--docker-archive %s: %w", file, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := tarball.MultiRefWriteToFile(tmp.Name(), map[name.Reference]v1.Image{ref: img}); err != nil {
		return fmt.Errorf("--docker-archive %s: %w", file, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("--docker-archive %s: %w", file, err)
	}
	return nil
}

// replace moves the finished layout to out, replacing an earlier build there.
func replace(tmp, out string) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	return nil
}
