// Package ociimage assembles an OCI image from a Nix closure with go-containerregistry: it plans the
// layers (package layering), builds or reuses them (packages layertar and layercache), sets the
// config and writes an OCI image layout, and optionally a docker archive, atomically: on failure
// nothing is left at the output.
package ociimage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layercache"
	"github.com/nixpy/rules_nixpy/tools/layering"
	"github.com/nixpy/rules_nixpy/tools/layertar"
)

// DefaultMaxLayers leaves room under Docker's ~127-layer limit for images built on top, and is
// enough to keep the interpreter, the big libraries and the application apart.
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

	Entrypoint  []string
	Cmd         []string
	Env         []string
	WorkDir     string
	User        string
	Ports       []string
	Labels      map[string]string
	Annotations map[string]string
	Symlinks    []Symlink

	// Base is an OCI image layout to build on; empty means an empty image.
	Base string
	// Created is the image's creation time and every file's mtime; zero means the epoch.
	Created time.Time
	// CacheDir keeps layers between builds; empty means no cache.
	CacheDir string
	// Jobs is how many layers compress at once; 0 means one per CPU.
	Jobs int
}

// Result is a written image.
type Result struct {
	Digest v1.Hash
	Plan   *layering.Plan
	// Layers are the layers this build added, bottom first, with cache hits marked.
	Layers []layercache.Result
	// RootLayer is the index in Layers of the layer with /tmp and /etc, or -1 when it shares the top layer.
	RootLayer int
}

// Hits counts the layers that came from the cache.
func (r *Result) Hits() int {
	n := 0
	for _, l := range r.Layers {
		if l.Hit {
			n++
		}
	}
	return n
}

// Build writes the image as an OCI image layout at out, and as a docker archive (docker load's
// format) at dockerArchive unless it is empty.
func Build(opts Options, out, dockerArchive string) (*Result, error) {
	if opts.MaxLayers < 2 {
		return nil, fmt.Errorf("--max-layers %d: an image needs at least 2 layers (the top path and one below)", opts.MaxLayers)
	}
	if opts.Created.IsZero() {
		opts.Created = time.Unix(0, 0)
	}
	if opts.DiskDir == "" {
		opts.DiskDir = opts.Closure.StoreDir()
	}
	if err := checkOnDisk(opts.Closure, opts.DiskDir); err != nil {
		return nil, err
	}
	base, baseLayers, err := readBase(opts.Base)
	if err != nil {
		return nil, err
	}
	budget := opts.MaxLayers - baseLayers
	if budget < 2 {
		return nil, fmt.Errorf("--base %s has %d layers: --max-layers %d leaves fewer than 2 for the closure", opts.Base, baseLayers, opts.MaxLayers)
	}
	root, caFile, err := rootEntries(opts.Closure, opts.DiskDir, opts.User, opts.Base == "" || opts.User != "", opts.Symlinks)
	if err != nil {
		return nil, err
	}
	// The root layer gets its own layer when the budget allows, so the store layers below it stay
	// identical whatever the user, symlinks or CA bundle; otherwise it joins the volatile top layer.
	ownRoot := budget >= 3 && len(opts.Closure.Paths) > 1
	storeBudget := budget - 1
	if ownRoot {
		storeBudget--
	}
	plan, err := layering.New(opts.Closure, opts.Top, storeBudget)
	if err != nil {
		return nil, err
	}

	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", out, err)
	}
	defer os.RemoveAll(tmp)
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		// Without a cache the layers are written straight into the layout's blobs.
		cacheDir = tmp
	}
	cache, err := layercache.Open(cacheDir)
	if err != nil {
		return nil, err
	}
	specs, rootIndex := layerSpecs(opts, plan, root, ownRoot)
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	tarOpts := layertar.Options{ModTime: opts.Created}
	layers, err := cache.BuildAll(specs, tarOpts, jobs)
	if err != nil {
		return nil, err
	}
	img, err := assemble(base, opts, plan, layers, rootIndex, caFile)
	if err != nil {
		return nil, err
	}
	if err := writeLayout(tmp, cache, img, layers); err != nil {
		return nil, fmt.Errorf("writing image layout: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	if dockerArchive != "" {
		if err := writeDockerArchive(dockerArchive, img, digest); err != nil {
			return nil, err
		}
	}
	if err := replace(tmp, out); err != nil {
		if dockerArchive != "" {
			os.Remove(dockerArchive)
		}
		return nil, err
	}
	return &Result{Digest: digest, Plan: plan, Layers: layers, RootLayer: rootIndex}, nil
}

func checkOnDisk(c *closure.Closure, diskDir string) error {
	for _, p := range c.Paths {
		file := filepath.Join(diskDir, filepath.Base(p.Path))
		if _, err := os.Lstat(file); err != nil {
			return fmt.Errorf("store path %s missing on disk: %w", p.Path, err)
		}
	}
	return nil
}

