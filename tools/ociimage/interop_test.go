package ociimage

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/nixpy/rules_nixpy/tools/ocitest"
)

// foreignImage is a one-layer image another tool could have made, for the platform p, whose layer holds
// the file /base-<os>-<arch><variant>.txt.
func foreignImage(t *testing.T, p ImagePlatform) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	name := "base-" + p.OS + "-" + p.Architecture + p.Variant + ".txt"
	data := []byte("from the " + p.String() + " base\n")
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(data)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	tarBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	cfg.Config.Env = []string{"BASE_PLATFORM=" + p.String()}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.AppendLayers(img, layer); err != nil {
		t.Fatal(err)
	}
	return img
}

func firstLayer(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) == 0 {
		t.Fatalf("layers: %v (%d)", err, len(layers))
	}
	d, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBaseForPlatform builds on layouts of several images, as `crane pull --format=oci` or rules_oci's
// oci_image_index leave them: the base is the image for the closure's system, found through a nested
// index and by the config when the descriptor has no platform; a layout with no image for it fails
// naming its index.json and the platforms it has.
func TestBaseForPlatform(t *testing.T) {
	f := newFixture(t)
	work := t.TempDir()
	amd64 := foreignImage(t, ImagePlatform{OS: "linux", Architecture: "amd64"})
	arm64 := foreignImage(t, ImagePlatform{OS: "linux", Architecture: "arm64", Variant: "v8"})
	armv7 := foreignImage(t, ImagePlatform{OS: "linux", Architecture: "arm", Variant: "v7"})

	// index.json: the arm64 image, and an index of the amd64 image and the arm/v7 one, the latter's
	// descriptor without a platform.
	multi := filepath.Join(work, "multi")
	p, err := layout.Write(multi, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(arm64, layout.WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"})); err != nil {
		t.Fatal(err)
	}
	nested := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: amd64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: armv7})
	if err := p.AppendIndex(nested); err != nil {
		t.Fatal(err)
	}

	single := filepath.Join(work, "single")
	if p, err = layout.Write(single, empty.Index); err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(arm64); err != nil {
		t.Fatal(err)
	}
	twice := filepath.Join(work, "twice")
	if p, err = layout.Write(twice, empty.Index); err != nil {
		t.Fatal(err)
	}
	other := foreignImage(t, ImagePlatform{OS: "linux", Architecture: "amd64", Variant: "v1"})
	for _, img := range []v1.Image{amd64, other} {
		if err := p.AppendImage(img); err != nil {
			t.Fatal(err)
		}
	}

	for _, tt := range []struct {
		system string
		want   v1.Image
	}{
		{"x86_64-linux", amd64},
		{"aarch64-linux", arm64},
		{"armv7l-linux", armv7},
	} {
		t.Run(tt.system, func(t *testing.T) {
			opts := f.options(t)
			opts.System, opts.Base = tt.system, multi
			out := filepath.Join(t.TempDir(), "image")
			if _, err := Build(opts, out, ""); err != nil {
				t.Fatal(err)
			}
			checkOCILayout(t, out)
			img := readImage(t, out)
			if got, want := firstLayer(t, img), firstLayer(t, tt.want); got != want {
				t.Errorf("bottom layer %s, want the base's %s", got, want)
			}
			cfg, _ := img.ConfigFile()
			wantCfg, _ := tt.want.ConfigFile()
			if cfg.Architecture != wantCfg.Architecture || cfg.Variant != wantCfg.Variant || !slices.Contains(cfg.Config.Env, "BASE_PLATFORM="+wantCfg.Platform().String()) {
				t.Errorf("config %s/%s/%s env %v, want the base's platform and env", cfg.OS, cfg.Architecture, cfg.Variant, cfg.Config.Env)
			}
		})
	}

	for _, tt := range []struct {
		name, system, base string
		want               []string
	}{
		{"no image for the system", "riscv64-linux", multi, []string{
			filepath.Join(multi, "index.json") + " lists 3 images, none for linux/riscv64",
			"linux/arm64/v8", "linux/amd64", "linux/arm/v7",
		}},
		{"the one image is for another system", "x86_64-linux", single, []string{"--base " + single + " is for linux/arm64"}},
		{"two images for the system", "x86_64-linux", twice, []string{filepath.Join(twice, "index.json") + " lists two images for linux/amd64"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := f.options(t)
			opts.System, opts.Base = tt.system, tt.base
			_, err := Build(opts, filepath.Join(t.TempDir(), "image"), "")
			for _, want := range tt.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to contain %q", err, want)
				}
			}
		})
	}
}

// TestLayoutForOCITools: the layout is what rules_oci's oci_push (`crane push DIR`), oci_load (a tarball
// of index.json's manifests[0] and its blobs) and rules_img's image_manifest_from_oci_layout read.
func TestLayoutForOCITools(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "image")
	if _, err := Build(f.options(t), out, ""); err != nil {
		t.Fatal(err)
	}
	checkOCILayout(t, out)
}

func checkOCILayout(t *testing.T, dir string) {
	t.Helper()
	if err := ocitest.CheckLayout(dir); err != nil {
		t.Error(err)
	}
}

// TestWriteOCIArchive: the archive of a layout is the same bytes each time, starts with oci-layout and
// index.json, and unpacks to a layout that passes ocitest.CheckLayout.
func TestWriteOCIArchive(t *testing.T) {
	f := newFixture(t)
	work := t.TempDir()
	out := filepath.Join(work, "image")
	if _, err := Build(f.options(t), out, ""); err != nil {
		t.Fatal(err)
	}
	var archives [][]byte
	for _, name := range []string{"one.tar", "two.tar"} {
		if err := WriteOCIArchive(out, filepath.Join(work, name)); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(work, name))
		if err != nil {
			t.Fatal(err)
		}
		archives = append(archives, data)
	}
	if !bytes.Equal(archives[0], archives[1]) {
		t.Error("two archives of one layout differ")
	}
	unpacked := filepath.Join(work, "unpacked")
	tr := tar.NewReader(bytes.NewReader(archives[0]))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 0 {
			t.Errorf("%s: owner %d:%d, mtime %v", h.Name, h.Uid, h.Gid, h.ModTime)
		}
		path := filepath.Join(unpacked, h.Name)
		if h.Typeflag == tar.TypeDir {
			os.MkdirAll(path, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(path), 0o755)
		data, _ := io.ReadAll(tr)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(names) < 5 || !slices.Equal(names[:4], []string{"oci-layout", "index.json", "blobs/", "blobs/sha256/"}) {
		t.Errorf("entries %v, want oci-layout, index.json, blobs/, blobs/sha256/ and the blobs", names)
	}
	checkOCILayout(t, unpacked)
	if err := WriteOCIArchive(filepath.Join(work, "nowhere"), filepath.Join(work, "bad.tar")); err == nil {
		t.Error("archiving a missing layout succeeded")
	}
	if _, err := os.Stat(filepath.Join(work, "bad.tar")); err == nil {
		t.Error("a failed archive left its file")
	}
}
