package ociimage

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image made of the plain layer tars, what nixpy load sends, has the config of the image made of
// the compressed ones, what nixpy push sends: the engine's image ID is the same either way.
func TestUncompressedImageHasTheSameConfig(t *testing.T) {
	f := newFixture(t)
	p, err := Plan(f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var compressed, plain []BuiltLayer
	for i, spec := range p.Layers {
		gz := filepath.Join(dir, fmt.Sprintf("layer_%d.tar.gz", i))
		blob, err := BuildLayer(spec, f.store.Dir, gz, nil)
		if err != nil {
			t.Fatal(err)
		}
		compressed = append(compressed, BuiltLayer{Blob: *blob, File: gz})
		tarFile := filepath.Join(dir, fmt.Sprintf("layer_%d.tar", i))
		if blob, err = BuildUncompressedLayer(spec, f.store.Dir, tarFile, nil); err != nil {
			t.Fatal(err)
		}
		plain = append(plain, BuiltLayer{Blob: *blob, File: tarFile, Uncompressed: true})
	}
	want, err := Assemble(p.Config, "", compressed, filepath.Join(dir, "image"), "")
	if err != nil {
		t.Fatal(err)
	}
	pushed := readImage(t, filepath.Join(dir, "image"))
	if d, _ := pushed.Digest(); d != want {
		t.Fatalf("layout digest %s, Assemble said %s", d, want)
	}
	img, err := Image(p.Config, "", plain)
	if err != nil {
		t.Fatal(err)
	}
	gotID, _ := img.ConfigName()
	wantID, _ := pushed.ConfigName()
	if gotID != wantID {
		t.Errorf("config of the uncompressed image %s, of the compressed one %s", gotID, wantID)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range layers {
		mt, _ := l.MediaType()
		digest, _ := l.Digest()
		diffID, _ := l.DiffID()
		if mt != types.OCIUncompressedLayer || digest != diffID {
			t.Errorf("layer %d: media type %s, digest %s, diffID %s: want an uncompressed layer", i, mt, digest, diffID)
		}
	}
}
