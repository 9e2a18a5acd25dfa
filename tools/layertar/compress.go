package layertar

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
)

// DefaultGzipLevel trades a little size for speed: layers are written on every cache miss, and
// klauspost's level 1 still compresses text about as well as the standard library's default.
const DefaultGzipLevel = gzip.BestSpeed

// Compressor names the gzip implementation; layer caches key on it because another implementation
// or version may emit other bytes for the same tar. TestGoldenDigests fails when the bytes change:
// then this changes too.
const Compressor = "github.com/klauspost/compress/gzip@v1.19.2"

// Blob describes a compressed layer.
type Blob struct {
	// Digest is the sha256 of the compressed bytes, DiffID that of the tar.
	Digest v1.Hash
	DiffID v1.Hash
	Size   int64
}

// WriteGzip writes the layer as a gzip-compressed tar to w, hashing both forms on the way, in one pass.
// The gzip header carries no name and no time, so the output depends only on the tar and the level.
func WriteGzip(w io.Writer, l Layer, opts Options) (Blob, error) {
	level := opts.GzipLevel
	if level == 0 {
		level = DefaultGzipLevel
	}
	compressed := &countingHash{h: sha256.New()}
	zw, err := gzip.NewWriterLevel(io.MultiWriter(w, compressed), level)
	if err != nil {
		return Blob{}, fmt.Errorf("gzip level %d: %w", level, err)
	}
	// Two stages on two goroutines: reading the store into tar and hashing it, and compressing, so
	// one large layer alone still keeps two cores busy.
	uncompressed := sha256.New()
	pr, pw := io.Pipe()
	tarDone := make(chan error, 1)
	go func() {
		err := Write(io.MultiWriter(pw, uncompressed), l, opts)
		pw.CloseWithError(err)
		tarDone <- err
	}()
	_, copyErr := io.CopyBuffer(zw, pr, make([]byte, 256<<10))
	// Unblock the tar stage if compression failed first.
	pr.CloseWithError(errors.New("compression stopped"))
	if err := <-tarDone; err != nil {
		return Blob{}, err
	}
	if copyErr != nil {
		return Blob{}, fmt.Errorf("compressing layer: %w", copyErr)
	}
	if err := zw.Close(); err != nil {
		return Blob{}, fmt.Errorf("compressing layer: %w", err)
	}
	return Blob{
		Digest: sha256Hash(compressed.h),
		DiffID: sha256Hash(uncompressed),
		Size:   compressed.n,
	}, nil
}

type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

func sha256Hash(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", h.Sum(nil))}
}
