package ociimage

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/renameio/v2"
	"github.com/klauspost/compress/gzip"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layertar"
)

// BuildLayer writes the layer of a spec as a gzip-compressed tar to blobFile, streaming the store
// paths from diskDir (empty: the spec's store directory), and returns its digests. Paths missing
// from diskDir are realised first when realise is not nil. An unused slot gives an empty file and a
// nil descriptor.
func BuildLayer(spec LayerSpec, diskDir, blobFile string, realise Realise) (*layertar.Blob, error) {
	return buildLayer(spec, diskDir, blobFile, realise, layertar.WriteGzip)
}

// BuildUncompressedLayer is BuildLayer writing the plain tar, whose digest is its diffID: the layer
// for loading into a local engine, which needs no compression.
func BuildUncompressedLayer(spec LayerSpec, diskDir, tarFile string, realise Realise) (*layertar.Blob, error) {
	return buildLayer(spec, diskDir, tarFile, realise, layertar.WriteUncompressed)
}

func buildLayer(spec LayerSpec, diskDir, blobFile string, realise Realise, write func(io.Writer, layertar.Layer, layertar.Options) (layertar.Blob, error)) (*layertar.Blob, error) {
	if spec.Unused() {
		return nil, renameio.WriteFile(blobFile, nil, 0o644)
	}
	if diskDir == "" {
		diskDir = spec.StoreDir
	}
	paths := make([]string, len(spec.Paths))
	wanted := make([]closure.Path, len(spec.Paths))
	for i, p := range spec.Paths {
		paths[i] = p.Path
		wanted[i] = closure.Path{Path: p.Path, NarHash: p.NarHash, Deriver: p.Deriver}
	}
	if err := ensureOnDisk(wanted, diskDir, realise); err != nil {
		return nil, err
	}
	// Written aside and renamed into place, but not through renameio: its fsync of a layer of
	// hundreds of megabytes would cost seconds, and a Bazel output needs no durability.
	tmp, err := os.CreateTemp(filepath.Dir(blobFile), "."+filepath.Base(blobFile)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", blobFile, err)
	}
	defer os.Remove(tmp.Name())
	l := layertar.Layer{StoreDir: spec.StoreDir, DiskDir: diskDir, Paths: paths, Extra: spec.Extra}
	blob, err := write(tmp, l, layertar.Options{ModTime: time.Unix(spec.ModTime, 0)})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", blobFile, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), blobFile); err != nil {
		return nil, fmt.Errorf("layer %s: %w", blobFile, err)
	}
	return &blob, nil
}

// ReadBuiltLayers reads the descriptors nixpy layer wrote, one per layer slot, and pairs each used
// slot's with its file, in order; uncompressed says the files are plain tars.
func ReadBuiltLayers(descriptors, files []string, uncompressed bool) ([]BuiltLayer, error) {
	if len(descriptors) != len(files) {
		return nil, fmt.Errorf("%d descriptors for %d layer files", len(descriptors), len(files))
	}
	var layers []BuiltLayer
	for i, file := range descriptors {
		var desc *layertar.Blob
		if err := ReadJSON(file, &desc); err != nil {
			return nil, err
		}
		if desc != nil {
			layers = append(layers, BuiltLayer{Blob: *desc, File: files[i], Uncompressed: uncompressed})
		}
	}
	return layers, nil
}

// fileLayer is a layer on disk, compressed or not, whose digests are already known, so
// go-containerregistry never reads it to learn them: it streams the file only when it copies the blob
// somewhere.
type fileLayer struct {
	blob         layertar.Blob
	file         string
	mediaType    types.MediaType
	uncompressed bool
}

var _ v1.Layer = fileLayer{}

func (l fileLayer) Digest() (v1.Hash, error)            { return l.blob.Digest, nil }
func (l fileLayer) DiffID() (v1.Hash, error)            { return l.blob.DiffID, nil }
func (l fileLayer) Size() (int64, error)                { return l.blob.Size, nil }
func (l fileLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
func (l fileLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.file) }
func (l fileLayer) Uncompressed() (io.ReadCloser, error) {
	if l.uncompressed {
		return os.Open(l.file)
	}
	return openGzip(l.file)
}

type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzipFile) Close() error {
	g.Reader.Close()
	return g.f.Close()
}

func openGzip(file string) (io.ReadCloser, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return gzipFile{zr, f}, nil
}
