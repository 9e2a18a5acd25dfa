package e2e

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"

	"github.com/nixpy/rules_nixpy/tools/lockfile"
	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/sbom"
)

// TestExampleFlaskAppSBOM: examples/flask_app's SBOM (output group sbom) lists exactly the distributions its
// uv.lock installs on linux with CPython 3.11, with the lock's versions, URLs and hashes, every store path of
// the image's closure as nix-store -qR reports it, and the built image's digest as its subject.
func TestExampleFlaskAppSBOM(t *testing.T) {
	dir := exampleDir(t, "flask_app")
	bazel(t, dir, "build", "--output_groups=+sbom,+digest", "//:image", "//:image.closure")
	digest := bazelBin(t, dir, "image.digest")
	outPath := bazelBin(t, dir, "image.closure.out_path")
	data := []byte(bazelBin(t, dir, "image.sbom"))
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("image.sbom: %v", err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.Metadata == nil || bom.Metadata.Component == nil {
		t.Fatalf("image.sbom: spec %s, metadata %+v: want CycloneDX 1.6 with the image as its component", bom.SpecVersion, bom.Metadata)
	}
	subject := bom.Metadata.Component
	purl, err := packageurl.FromString(subject.PackageURL)
	if err != nil || purl.Type != packageurl.TypeOCI || purl.Version != digest || subject.Version != digest {
		t.Errorf("the SBOM's subject is %s %s (%v), want the image's digest %s in a pkg:oci purl", subject.Version, subject.PackageURL, err, digest)
	}

	type dist struct{ version, url, sha256 string }
	gotDists := map[string]dist{}
	var gotPaths []string
	for _, c := range *bom.Components {
		if strings.HasPrefix(c.BOMRef, "/nix/store/") {
			gotPaths = append(gotPaths, c.BOMRef)
			continue
		}
		d := dist{version: c.Version}
		if c.Hashes != nil && c.ExternalReferences != nil {
			d.sha256 = (*c.Hashes)[0].Value
			d.url = (*c.ExternalReferences)[0].URL
		}
		if c.PackageURL != "pkg:pypi/"+c.Name+"@"+c.Version {
			t.Errorf("%s: purl %s, want pkg:pypi/%s@%s", c.Name, c.PackageURL, c.Name, c.Version)
		}
		if c.Licenses == nil || len(*c.Licenses) == 0 {
			t.Errorf("%s: no license from its installed metadata", c.Name)
		}
		if !strings.HasPrefix(propertyValues(c), "/nix/store/") {
			t.Errorf("%s: no %s property", c.Name, sbom.PropStorePath)
		}
		gotDists[c.Name] = d
	}

	// The lock's distributions for the target: the project's dependencies, transitively, whose markers hold.
	lockData, err := os.ReadFile(filepath.Join(dir, "uv.lock"))
	if err != nil {
		t.Fatal(err)
	}
	lock, err := lockfile.Parse("uv.lock", lockData)
	if err != nil {
		t.Fatal(err)
	}
	env, err := pep508.NewEnv("3.11", "x86_64-linux")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*lockfile.Package{}
	for _, p := range lock.Packages {
		byName[p.Name] = p
	}
	wantDists := map[string]dist{}
	queue := []string{"flask-app"}
	for len(queue) > 0 {
		p := byName[queue[0]]
		queue = queue[1:]
		for _, d := range p.Deps {
			if ok, err := pep508.EvalMarker(d.Marker, env); err != nil || !ok {
				continue
			}
			if _, seen := wantDists[d.Name]; seen {
				continue
			}
			dep := byName[d.Name]
			// flask_app's lock has one universal wheel per distribution.
			w := dep.Wheels[0]
			wantDists[d.Name] = dist{version: dep.Version, url: w.URL, sha256: w.SHA256}
			queue = append(queue, d.Name)
		}
	}
	if len(wantDists) < 5 {
		t.Fatalf("uv.lock gave %d distributions: %v", len(wantDists), wantDists)
	}
	if !maps.Equal(gotDists, wantDists) {
		t.Errorf("the SBOM lists the distributions\n%v\nwant the lock's\n%v", gotDists, wantDists)
	}

	out, err := exec.Command("nix-store", "-qR", outPath).Output()
	if err != nil {
		t.Fatalf("nix-store -qR %s: %v", outPath, err)
	}
	wantPaths := strings.Fields(string(out))
	slices.Sort(wantPaths)
	slices.Sort(gotPaths)
	if !slices.Equal(gotPaths, wantPaths) {
		t.Errorf("the SBOM lists the store paths\n%s\nwant the closure's\n%s", strings.Join(gotPaths, "\n"), strings.Join(wantPaths, "\n"))
	}
}

func propertyValues(c cdx.Component) string {
	var out []string
	if c.Properties != nil {
		for _, p := range *c.Properties {
			if p.Name == sbom.PropStorePath {
				out = append(out, p.Value)
			}
		}
	}
	return strings.Join(out, " ")
}
