// Package ocitest checks an OCI image layout against what the tools built around rules_oci's layouts
// expect of one, for tests: rules_oci's oci_push runs `crane push DIR` on it, its oci_load builds a docker
// archive from index.json's manifests[0] and the blobs that manifest names, rules_img's
// image_manifest_from_oci_layout reads index.json and the blobs, and their oci_image takes it as a base.
package ocitest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// CheckLayout returns every way the layout at dir falls short of one image as rules_oci lays it out:
// only oci-layout (imageLayoutVersion 1.0.0), index.json and blobs/ at the top; index.json listing
// exactly one OCI image manifest; blobs/sha256 alone under blobs/, each a regular file named by the
// sha256 of its bytes; the manifest, the config and every layer there with the size its descriptor
// gives, and no other blob; and go-containerregistry's validate.Image passing (digests, diffIDs, sizes).
func CheckLayout(dir string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var top []string
	for _, e := range entries {
		top = append(top, e.Name())
	}
	if want := []string{"blobs", "index.json", "oci-layout"}; !slices.Equal(top, want) {
		bad("%s holds %v, want %v", dir, top, want)
	}
	var marker struct {
		ImageLayoutVersion string `json:"imageLayoutVersion"`
	}
	if err := readJSON(filepath.Join(dir, "oci-layout"), &marker); err != nil {
		bad("%w", err)
	} else if marker.ImageLayoutVersion != "1.0.0" {
		bad("oci-layout: imageLayoutVersion %q, want 1.0.0", marker.ImageLayoutVersion)
	}
	var index v1.IndexManifest
	if err := readJSON(filepath.Join(dir, "index.json"), &index); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if index.SchemaVersion != 2 || len(index.Manifests) != 1 || index.Manifests[0].MediaType != types.OCIManifestSchema1 {
		bad("index.json: schemaVersion %d, manifests %+v; want 2 and exactly one %s", index.SchemaVersion, index.Manifests, types.OCIManifestSchema1)
		return errors.Join(errs...)
	}

	if algos, err := os.ReadDir(filepath.Join(dir, "blobs")); err != nil || len(algos) != 1 || algos[0].Name() != "sha256" || !algos[0].IsDir() {
		bad("blobs/ holds %v (%v), want the directory sha256 alone", algos, err)
	}
	files, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	blobs := map[string]int64{}
	for _, e := range files {
		if !e.Type().IsRegular() {
			bad("blobs/sha256/%s is not a regular file (%s)", e.Name(), e.Type())
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", e.Name()))
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != e.Name() {
			bad("blobs/sha256/%s holds bytes of digest sha256:%x", e.Name(), sum)
		}
		blobs["sha256:"+e.Name()] = int64(len(data))
	}

	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	img, err := idx.Image(index.Manifests[0].Digest)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if err := validate.Image(img); err != nil {
		bad("validate.Image: %w", err)
	}
	m, err := img.Manifest()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		bad("manifest media type %q, config %q; want OCI's", m.MediaType, m.Config.MediaType)
	}
	for _, d := range append([]v1.Descriptor{index.Manifests[0], m.Config}, m.Layers...) {
		if size, ok := blobs[d.Digest.String()]; !ok {
			bad("blob %s (%s) is not in blobs/sha256", d.Digest, d.MediaType)
		} else if size != d.Size {
			bad("blob %s (%s) has %d bytes, its descriptor says %d", d.Digest, d.MediaType, size, d.Size)
		}
		delete(blobs, d.Digest.String())
	}
	if len(blobs) != 0 {
		var extra []string
		for d := range blobs {
			extra = append(extra, d)
		}
		sort.Strings(extra)
		bad("blobs no descriptor names: %v", extra)
	}
	return errors.Join(errs...)
}

func readJSON(file string, v any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}
