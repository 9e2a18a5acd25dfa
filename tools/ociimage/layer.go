package ociimage

import (
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"

	"github.com/nixpy/rules_nixpy/tools/layertar"
)

// fileLayer is a compressed layer on disk whose digests are already known, so go-containerregistry
// never reads it to learn them: it streams the file only when it copies the blob somewhere.
type fileLayer struct {
	blob      layertar.Blob
	file      string
	mediaType types.MediaType
}

var _ v1.Layer = fileLayer{}

func (l fileLayer) Digest() (v1.Hash, error)             { return l.blob.Digest, nil }
func (l fileLayer) DiffID() (v1.Hash, error)             { return l.blob.DiffID, nil }
func (l fileLayer) Size() (int64, error)                 { return l.blob.Size, nil }
func (l fileLayer) MediaType() (types.MediaType, error)  { return l.mediaType, nil }
func (l fileLayer) Compressed() (io.ReadCloser, error)   { return os.Open(l.file) }
func (l fileLayer) Uncompressed() (io.ReadCloser, error) { return openGzip(l.file) }

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
