// Package ociimage assembles an OCI image from a Nix closure with go-containerregistry, in three steps
// a build system can run as separate actions: Plan decides the layers (package layering) and the config
// and describes each layer by a LayerSpec that pins its content; BuildLayer writes one layer from its
// spec (package layertar); Assemble writes the OCI image layout, and optionally a docker archive,
// atomically: on failure nothing is left at the output. Build runs the three in one process.
package ociimage

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	"github.com/nixpy/rules_nixpy/tools/nixstore"
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
	// BinEntrypoint makes a program in Top's bin/ the entrypoint when Entrypoint is nil: the only one,
	// or, of several, the one pyproject.MainScript picks for Project.
	BinEntrypoint bool
	// Project is the Python project Top is the application of; empty when it is not one.
	Project string
	// PythonEnv says Top is a Python environment (python.withPackages), not an application: without an
	// Entrypoint, the image runs Top's python through EnvLauncher, and PATH starts with Top/bin unless Env
	// sets it.
	PythonEnv   bool
	Cmd         []string
	Env         []string
	WorkDir     string
	User        string
	Ports       []string
	Labels      map[string]string
	Annotations map[string]string
	// RefName names the image in index.json (org.opencontainers.image.ref.name); empty: unnamed.
	RefName  string
	Symlinks []Symlink
	// Packages are extra nixpkgs packages, in the closure already: the root layer links their programs
	// into /bin (on PATH) and their files at the conventional places (a CA bundle, the time zones).
	Packages []Package
	// Base is an OCI image layout to build on; empty means an empty image.
	Base string
	// BaseLinks are Base's symlinks as BaseSymlinks returns them (nixpy base-links, an action of its own so
	// that a plan per source edit does not read the base's layers again); nil: Plan reads them from Base.
	BaseLinks map[string]string
	// Created is the image's creation time and every file's mtime; zero means the epoch.
	Created time.Time
	// Jobs is how many layers compress at once; 0 means one per CPU.
	Jobs int
	// Realise brings back store paths missing from DiskDir; nil: a missing path is an error.
	Realise Realise
}

// Realise brings missing store paths back into the store (nixstore.Tools.Realise, through the Nix
// daemon), so a step whose inputs came from a cache reads what was planned.
type Realise func(missing []closure.Path) error

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
	layers, err := buildLayers(planned.Layers, opts.DiskDir, scratch, opts.Jobs, opts.Realise)
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

// BuiltLayer is a layer in a file: compressed, from BuildLayer, or an uncompressed tar, from
// BuildUncompressedLayer.
type BuiltLayer struct {
	layertar.Blob
	File         string
	Uncompressed bool
}

