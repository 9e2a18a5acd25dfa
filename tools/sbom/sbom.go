// Package sbom writes an image's software bill of materials as CycloneDX 1.6 JSON, from what the
// build knows exactly rather than what a scanner guesses from files: every store path of the Nix
// closure with its narHash and references, every Python distribution the lock pinned with its
// artifact's URL and hash, the license its installed metadata declares, and the image's manifest
// digest as the subject. The same inputs give the same bytes: no timestamp, components and edges
// sorted, and a serial number derived from the content.
package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"
	"github.com/package-url/packageurl-go"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/lockdist"
)

// schema16 is the $schema of a CycloneDX 1.6 JSON document.
const schema16 = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// Property names this package sets on components.
const (
	// PropStorePath is the Nix store path a component is, or a distribution is installed in.
	PropStorePath = "nixpy:store-path"
	// PropNarSize is a store path's NAR size in bytes.
	PropNarSize = "nixpy:nar-size"
	// PropSource is a distribution's source in the lock: registry, git or local.
	PropSource = "nixpy:source"
)

// Input is what an SBOM describes.
type Input struct {
	// Name is the image's name (its repository, or the target's name), for the subject's purl.
	Name string
	// Digest is the image manifest's digest, sha256:HEX.
	Digest string
	// Closure is the image's Nix closure; Roots are the store paths the image was built from (the
	// built path, the extra packages), which the subject depends on.
	Closure *closure.Closure
	Roots   []string
	// Distributions are the translation's locked distributions, or nil for a closure no lock made.
	Distributions *lockdist.Manifest
	// Metadata reads the core metadata (.dist-info/METADATA) of a distribution installed in a store
	// path; nil leaves licenses out.
	Metadata func(storePath, python, name string) (*Metadata, error)
	// Base is the image this one is built on, or nil.
	Base *Base
}

// Base is a base image: a component the subject depends on. Its contents are listed only where its
// own SBOM is given (a base rules_nixpy built); another base is named by its digest alone.
type Base struct {
	// Name is the base's name (its layout's ref name, or the target's), for its pkg:oci purl.
	Name string
	// Digest is the base manifest's digest, sha256:HEX.
	Digest string
	// BOM is the base's own SBOM, whose components and dependencies join this one's; nil: none.
	BOM *cdx.BOM
}

// Build returns the SBOM of an image.
func Build(in Input) (*cdx.BOM, error) {
	subject, err := imageComponent("image", in.Name, in.Digest)
	if err != nil {
		return nil, err
	}
	var components []cdx.Component
	deps := map[string][]string{}
	for _, root := range in.Roots {
		if _, ok := in.Closure.Lookup(root); !ok {
			return nil, fmt.Errorf("root %s is not in the closure", root)
		}
		deps[subject.BOMRef] = append(deps[subject.BOMRef], root)
	}
	for _, p := range in.Closure.Paths {
		c, err := storePathComponent(p)
		if err != nil {
			return nil, err
		}
		components = append(components, c)
		deps[p.Path] = append([]string{}, withoutSelf(p.References, p.Path)...)
	}
	if in.Distributions != nil {
		dists, err := distributionComponents(in, deps)
		if err != nil {
			return nil, err
		}
		components = append(components, dists...)
	}
	if in.Base != nil {
		base, err := baseComponents(in.Base, deps)
		if err != nil {
			return nil, err
		}
		components = append(components, base...)
		deps[subject.BOMRef] = append(deps[subject.BOMRef], base[0].BOMRef)
	}
	sort.Slice(components, func(i, j int) bool { return components[i].BOMRef < components[j].BOMRef })
	bom := cdx.NewBOM()
	// Written as 1.6 from the start, with no field of a later version: cyclonedx-go's conversion on
	// encoding (EncodeVersion) deep-copies the BOM through gob, most of the step's time.
	bom.SpecVersion, bom.JSONSchema = cdx.SpecVersion1_6, schema16
	bom.Metadata = &cdx.Metadata{
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "nixpy"}}},
		Component: &subject,
	}
	bom.Components = &components
	bom.Dependencies = dependencies(deps)
	serial, err := serialNumber(bom)
	if err != nil {
		return nil, err
	}
	bom.SerialNumber = serial
	return bom, nil
}

// imageComponent describes an OCI image by its manifest's digest: a container whose bom-ref is its pkg:oci
// purl. what names the image in an error: "image" or "base image".
func imageComponent(what, name, digest string) (cdx.Component, error) {
	if !strings.HasPrefix(digest, "sha256:") || len(digest) != len("sha256:")+64 {
		return cdx.Component{}, fmt.Errorf("%s digest %q: want sha256:HEX", what, digest)
	}
	c := cdx.Component{
		Type:       cdx.ComponentTypeContainer,
		Name:       name,
		Version:    digest,
		PackageURL: packageurl.NewPackageURL(packageurl.TypeOCI, "", ociName(name), digest, nil, "").ToString(),
		Hashes:     &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: strings.TrimPrefix(digest, "sha256:")}},
	}
	c.BOMRef = c.PackageURL
	return c, nil
}

