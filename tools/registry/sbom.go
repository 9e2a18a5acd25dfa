package registry

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/nixpy/rules_nixpy/tools/ociartifact"
)

// sbomArtifact reads a CycloneDX JSON file and makes it an artifact referring to img.
func sbomArtifact(img v1.Image, path string) (v1.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--sbom: %w", err)
	}
	// A registry takes any bytes; a scanner later would choke on a file that is not CycloneDX JSON.
	var doc struct {
		BOMFormat string `json:"bomFormat"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("--sbom %s: not JSON: %w", path, err)
	}
	if doc.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("--sbom %s: bomFormat is %q, want \"CycloneDX\"", path, doc.BOMFormat)
	}
	subject, err := partial.Descriptor(img)
	if err != nil {
		return nil, fmt.Errorf("image descriptor: %w", err)
	}
	return ociartifact.New(*subject, ociartifact.CycloneDX, ociartifact.CycloneDX, data, nil)
}

// pushReferrer pushes an artifact by digest. remote.Write sees its subject: where the registry has no
// Referrers API, it adds the artifact to the subject's referrers tag (sha256-HEX), as the OCI
// distribution spec's referrers tag schema says.
func pushReferrer(repo name.Repository, artifact v1.Image, opts []remote.Option) (*name.Digest, error) {
	digest, err := artifact.Digest()
	if err != nil {
		return nil, err
	}
	ref := repo.Digest(digest.String())
	if err := remote.Write(ref, artifact, opts...); err != nil {
		return nil, err
	}
	return &ref, nil
}
