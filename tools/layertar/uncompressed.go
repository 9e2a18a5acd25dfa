package layertar

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// WriteUncompressed writes the layer's tar to w and describes it as a blob of its own: its digest is
// its diffID, its size the tar's. Loading into a local engine takes such a layer as it is, so the
// edit-to-container loop skips compression, which only a registry needs.
func WriteUncompressed(w io.Writer, l Layer, opts Options) (Blob, error) {
	tw := &hashingWriter{w: w, h: sha256.New()}
	if err := Write(tw, l, opts); err != nil {
		return Blob{}, err
	}
	diffID := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(tw.h.Sum(nil))}
	return Blob{Digest: diffID, DiffID: diffID, Size: tw.n}, nil
}

// hashingWriter writes to w, hashing and counting what passes.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}