// layerSpecs turns the plan into layers to build, bottom first; the root entries get their own
// layer just below the top, or join the top layer.
func layerSpecs(opts Options, plan *layering.Plan, root []layertar.Entry, ownRoot bool) ([]layercache.Spec, int) {
	hashes := make(map[string]string, len(opts.Closure.Paths))
	for _, p := range opts.Closure.Paths {
		hashes[p.Path] = p.NarHash
	}
	storeDir := opts.Closure.StoreDir()
	var specs []layercache.Spec
	rootIndex := -1
	for _, l := range plan.Layers {
		spec := layercache.Spec{
			Layer:     layertar.Layer{StoreDir: storeDir, DiskDir: opts.DiskDir, Paths: l.Paths()},
			NarHashes: hashes,
			Size:      l.Size,
		}
		if l.Top {
			if ownRoot {
				rootIndex = len(specs)
				specs = append(specs, layercache.Spec{Layer: layertar.Layer{StoreDir: storeDir, Extra: root}})
			} else {
				spec.Layer.Extra = root
			}
		}
		specs = append(specs, spec)
	}
	return specs, rootIndex
}

func assemble(base v1.Image, opts Options, plan *layering.Plan, layers []layercache.Result, rootIndex int, caFile string) (v1.Image, error) {
	baseType, err := base.MediaType()
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", opts.Base, err)
	}
	layerType := types.OCILayer
	if baseType == types.DockerManifestSchema2 {
		layerType = types.DockerLayer
	}
	cfg, err := base.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", opts.Base, err)
	}
	cfg = cfg.DeepCopy()
	if cfg.OS == "" {
		cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	}
	cfg.Created = v1.Time{Time: opts.Created.UTC()}
	if err := configure(&cfg.Config, opts, caFile); err != nil {
		return nil, err
	}
	img, err := mutate.ConfigFile(base, cfg)
	if err != nil {
		return nil, err
	}
	adds := make([]mutate.Addendum, len(layers))
	storeLayer := 0
	for i, l := range layers {
		comment := "root: /tmp, /etc/passwd, /usr/bin/env, symlinks"
		if i != rootIndex {
			pl := plan.Layers[storeLayer]
			storeLayer++
			comment = fmt.Sprintf("%d store paths, %s: %s", len(pl.Entries), layering.HumanSize(pl.Size), pl.Reason)
		}
		adds[i] = mutate.Addendum{
			Layer:     fileLayer{blob: l.Blob, file: l.File, mediaType: layerType},
			MediaType: layerType,
			History:   v1.History{Created: cfg.Created, CreatedBy: "nixpy image", Comment: comment},
		}
	}
	img, err = mutate.Append(img, adds...)
	if err != nil {
		return nil, err
	}
	if len(opts.Annotations) > 0 {
		img = mutate.Annotations(img, opts.Annotations).(v1.Image)
	}
	return img, nil
}

// configure applies the command line to the image config; unset options keep the base's values.
func configure(c *v1.Config, opts Options, caFile string) error {
	if opts.Entrypoint != nil {
		c.Entrypoint = opts.Entrypoint
	}
	if opts.Cmd != nil {
		c.Cmd = opts.Cmd
	}
	if opts.WorkDir != "" {
		c.WorkingDir = opts.WorkDir
	}
	if opts.User != "" {
		c.User = opts.User
	}
	env := opts.Env
	if caFile != "" {
		env = append([]string{"SSL_CERT_FILE=" + caFile}, env...)
	}
	for _, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--env %q: want KEY=VALUE", kv)
		}
		c.Env = setEnv(c.Env, kv)
	}
	for _, p := range opts.Ports {
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
	if len(opts.Labels) > 0 {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for k, v := range opts.Labels {
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
	idx, err := layout.ImageIndexFromPath(dir)
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
		st, err := os.Stat(filepath.Join(dir, "blobs", d.Algorithm, d.Hex))
		if err != nil {
			return fail(err)
		}
		if st.Size() != size {
			return fail(fmt.Errorf("blob %s has %d bytes, the manifest says %d", d, st.Size(), size))
		}
	}
	return img, nil
}

// writeLayout writes the layout into dir, linking the built layers in from the cache first so
// go-containerregistry finds them present and does not copy them again.
func writeLayout(dir string, cache *layercache.Cache, img v1.Image, layers []layercache.Result) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	for _, l := range layers {
		dst := filepath.Join(dir, "blobs", l.Digest.Algorithm, l.Digest.Hex)
		if l.File == dst {
			continue
		}
		if err := linkOrCopy(l.File, dst); err != nil {
			return err
		}
	}
	if filepath.Clean(cache.Dir()) == filepath.Clean(dir) {
		if err := os.RemoveAll(cache.KeysDir()); err != nil {
			return err
		}
	}
	return p.AppendImage(img)
}

func linkOrCopy(src, dst string) error {
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
