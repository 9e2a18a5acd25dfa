package layertar

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/pgzip"
)

// DefaultGzipLevel trades a little size for speed: layers are written on every cache miss, and
// klauspost's level 1 still compresses text about as well as the standard library's default.
const DefaultGzipLevel = pgzip.BestSpeed

// BlockSize is the size of the pieces of the tar that are deflated in parallel. The output depends
// on it (each block is flushed on its own, with the previous block's last 16 KB as dictionary) but
// not on how many blocks are compressed at once, so it is fixed and the parallelism is free to follow
// the machine. Small, as pigz's 128 KB, because memory is about three blocks and a deflate state (1 MB
// in all) for each one in flight, one per core; larger blocks compress no better with a dictionary.
const BlockSize = 256 << 10

// Compressor names the gzip implementation and its block size; layer caches key on it because
// another implementation, version or block size emits other bytes for the same tar.
// TestGoldenDigests fails when the bytes change: then this changes too.
const Compressor = "github.com/klauspost/pgzip@v1.3.0+github.com/klauspost/compress@v1.20.3,block=256KiB"

// Blob describes a compressed layer.
type Blob struct {
	// Digest is the sha256 of the compressed bytes, DiffID that of the tar.
	Digest v1.Hash
	DiffID v1.Hash
	Size   int64
}

// WriteGzip writes the layer as a gzip-compressed tar to w, hashing both forms on the way, in one pass.
// The gzip header carries no name and no time, so the output depends only on the tar and the level.
// Reading the store, tarring and hashing the tar run on this goroutine, the deflate blocks on one
// goroutine per core and hashing and writing the output on one more, so one large layer alone keeps
// every core busy.
func WriteGzip(w io.Writer, l Layer, opts Options) (Blob, error) {
	level := opts.GzipLevel
	if level == 0 {
		level = DefaultGzipLevel
	}
	compressed := &countingHash{h: sha256.New()}
	zw, err := newGzipWriter(io.MultiWriter(w, compressed), level, runtime.GOMAXPROCS(0))
	if err != nil {
		return Blob{}, err
	}
	uncompressed := sha256.New()
	if err := Write(io.MultiWriter(uncompressed, zw), l, opts); err != nil {
		// Stops the compressing goroutines; the layer's error is the one to report.
		_ = zw.Close()
		return Blob{}, err
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

// newGzipWriter compresses BlockSize blocks, up to inFlight of them at once, to w.
func newGzipWriter(w io.Writer, level, inFlight int) (*pgzip.Writer, error) {
	zw, err := pgzip.NewWriterLevel(w, level)
	if err != nil {
		return nil, fmt.Errorf("gzip level %d: %w", level, err)
	}
	if err := zw.SetConcurrency(BlockSize, max(inFlight, 2)); err != nil {
		return nil, fmt.Errorf("gzip block size %d: %w", BlockSize, err)
	}
	// pgzip writes the zero time's Unix seconds, truncated, as the header's mtime; 0 means none.
	zw.ModTime = time.Unix(0, 0)
	return zw, nil
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
