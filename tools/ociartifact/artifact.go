// Package ociartifact makes OCI 1.1 artifacts that refer to an image: an image manifest with an
// artifactType, the empty config and one blob, whose subject is the image's manifest. Registries
// list such an artifact among the image's referrers (the Referrers API, or the referrers tag schema
// that go-containerregistry's remote.Write maintains where the API is missing).
package ociartifact

import (
	"bytes"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// CycloneDX is the media type of a CycloneDX JSON document, as artifact type and blob type.
const CycloneDX types.MediaType = "application/vnd.cyclonedx+json"

// emptyJSON is the OCI 1.1 empty descriptor's content: the config of an artifact that needs none.
var emptyJSON = []byte("{}")

// New returns an artifact of artifactType whose one blob holds data with mediaType, referring to
// subject. The same arguments give the same manifest digest.
func New(subject v1.Descriptor, artifactType, mediaType types.MediaType, data []byte, annotations map[string]string) (v1.Image, error) {
	blob := static.NewLayer(data, mediaType)
	blobDigest, err := blob.Digest()
	if err != nil {
		return nil, err
	}
	config := static.NewLayer(emptyJSON, types.OCIEmptyJSON)
	configDigest, err := config.Digest()
	if err != nil {
		return nil, err
	}
	// The subject descriptor carries what the referrers list needs, nothing of the image's own fields.
	subject = v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}
	manifest, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  string(artifactType),
		Config:        v1.Descriptor{MediaType: types.OCIEmptyJSON, Size: int64(len(emptyJSON)), Digest: configDigest},
		Layers:        []v1.Descriptor{{MediaType: mediaType, Size: int64(len(data)), Digest: blobDigest}},
		Annotations:   annotations,
		Subject:       &subject,
	})
	if err != nil {
		return nil, fmt.Errorf("artifact manifest: %w", err)
	}
	return partial.CompressedToImage(&core{manifest: manifest, blob: blob, blobDigest: blobDigest, config: config})
}

// core is the artifact as partial.CompressedToImage takes it: raw manifest, config and blobs.
type core struct {
	manifest   []byte
	blob       v1.Layer
	blobDigest v1.Hash
	config     v1.Layer
}

func (c *core) RawManifest() ([]byte, error)        { return c.manifest, nil }
func (c *core) RawConfigFile() ([]byte, error)      { return bytes.Clone(emptyJSON), nil }
func (c *core) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (c *core) ConfigLayer() (v1.Layer, error)      { return c.config, nil }

func (c *core) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == c.blobDigest {
		return c.blob, nil
	}
	return nil, fmt.Errorf("artifact has no blob %s", h)
}
