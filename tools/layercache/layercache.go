// Package layercache keeps compressed layers on disk, keyed by what determines their bytes: the
// narHashes of the layer's store paths, its extra entries and the tar and gzip settings. A layer
// whose key is cached is never tarred or compressed again, which is what makes a rebuild after an
// application edit cheap: only the top layer's key changes.
package layercache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/nixpy/rules_nixpy/tools/layertar"
)

// keyVersion changes whenever the layer format changes in a way the other key parts do not capture.
const keyVersion = 1

// Cache is a directory of layers: blobs/sha256/HEX holds a compressed layer (the layout of an OCI
// image layout's blobs, so a layout can link to it), keys/KEY.json what the key maps to.
type Cache struct {
	dir string
}

// Open opens or creates a cache in dir.
func Open(dir string) (*Cache, error) {
	for _, sub := range []string{"blobs/sha256", "keys"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("layer cache %s: %w", dir, err)
		}
	}
	return &Cache{dir: dir}, nil
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// KeysDir holds the cache's index; a cache built inside an image layout removes it at the end.
func (c *Cache) KeysDir() string { return filepath.Join(c.dir, "keys") }

// BlobPath is where the cache keeps a blob.
func (c *Cache) BlobPath(digest v1.Hash) string {
	return filepath.Join(c.dir, "blobs", digest.Algorithm, digest.Hex)
}

// Spec is one layer to build: its content and the narHash of each of its store paths.
type Spec struct {
	Layer     layertar.Layer
	NarHashes map[string]string
	// Size estimates the work (the narSizes), to start the largest layers first.
	Size int64
}

// Result is a built or cached layer.
type Result struct {
	layertar.Blob
	// File is the compressed layer in the cache.
	File string
	// Hit says the layer came from the cache.
	Hit bool
}

// Key identifies a layer's bytes without reading the store.
func Key(s Spec, opts layertar.Options) (string, error) {
	type pathKey struct {
		Path    string `json:"path"`
		NarHash string `json:"narHash"`
	}
	level := opts.GzipLevel
	if level == 0 {
		level = layertar.DefaultGzipLevel
	}
	k := struct {
		Version    int              `json:"version"`
		Compressor string           `json:"compressor"`
		Level      int              `json:"level"`
		ModTime    int64            `json:"mtime"`
		StoreDir   string           `json:"storeDir"`
		Paths      []pathKey        `json:"paths"`
		Extra      []layertar.Entry `json:"extra"`
	}{keyVersion, layertar.Compressor, level, opts.ModTime.Unix(), s.Layer.StoreDir, nil, s.Layer.Extra}
	for _, p := range s.Layer.Paths {
		h, ok := s.NarHashes[p]
		if !ok || h == "" {
			return "", fmt.Errorf("no narHash for %s", p)
		}
		k.Paths = append(k.Paths, pathKey{p, h})
	}
	data, err := json.Marshal(k)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// Get returns the cached layer for a key, if the cache has it whole.
func (c *Cache) Get(key string) (Result, bool) {
	data, err := os.ReadFile(filepath.Join(c.dir, "keys", key+".json"))
	if err != nil {
		return Result{}, false
	}
	var b layertar.Blob
	if err := json.Unmarshal(data, &b); err != nil {
		return Result{}, false
	}
	file := c.BlobPath(b.Digest)
	if st, err := os.Stat(file); err != nil || st.Size() != b.Size {
		return Result{}, false
	}
	return Result{Blob: b, File: file, Hit: true}, true
}

// Build returns the layer from the cache, or writes it into the cache first.
func (c *Cache) Build(s Spec, opts layertar.Options) (Result, error) {
	key, err := Key(s, opts)
	if err != nil {
		return Result{}, err
	}
	if r, ok := c.Get(key); ok {
		return r, nil
	}
	tmp, err := os.CreateTemp(filepath.Join(c.dir, "blobs"), ".layer-*")
	if err != nil {
		return Result{}, fmt.Errorf("layer cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	blob, err := layertar.WriteGzip(tmp, s.Layer, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{}, err
	}
	// Readable by all like any build output; CreateTemp made it private.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return Result{}, fmt.Errorf("layer cache: %w", err)
	}
	file := c.BlobPath(blob.Digest)
	if err := os.Rename(tmp.Name(), file); err != nil {
		return Result{}, fmt.Errorf("layer cache: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(c.dir, "keys", key+".json"), blob); err != nil {
		return Result{}, fmt.Errorf("layer cache: %w", err)
	}
	return Result{Blob: blob, File: file}, nil
}

// BuildAll builds the layers with up to jobs at a time: compression is the slow part and each
// layer compresses on its own core. Results are in the order of specs.
func (c *Cache) BuildAll(specs []Spec, opts layertar.Options, jobs int) ([]Result, error) {
	jobs = max(jobs, 1)
	results := make([]Result, len(specs))
	errs := make([]error, len(specs))
	sem := make(chan struct{}, jobs)
	// Largest first, so a big layer does not start last and leave the other cores idle.
	order := make([]int, len(specs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return specs[order[a]].Size > specs[order[b]].Size })
	var wg sync.WaitGroup
	for _, i := range order {
		s := specs[i]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], errs[i] = c.Build(s, opts)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}

func writeFileAtomic(file string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
