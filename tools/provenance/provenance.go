// Package provenance writes the SLSA provenance v1 predicate of an image that rules_nixpy built: the
// builder, the inputs that decide the image (pyproject.toml and the lock, by SHA-256; the nixpkgs
// revision; the source commit when the build is stamped) and the image itself. `cosign attest --type
// slsaprovenance1` wraps it in an in-toto statement whose subject is the pushed image's digest.
//
// The types follow https://slsa.dev/spec/v1.0/provenance field for field; the libraries that define them
// (in-toto-golang, in-toto/attestation) would bring gRPC or protobuf for a dozen plain fields.
package provenance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// BuildType names the meaning of ExternalParameters: rules_nixpy's image build.
const BuildType = "https://github.com/nixpy/rules_nixpy/image/v1"

// Predicate is a SLSA provenance v1 predicate.
type Predicate struct {
	BuildDefinition BuildDefinition `json:"buildDefinition"`
	RunDetails      RunDetails      `json:"runDetails"`
}

// BuildDefinition says what was built from what.
type BuildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   map[string]string    `json:"externalParameters"`
	ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies,omitempty"`
}

// RunDetails says who built it.
type RunDetails struct {
	Builder    Builder              `json:"builder"`
	Byproducts []ResourceDescriptor `json:"byproducts,omitempty"`
}

// Builder identifies the build platform.
type Builder struct {
	ID string `json:"id"`
}

// ResourceDescriptor is an artifact by name or URI and digest.
type ResourceDescriptor struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest"`
}

// Input is a file the image was built from, as the build named it.
type Input struct {
	// Role is its part: "pyproject" or "lock".
	Role string
	// Name is its workspace path, e.g. app/uv.lock; Path where to read it now.
	Name, Path string
}

// Options are what the predicate says.
type Options struct {
	BuilderID string
	// Image is the Bazel label of the image target; ImageDigest its manifest digest, sha256:HEX.
	Image, ImageDigest string
	Inputs             []Input
	// NixpkgsRevision is the nixpkgs commit, when known.
	NixpkgsRevision string
	// Source is the repository URI and Commit its commit, when the build is stamped.
	Source, Commit string
}

// New returns the predicate of opts, reading each input to hash it.
func New(opts Options) (*Predicate, error) {
	if opts.BuilderID == "" {
		return nil, fmt.Errorf("no builder id")
	}
	algo, hexDigest, ok := strings.Cut(opts.ImageDigest, ":")
	if !ok || algo != "sha256" || len(hexDigest) != 64 {
		return nil, fmt.Errorf("image digest %q: want sha256:<64 hex digits>", opts.ImageDigest)
	}
	p := &Predicate{
		BuildDefinition: BuildDefinition{
			BuildType:          BuildType,
			ExternalParameters: map[string]string{"image": opts.Image},
		},
		RunDetails: RunDetails{
			Builder:    Builder{ID: opts.BuilderID},
			Byproducts: []ResourceDescriptor{{Name: opts.Image, Digest: map[string]string{"sha256": hexDigest}}},
		},
	}
	for _, in := range opts.Inputs {
		sum, err := fileSHA256(in.Path)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", in.Role, in.Name, err)
		}
		p.BuildDefinition.ExternalParameters[in.Role] = in.Name
		p.BuildDefinition.ResolvedDependencies = append(p.BuildDefinition.ResolvedDependencies,
			ResourceDescriptor{Name: in.Name, Digest: map[string]string{"sha256": sum}})
	}
	if opts.NixpkgsRevision != "" {
		p.BuildDefinition.ResolvedDependencies = append(p.BuildDefinition.ResolvedDependencies,
			ResourceDescriptor{Name: "nixpkgs", URI: "git+https://github.com/NixOS/nixpkgs", Digest: map[string]string{"gitCommit": opts.NixpkgsRevision}})
	}
	if opts.Commit != "" {
		source := ResourceDescriptor{Name: "source", Digest: map[string]string{"gitCommit": opts.Commit}}
		if opts.Source != "" {
			source.URI = "git+" + opts.Source
		}
		p.BuildDefinition.ResolvedDependencies = append(p.BuildDefinition.ResolvedDependencies, source)
	}
	return p, nil
}

// JSON is the predicate as cosign attest --predicate reads it: indented, ending in a newline.
func (p *Predicate) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
