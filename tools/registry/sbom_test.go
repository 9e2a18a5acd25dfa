package registry

import (
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/nixpy/rules_nixpy/tools/ociartifact"
	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

const sbomJSON = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"flask","version":"3.0.3","purl":"pkg:pypi/flask@3.0.3"}]}`

func writeSBOM(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image.sbom")
	if err := os.WriteFile(path, []byte(sbomJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPushSBOMReferrer pushes an image with its SBOM to a registry without the Referrers API (Debian's
// docker-registry 2.8: the referrers tag schema) and to one with it (go-containerregistry's), and
// finds the SBOM as the image's referrer in both.
func TestPushSBOMReferrer(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	tests := []struct {
		name string
		host func(t *testing.T) string
		// tagSchema: the registry lacks the Referrers API, so the push keeps the sha256-HEX tag.
		tagSchema bool
	}{
		{"docker-registry 2.8, referrers tag schema", func(t *testing.T) string {
			return registrytest.NewProxy(t, registrytest.Start(t, false), registrytest.Faults{}).Host
		}, true},
		{"Referrers API", func(t *testing.T) string {
			srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)), ggcrregistry.WithReferrersSupport(true)))
			t.Cleanup(srv.Close)
			return strings.TrimPrefix(srv.URL, "http://")
		}, false},
	}
	image := newApp(t).build(t, "with an sbom")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := tt.host(t) + "/apps/sbom"
			res, progress := push(t, Options{Image: image, Repository: repo, Tags: []string{"latest"}, SBOM: writeSBOM(t)})
			if res.SBOM == nil || !strings.Contains(progress, "pushed the SBOM of "+res.Ref.String()+" as its referrer "+res.SBOM.String()) {
				t.Fatalf("push reports no SBOM referrer: %+v\n%s", res, progress)
			}
			if got := res.Report().SBOM; got != res.SBOM.String() {
				t.Errorf("report's sbom = %q, want %s", got, res.SBOM)
			}
			idx, err := remote.Referrers(res.Ref)
			if err != nil {
				t.Fatalf("referrers of %s: %v", res.Ref, err)
			}
			m, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			// go-containerregistry's registry lists the config's media type as a referrer's artifactType
			// (its handleReferrers), not the manifest's artifactType: the latter is checked on the manifest.
			if len(m.Manifests) != 1 || m.Manifests[0].Digest.String() != res.SBOM.DigestStr() ||
				(tt.tagSchema && m.Manifests[0].ArtifactType != string(ociartifact.CycloneDX)) {
				t.Fatalf("referrers of %s: %+v; want the one SBOM artifact %s", res.Ref, m.Manifests, res.SBOM.DigestStr())
			}
			artifact, err := remote.Image(*res.SBOM)
			if err != nil {
				t.Fatal(err)
			}
			am, err := artifact.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			if am.ArtifactType != string(ociartifact.CycloneDX) {
				t.Errorf("artifact's artifactType = %q, want %s", am.ArtifactType, ociartifact.CycloneDX)
			}
			if am.Subject == nil || am.Subject.Digest.String() != res.Ref.DigestStr() || am.Config.MediaType != "application/vnd.oci.empty.v1+json" || am.Config.Size != 2 {
				t.Errorf("artifact manifest: subject %+v, config %+v; want the image and the empty config", am.Subject, am.Config)
			}
			layers, err := artifact.Layers()
			if err != nil || len(layers) != 1 {
				t.Fatalf("artifact layers: %v, %v", layers, err)
			}
			rc, err := layers[0].Compressed()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, []byte(sbomJSON)) {
				t.Errorf("SBOM blob = %s, want %s", got, sbomJSON)
			}
			r, _ := name.NewRepository(repo)
			tags, err := remote.List(r)
			if err != nil {
				t.Fatal(err)
			}
			fallback := strings.Replace(res.Ref.DigestStr(), ":", "-", 1)
			if hasTag := strings.Contains(" "+strings.Join(tags, " ")+" ", " "+fallback+" "); hasTag != tt.tagSchema {
				t.Errorf("tags %v: referrers tag %s present = %v, want %v", tags, fallback, hasTag, tt.tagSchema)
			}
			// Pushing again adds no second referrer.
			push(t, Options{Image: image, Repository: repo, SBOM: writeSBOM(t)})
			if idx, err = remote.Referrers(res.Ref); err != nil {
				t.Fatal(err)
			}
			if m, _ := idx.IndexManifest(); len(m.Manifests) != 1 {
				t.Errorf("after a second push: %d referrers, want 1", len(m.Manifests))
			}
		})
	}
}
