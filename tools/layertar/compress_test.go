package layertar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// gomaxprocs runs f with runtime.GOMAXPROCS set to n, as on a machine with n cores.
func gomaxprocs(t *testing.T, n int, f func()) {
	t.Helper()
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	f()
}

// TestGoldenDigests pins the bytes of one layer. Layers must be identical on every machine and
// across nixpy versions, or caches and registries stop sharing them: if this fails after a change
// to the tar writer, to klauspost's compressors or to BlockSize, the layer format changed, and
// Compressor (or the cache's key version) must change with the new digests.
func TestGoldenDigests(t *testing.T) {
	s, paths := fixture(t)
	const (
		wantDiffID = "sha256:43956b7b362aef15de30ca7b9cd84a485483487fff63faaf1c198201398a8dd5"
		wantDigest = "sha256:6cfcb3fa3faa86049e45c46d5567f12b5f917d919beaaa64b55d08cadfbd368e"
	)
	for _, procs := range []int{1, 2, 8} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			gomaxprocs(t, procs, func() {
				blob, err := WriteGzip(io.Discard, layerOf(s, paths, []Entry{{Name: "tmp", Type: tar.TypeDir, Mode: 0o1777}}), Options{ModTime: time.Unix(1700000000, 0)})
				if err != nil {
					t.Fatal(err)
				}
				if blob.DiffID.String() != wantDiffID || blob.Digest.String() != wantDigest {
					t.Errorf("layer diffID %s digest %s, want %s and %s", blob.DiffID, blob.Digest, wantDiffID, wantDigest)
				}
			})
		})
	}
}

// multiBlockInput is several compression blocks of source text and random bytes mixed, so that
// blocks both reach into the previous block's dictionary and fall back to stored blocks.
func multiBlockInput(size int) []byte {
	rng := rand.NewChaCha8([32]byte{16})
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "def f%d(x):\n    return x * %d  # %s\n", i, i%97, strings.Repeat("y", i%41))
		if i%500 == 0 {
			random := make([]byte, 20<<10+i%4096)
			rng.Read(random)
			b.Write(random)
		}
	}
	return b.Bytes()[:size]
}

// TestCompressedBytesDeterministic pins the compressed bytes of inputs of many blocks, whatever the
// number of cores compressing them and however the tar writer splits its writes: the parallel
// compressor must emit the same bytes as on one core.
func TestCompressedBytesDeterministic(t *testing.T) {
	tests := []struct {
		name       string
		size       int
		wantDigest string
	}{
		{"blocks and a part", 20*BlockSize + 12345, "sha256:8372d6954092679bed623255ec1da69da8ae19b05b8f1048c559f59ba02f36bd"},
		{"whole blocks", 12 * BlockSize, "sha256:2a00d484a2ec28c420d84eaf0c093cd6076036378d4d3b344b355cf1a0ea145e"},
	}
	for _, tt := range tests {
		input := multiBlockInput(tt.size)
		for _, procs := range []int{1, 2, 8} {
			for _, chunk := range []int{511, 64 << 10, BlockSize, 3*BlockSize + 7} {
				t.Run(fmt.Sprintf("%s/GOMAXPROCS=%d/writes=%d", tt.name, procs, chunk), func(t *testing.T) {
					var out bytes.Buffer
					gomaxprocs(t, procs, func() {
						zw, err := newGzipWriter(&out, DefaultGzipLevel, runtime.GOMAXPROCS(0))
						if err != nil {
							t.Fatal(err)
						}
						for rest := input; len(rest) > 0; {
							n := min(chunk, len(rest))
							if _, err := zw.Write(rest[:n]); err != nil {
								t.Fatal(err)
							}
							rest = rest[n:]
						}
						if err := zw.Close(); err != nil {
							t.Fatal(err)
						}
					})
					if got := fmt.Sprintf("sha256:%x", sha256.Sum256(out.Bytes())); got != tt.wantDigest {
						t.Errorf("compressed %d bytes to %d with digest %s, want %s", len(input), out.Len(), got, tt.wantDigest)
					}
					zr, err := gzip.NewReader(&out)
					if err != nil {
						t.Fatal(err)
					}
					back, err := io.ReadAll(zr)
					if err != nil {
						t.Fatalf("decompressing with the standard library: %v", err)
					}
					if !bytes.Equal(back, input) {
						t.Errorf("decompressed %d bytes, not the %d written", len(back), len(input))
					}
					if zr.Header.ModTime != (time.Time{}) || zr.Header.Name != "" {
						t.Errorf("gzip header has mtime %v and name %q, want neither", zr.Header.ModTime, zr.Header.Name)
					}
				})
			}
		}
	}
}