// baseComponents describes a base image, first, and the components of its SBOM that this one does not
// have yet (a store path both closures hold is one component), adding the base SBOM's edges to deps.
func baseComponents(b *Base, deps map[string][]string) ([]cdx.Component, error) {
	c, err := imageComponent("base image", b.Name, b.Digest)
	if err != nil {
		return nil, err
	}
	out := []cdx.Component{c}
	deps[c.BOMRef] = nil
	if b.BOM == nil {
		return out, nil
	}
	if b.BOM.Metadata == nil || b.BOM.Metadata.Component == nil {
		return nil, fmt.Errorf("the base image's SBOM names no image (metadata.component)")
	}
	baseSubject := b.BOM.Metadata.Component.BOMRef
	if b.BOM.Components != nil {
		for _, bc := range *b.BOM.Components {
			if _, ok := deps[bc.BOMRef]; ok {
				continue
			}
			out = append(out, bc)
			deps[bc.BOMRef] = nil
		}
	}
	if b.BOM.Dependencies != nil {
		for _, d := range *b.BOM.Dependencies {
			ref := d.Ref
			if ref == baseSubject {
				ref = c.BOMRef
			}
			if _, ok := deps[ref]; !ok {
				deps[ref] = nil
			}
			if d.Dependencies != nil {
				deps[ref] = append(deps[ref], *d.Dependencies...)
			}
		}
	}
	return out, nil
}

// ociName is the name a pkg:oci purl takes: the image name's last component, without a tag, in
// lower case.
func ociName(name string) string {
	name = name[strings.LastIndex(name, "/")+1:]
	name, _, _ = strings.Cut(name, ":")
	return strings.ToLower(name)
}

// storePathComponent describes a store path: its name and version as Nix splits them, its narHash.
func storePathComponent(p closure.Path) (cdx.Component, error) {
	sum, err := narHashHex(p.NarHash)
	if err != nil {
		return cdx.Component{}, fmt.Errorf("%s: narHash: %w", p.Path, err)
	}
	name, version := parseStoreName(p.Path)
	return cdx.Component{
		BOMRef:  p.Path,
		Type:    cdx.ComponentTypeLibrary,
		Name:    name,
		Version: version,
		Hashes:  &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: sum}},
		Properties: &[]cdx.Property{
			{Name: PropNarSize, Value: fmt.Sprint(p.NarSize)},
			{Name: PropStorePath, Value: p.Path},
		},
	}, nil
}

// distributionComponents describes the locked distributions and adds their edges to deps: each
// depends on the store path it is installed in and on the distributions the lock says it needs.
func distributionComponents(in Input, deps map[string][]string) ([]cdx.Component, error) {
	m := in.Distributions
	refs := map[string]string{}
	for _, d := range m.Distributions {
		refs[d.Name] = distributionRef(d)
	}
	var out []cdx.Component
	for _, d := range m.Distributions {
		c := cdx.Component{BOMRef: refs[d.Name], Type: cdx.ComponentTypeLibrary, Name: d.Name, Version: d.Version}
		props := []cdx.Property{{Name: PropSource, Value: d.Source}}
		switch d.Source {
		case lockdist.Registry:
			c.PackageURL = c.BOMRef
			hashes := []cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: d.SHA256}}
			c.Hashes = &hashes
			c.ExternalReferences = &[]cdx.ExternalReference{{Type: cdx.ERTypeDistribution, URL: d.URL, Hashes: &hashes}}
		case lockdist.Git:
			c.PackageURL = c.BOMRef
			c.ExternalReferences = &[]cdx.ExternalReference{{Type: cdx.ERTypeVCS, URL: d.URL + "@" + d.Rev}}
		}
		for _, dep := range d.Dependencies {
			deps[c.BOMRef] = append(deps[c.BOMRef], refs[dep])
		}
		if sp := installedIn(in.Closure, m.Python, d); sp != "" {
			if c.Version == "" {
				// A local package's version its build computed: the store path's name has it.
				_, c.Version = parseStoreName(sp)
			}
			deps[c.BOMRef] = append(deps[c.BOMRef], sp)
			props = append(props, cdx.Property{Name: PropStorePath, Value: sp})
			if in.Metadata != nil {
				md, err := in.Metadata(sp, m.Python, d.Name)
				if err != nil {
					return nil, fmt.Errorf("distribution %s %s: %w", d.Name, c.Version, err)
				}
				c.Licenses = md.Licenses()
			}
		}
		c.Properties = &props
		out = append(out, c)
	}
	return out, nil
}

