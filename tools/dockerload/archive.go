package dockerload

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// archive is an image in docker load's format (a docker archive: manifest.json, the config, the
// layers), written without the layers the engine has. go-containerregistry's tarball writer always
// writes every layer, so the tar is written here, with its manifest type.
type archive struct {
	img    v1.Image
	refs   []string
	layers []v1.Layer
	// omit holds the indexes of the layers the engine has, on the ones below them.
	omit    map[int]bool
	omitted int
	// sent and sentBytes count the layers the last write sent.
	sent      int
	sentBytes int64
}

func newArchive(img v1.Image, refs []string, layers []v1.Layer, present map[v1.Hash]bool) (*archive, error) {
	diffIDs := make([]v1.Hash, len(layers))
	for i, l := range layers {
		var err error
		if diffIDs[i], err = l.DiffID(); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
	}
	a := &archive{img: img, refs: refs, layers: layers, omit: map[int]bool{}}
	for i, chain := range chainIDs(diffIDs) {
		if present[chain] {
			a.omit[i] = true
			a.omitted++
		}
	}
	return a, nil
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func (a *archive) write(w io.Writer) error {
	a.sent, a.sentBytes = 0, 0
	config, err := a.img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("the image's config: %w", err)
	}
	configName, err := a.img.ConfigName()
	if err != nil {
		return fmt.Errorf("the image's config: %w", err)
	}
	digests := make([]v1.Hash, len(a.layers))
	paths := make([]string, len(a.layers))
	for i, l := range a.layers {
		if digests[i], err = l.Digest(); err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
		paths[i] = blobPath(digests[i])
	}
	manifest, err := json.Marshal(tarball.Manifest{{Config: blobPath(configName), RepoTags: a.refs, Layers: paths}})
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	if err := writeBytes(tw, "manifest.json", manifest); err != nil {
		return err
	}
	if err := writeBytes(tw, blobPath(configName), config); err != nil {
		return err
	}
	written := map[string]bool{}
	for i, l := range a.layers {
		if a.omit[i] || written[paths[i]] {
			continue
		}
		written[paths[i]] = true
		n, err := writeLayer(tw, paths[i], l)
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, digests[i], err)
		}
		a.sent++
		a.sentBytes += n
	}
	return tw.Close()
}

func writeBytes(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// writeLayer streams the layer's blob as it is stored, compressed or not: the engine detects which.
func writeLayer(tw *tar.Writer, name string, l v1.Layer) (int64, error) {
	size, err := l.Size()
	if err != nil {
		return 0, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
		return 0, err
	}
	return io.CopyBuffer(tw, rc, make([]byte, 1<<20))
}