// buildLayers builds the layers into dir with up to jobs at a time: each layer compresses on every
// core, and several at once keep the cores busy while small layers read the store. Results are in
// the order of specs.
func buildLayers(specs []LayerSpec, diskDir, dir string, jobs int, realise Realise) ([]BuiltLayer, error) {
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
			blob, err := BuildLayer(specs[i], diskDir, file, realise)
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

// ensureOnDisk makes sure every store path is in diskDir, realising the missing ones when it can, and
// otherwise fails saying why that happens under Bazel: a Nix build result from a cache (Bazel's disk or
// remote cache, or an output base older than a Nix garbage collection) may name paths this machine's
// store no longer holds.
func ensureOnDisk(paths []closure.Path, diskDir string, realise Realise) error {
	missing := nixstore.Missing(paths, diskDir)
	if len(missing) == 0 {
		return nil
	}
	if realise != nil {
		if err := realise(missing); err != nil {
			return err
		}
		if missing = nixstore.Missing(missing, diskDir); len(missing) == 0 {
			return nil
		}
	}
	return fmt.Errorf("store path %s missing on disk: it is not in this machine's Nix store "+
		"(garbage-collected, or the Nix build's result came from a cache another machine filled) "+
		"and nothing realised it", missing[0].Path)
}

// Assemble writes the OCI image layout of the config and the built layers on the base (an OCI image
// layout; empty: an empty image) at out, and a docker archive at dockerArchive unless it is empty, and
// returns the manifest's digest. The layers are linked into the layout when they can be, not copied.
func Assemble(cfg ImageConfig, baseDir string, layers []BuiltLayer, out, dockerArchive string) (v1.Hash, error) {
	img, err := Image(cfg, baseDir, layers)
	if err != nil {
		return v1.Hash{}, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return v1.Hash{}, fmt.Errorf("--out %s: %w", out, err)
	}
	defer os.RemoveAll(tmp)
	if err := writeLayout(tmp, img, layers, cfg.RefName); err != nil {
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

// Image is the image Assemble writes, in memory: its layers are read from their files only when
// streamed. Its config depends on the layers' diffIDs alone, so uncompressed layers give the config,
// and the image ID, of the image made of the compressed ones.
func Image(cfg ImageConfig, baseDir string, layers []BuiltLayer) (v1.Image, error) {
	if len(layers) != len(cfg.History) {
		return nil, fmt.Errorf("%d layers for a plan of %d", len(layers), len(cfg.History))
	}
	base, _, err := readBase(baseDir, ImagePlatform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant})
	if err != nil {
		return nil, err
	}
	return assemble(base, baseDir, cfg, layers)
}

func assemble(base v1.Image, baseDir string, ic ImageConfig, layers []BuiltLayer) (v1.Image, error) {
	baseType, err := base.MediaType()
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", baseDir, err)
	}
	docker := baseType == types.DockerManifestSchema2
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
		layerType := layerMediaType(docker, l.Uncompressed)
		adds[i] = mutate.Addendum{
			Layer:     fileLayer{blob: l.Blob, file: l.File, mediaType: layerType, uncompressed: l.Uncompressed},
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

// layerMediaType is the media type of a layer on a base of Docker's media types or OCI's.
func layerMediaType(docker, uncompressed bool) types.MediaType {
	switch {
	case docker && uncompressed:
		return types.DockerUncompressedLayer
	case docker:
		return types.DockerLayer
	case uncompressed:
		return types.OCIUncompressedLayer
	}
	return types.OCILayer
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

// readBase returns the --base image for the platform, or an empty OCI image, and its number of layers.
func readBase(dir string, platform ImagePlatform) (v1.Image, int, error) {
	if dir == "" {
		img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		return img, 0, nil
	}
	img, err := ReadLayoutFor(dir, platform)
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
	if err := checkImage(img, files); err != nil {
		return fail(err)
	}
	return img, nil
}

// ReadLayoutFor opens the image of an OCI image layout for a platform, checked as ReadLayout checks
// it. The layout may hold several images: a multi-platform index as `crane pull --format=oci` writes it,
// or an index.json whose one entry is itself an index (rules_oci's oci_image_index). The image
// for the platform is picked by its descriptor's platform, else by its config's os and architecture; a
// layout with one image gives that one whatever its platform (the caller compares the config's), one
// with several and none for the platform is an error that names index.json and the platforms it has.
func ReadLayoutFor(dir string, platform ImagePlatform) (v1.Image, error) {
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
	var images []layoutImage
	if err := collectImages(idx, 0, &images); err != nil {
		return fail(err)
	}
	var chosen *layoutImage
	switch len(images) {
	case 0:
		return fail(errors.New("index.json lists no image manifest"))
	case 1:
		chosen = &images[0]
	default:
		var found []string
		for i := range images {
			im := &images[i]
			if err := im.resolvePlatform(); err != nil {
				return fail(err)
			}
			found = append(found, im.platform.String())
			if im.platform.matches(platform) {
				if chosen != nil {
					return fail(fmt.Errorf("%s lists two images for %s: %s and %s",
						filepath.Join(dir, "index.json"), platform, chosen.desc.Digest, im.desc.Digest))
				}
				chosen = im
			}
		}
		if chosen == nil {
			return nil, fmt.Errorf("%s lists %d images, none for %s (the platform of the closure's system); it has %s",
				filepath.Join(dir, "index.json"), len(images), platform, strings.Join(found, ", "))
		}
	}
	if err := checkImage(chosen.img, files); err != nil {
		return fail(err)
	}
	return chosen.img, nil
}

// layoutImage is an image manifest found in a layout's index, with its platform once known.
type layoutImage struct {
	desc     v1.Descriptor
	img      v1.Image
	platform ImagePlatform
}

// resolvePlatform takes the image's platform from its descriptor, else from its config.
func (l *layoutImage) resolvePlatform() error {
	if p := l.desc.Platform; p != nil && p.OS != "" {
		l.platform = ImagePlatform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}
		return nil
	}
	cfg, err := l.img.ConfigFile()
	if err != nil {
		return fmt.Errorf("image %s: %w", l.desc.Digest, err)
	}
	l.platform = ImagePlatform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	return nil
}

// maxIndexDepth bounds the nesting of indexes in a layout: real ones nest once (an index.json entry that
// is an image index), and a bound keeps a cyclic layout from recursing forever.
const maxIndexDepth = 4

// collectImages appends the image manifests of an index and of the indexes it lists, distinct by digest,
// in the index's order. Entries that are neither (attestations with an unknown media type) are skipped.
func collectImages(idx v1.ImageIndex, depth int, images *[]layoutImage) error {
	if depth > maxIndexDepth {
		return fmt.Errorf("image indexes nested more than %d deep", maxIndexDepth)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range im.Manifests {
		switch {
		case d.MediaType.IsImage():
			if slices.ContainsFunc(*images, func(l layoutImage) bool { return l.desc.Digest == d.Digest }) {
				continue
			}
			img, err := idx.Image(d.Digest)
			if err != nil {
				return fmt.Errorf("image %s: %w", d.Digest, err)
			}
			*images = append(*images, layoutImage{desc: d, img: img})
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return fmt.Errorf("index %s: %w", d.Digest, err)
			}
			if err := collectImages(child, depth+1, images); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkImage checks that an image's config parses and that its layer blobs are all in the layout at
// files, with the sizes the manifest gives.
func checkImage(img v1.Image, files string) error {
	if _, err := img.ConfigFile(); err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		size, err := l.Size()
		if err != nil {
			return err
		}
		st, err := os.Stat(filepath.Join(files, "blobs", d.Algorithm, d.Hex))
		if err != nil {
			return err
		}
		if st.Size() != size {
			return fmt.Errorf("blob %s has %d bytes, the manifest says %d", d, st.Size(), size)
		}
	}
	return nil
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
// RefNameAnnotation is the OCI image layout's annotation naming an image of index.json.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

func writeLayout(dir string, img v1.Image, layers []BuiltLayer, refName string) error {
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
	var opts []layout.Option
	if refName != "" {
		// On the descriptor in index.json only: the manifest, and so the image's digest, stays the same.
		opts = append(opts, layout.WithAnnotations(map[string]string{RefNameAnnotation: refName}))
	}
	return p.AppendImage(img, opts...)
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

// WriteOCIArchive writes the OCI image layout at dir as one tar file (an OCI archive: what podman load,
// skopeo's oci-archive: and Docker 25's docker load read), after checking it as ReadLayout does. The
// tar is the same bytes for the same layout: oci-layout, index.json, then blobs/ in name order, every
// entry owned by 0:0 with mtime 0.
func WriteOCIArchive(dir, file string) error {
	if _, err := ReadLayout(dir); err != nil {
		return err
	}
	files, err := linkedLayout(dir)
	if err != nil {
		return err
	}
	blobs, err := os.ReadDir(filepath.Join(files, "blobs", "sha256"))
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return fmt.Errorf("--out %s: %w", file, err)
	}
	defer os.Remove(tmp.Name())
	tw := tar.NewWriter(tmp)
	header := func(name string, mode, size int64, typ byte) error {
		return tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: size, Typeflag: typ,
			ModTime: time.Unix(0, 0), Format: tar.FormatUSTAR})
	}
	addFile := func(name, path string) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if err := header(name, 0o644, st.Size(), tar.TypeReg); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	}
	err = addFile("oci-layout", filepath.Join(files, "oci-layout"))
	if err == nil {
		err = addFile("index.json", filepath.Join(files, "index.json"))
	}
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err == nil {
			err = header(d, 0o755, 0, tar.TypeDir)
		}
	}
	for _, b := range blobs {
		if err == nil {
			err = addFile("blobs/sha256/"+b.Name(), filepath.Join(files, "blobs", "sha256", b.Name()))
		}
	}
	if err == nil {
		err = tw.Close()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", file, err)
	}
	return nil
}