// distributionRef is a distribution's bom-ref: its pkg:pypi purl, with the repository for a git
// source; a local package, on no index, is a bom-ref of its own.
func distributionRef(d lockdist.Distribution) string {
	switch d.Source {
	case lockdist.Registry:
		return packageurl.NewPackageURL(packageurl.TypePyPi, "", d.Name, d.Version, nil, "").ToString()
	case lockdist.Git:
		q := packageurl.QualifiersFromMap(map[string]string{"vcs_url": "git+" + d.URL + "@" + d.Rev})
		return packageurl.NewPackageURL(packageurl.TypePyPi, "", d.Name, d.Version, q, "").ToString()
	}
	return "local:" + d.Name
}

// installedIn finds the store path buildPythonPackage made of a distribution, named
// python3.X-NAME-VERSION; a local package whose version its build computes matches any version.
func installedIn(c *closure.Closure, python string, d lockdist.Distribution) string {
	prefix := "python" + python + "-" + d.Name + "-"
	for _, p := range c.Paths {
		_, name, ok := strings.Cut(path.Base(p.Path), "-")
		if !ok || !strings.HasPrefix(name, prefix) {
			continue
		}
		v := strings.TrimPrefix(name, prefix)
		if v == d.Version || (d.Version == "" && v != "" && v[0] >= '0' && v[0] <= '9') {
			return p.Path
		}
	}
	return ""
}

func withoutSelf(refs []string, self string) []string {
	var out []string
	for _, r := range refs {
		if r != self {
			out = append(out, r)
		}
	}
	return out
}

// dependencies renders the graph sorted by ref, each ref's targets sorted and unique; every
// component gets an entry, an empty one for a leaf, so a reader can tell a leaf from unknown.
func dependencies(deps map[string][]string) *[]cdx.Dependency {
	refs := make([]string, 0, len(deps))
	for ref := range deps {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	out := make([]cdx.Dependency, 0, len(refs))
	for _, ref := range refs {
		on := append([]string(nil), deps[ref]...)
		sort.Strings(on)
		uniq := on[:0]
		for i, r := range on {
			if i == 0 || r != on[i-1] {
				uniq = append(uniq, r)
			}
		}
		d := cdx.Dependency{Ref: ref}
		if len(uniq) > 0 {
			d.Dependencies = &uniq
		}
		out = append(out, d)
	}
	return &out
}

// narHashHex turns a narHash as nix path-info reports it (SRI, sha256-BASE64; or sha256:HEX) into
// the hex digest CycloneDX wants.
func narHashHex(h string) (string, error) {
	var sum []byte
	var err error
	switch {
	case strings.HasPrefix(h, "sha256-"):
		sum, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "sha256-"))
	case strings.HasPrefix(h, "sha256:") && len(h) == len("sha256:")+64:
		sum, err = hex.DecodeString(strings.TrimPrefix(h, "sha256:"))
	default:
		return "", fmt.Errorf("%q: want sha256-BASE64 (SRI) or sha256:HEX", h)
	}
	if err != nil || len(sum) != sha256.Size {
		return "", fmt.Errorf("%q: not a SHA-256 digest", h)
	}
	return hex.EncodeToString(sum), nil
}

// parseStoreName splits a store path's name (after the hash) as Nix's builtins.parseDrvName does:
// the version starts after the first dash not followed by a letter.
func parseStoreName(storePath string) (name, version string) {
	_, full, _ := strings.Cut(path.Base(storePath), "-")
	for i := 0; i+1 < len(full); i++ {
		c := full[i+1]
		if full[i] == '-' && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return full[:i], full[i+1:]
		}
	}
	return full, ""
}

// serialNumber is a name-based (version 5) UUID of the SBOM's content without one: the same
// content always gets the same serial number, and a different content a different one.
func serialNumber(bom *cdx.BOM) (string, error) {
	var buf bytes.Buffer
	if err := encode(&buf, bom); err != nil {
		return "", err
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, buf.Bytes()).URN(), nil
}

// Write encodes the SBOM as JSON, in the CycloneDX version Build made it in (1.6).
func Write(w io.Writer, bom *cdx.BOM) error {
	return encode(w, bom)
}

// Read reads an SBOM Write wrote, such as a base image's.
func Read(file string) (*cdx.BOM, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(f, cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("%s: decoding CycloneDX: %w", file, err)
	}
	return &bom, nil
}

func encode(w io.Writer, bom *cdx.BOM) error {
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("encoding CycloneDX: %w", err)
	}
	return nil
}
