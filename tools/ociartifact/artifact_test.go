package ociartifact

import (
	"bytes"
	"encoding/json"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestNew(t *testing.T) {
	subject := v1.Descriptor{
		MediaType: types.OCIManifestSchema1, Size: 1234,
		Digest:      v1.Hash{Algorithm: "sha256", Hex: "c74448fbfd81dd003d47d468410c370adb766afbde25460b60eb8c3aed47e222"},
		Annotations: map[string]string{"org.opencontainers.image.ref.name": "latest"},
	}
	data := []byte(`{"bomFormat":"CycloneDX"}`)
	a, err := New(subject, CycloneDX, CycloneDX, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := a.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	// The OCI 1.1 guidance's artifact: artifactType, the empty config, one blob, the subject without
	// the image's annotations.
	want := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},` +
		`"layers":[{"mediaType":"application/vnd.cyclonedx+json","size":25,"digest":"sha256:` + sha(t, data) + `"}],` +
		`"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1234,"digest":"sha256:c74448fbfd81dd003d47d468410c370adb766afbde25460b60eb8c3aed47e222"},` +
		`"artifactType":"application/vnd.cyclonedx+json"}`
	if string(raw) != want {
		t.Errorf("manifest\n got %s\nwant %s", raw, want)
	}
	cfg, err := a.RawConfigFile()
	if err != nil || string(cfg) != "{}" {
		t.Errorf("config = %q, %v; want {}", cfg, err)
	}
	layers, err := a.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers = %v, %v", layers, err)
	}
	again, _ := New(subject, CycloneDX, CycloneDX, data, nil)
	d1, _ := a.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("same inputs, digests %s and %s", d1, d2)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Subject == nil {
		t.Fatalf("manifest does not parse with its subject: %v", err)
	}
}

func sha(t *testing.T, b []byte) string {
	t.Helper()
	h, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return h.Hex
}
