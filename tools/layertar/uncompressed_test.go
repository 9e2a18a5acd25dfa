package layertar

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// The uncompressed layer is the very tar inside the compressed one: the same diffID, so an image
// config built from either is the same, and so is the image ID a Docker engine gives it.
func TestWriteUncompressedIsTheGzippedTar(t *testing.T) {
	s, paths := fixture(t)
	l := layerOf(s, paths, []Entry{{Name: "tmp", Type: tar.TypeDir, Mode: 0o1777}})
	opts := Options{ModTime: time.Unix(1700000000, 0)}
	var plain, compressed bytes.Buffer
	ublob, err := WriteUncompressed(&plain, l, opts)
	if err != nil {
		t.Fatal(err)
	}
	gblob, err := WriteGzip(&compressed, l, opts)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&compressed)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain.Bytes(), inner) {
		t.Errorf("the uncompressed layer (%d bytes) differs from the gzip layer's tar (%d bytes)", plain.Len(), len(inner))
	}
	if ublob.DiffID != gblob.DiffID || ublob.Digest != ublob.DiffID {
		t.Errorf("uncompressed blob %+v, gzip blob %+v: want the same diffID, and the digest equal to it", ublob, gblob)
	}
	if ublob.Size != int64(plain.Len()) {
		t.Errorf("size %d, wrote %d bytes", ublob.Size, plain.Len())
	}
}
