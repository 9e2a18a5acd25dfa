package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

// cosignCmd runs the rig's cosign and returns its combined output and error.
func cosignCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("cosign")
	if err != nil {
		t.Fatal("cosign not found on PATH: dev/setup builds it into the rig (go install github.com/sigstore/cosign/v2/cmd/cosign)")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// TestSignAndAttest: `bazel run` of a nixpy_sign target pushes the image to a real docker-registry, signs its
// digest with a key and attests the SBOM and the SLSA provenance, offline (no transparency log); the real
// cosign CLI verifies all three, and fails them for another image pushed under the same tag.
func TestSignAndAttest(t *testing.T) {
	ws := workspace(t)
	reg := registrytest.Start(t, false)
	keys := t.TempDir()
	t.Setenv("COSIGN_PASSWORD", "")
	cmd := exec.Command("cosign", "generate-key-pair")
	cmd.Dir = keys
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	pub := filepath.Join(keys, "cosign.pub")
	pkg := scratchPackage(t, "sign", fmt.Sprintf(`load("//rules:defs.bzl", "nixpy_push", "nixpy_sign", "py_nix_image")

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

nixpy_push(
    name = "push",
    image = ":image",
    insecure = True,
    remote_tags = ["latest"],
    repository = "%s/signed",
)

nixpy_sign(
    name = "sign",
    builder_id = "https://example.com/e2e",
    key = %q,
    nixpkgs_revision = "0123456789abcdef0123456789abcdef01234567",
    push = ":push",
    pyproject = "pyproject.toml",
    tlog_upload = False,
)
`, reg.Host, filepath.Join(keys, "cosign.key")))
	out, stderr, err := bazelStreams(ws, "run", "//"+pkg+":sign")
	if err != nil {
		t.Fatalf("bazel run //%s:sign: %v", pkg, err)
	}
	digest := bazelBin(t, ws, pkg+"/image.digest")
	ref := reg.Host + "/signed@" + digest
	if !strings.Contains(out, ref) {
		t.Errorf("sign printed %q, want %s\n%s", out, ref, tail(stderr, 20))
	}

	// The push attached the image's SBOM as its referrer, through the referrers tag schema: docker-registry 2.8
	// has no Referrers API.
	sbom := bazelBin(t, ws, pkg+"/image.sbom")
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatal(err)
	}
	if got := referredSBOM(t, d); got != sbom {
		t.Errorf("the SBOM referrer of %s differs from bazel-bin/%s/image.sbom", ref, pkg)
	}
	if got := registrytest.Crane(t, "digest", reg.Host+"/signed:"+strings.Replace(digest, ":", "-", 1)); got == "" {
		t.Errorf("no referrers tag for %s", digest)
	}

	verify := []string{"--key", pub, "--insecure-ignore-tlog", "--allow-insecure-registry"}
	for _, tagged := range []string{ref, reg.Host + "/signed:latest"} {
		if out, err := cosignCmd(t, append(append([]string{"verify"}, verify...), tagged)...); err != nil {
			t.Errorf("cosign verify %s: %v\n%s", tagged, err, out)
		}
	}
	for _, kind := range []string{"cyclonedx", "slsaprovenance1"} {
		out, err := cosignCmd(t, append(append([]string{"verify-attestation", "--type", kind}, verify...), ref)...)
		if err != nil {
			t.Errorf("cosign verify-attestation --type %s: %v\n%s", kind, err, out)
			continue
		}
		statement := attestedStatement(t, out)
		if len(statement.Subject) != 1 || "sha256:"+statement.Subject[0].Digest["sha256"] != digest {
			t.Errorf("%s attestation's subject %+v, want the image %s", kind, statement.Subject, digest)
		}
		if kind == "cyclonedx" && !strings.Contains(string(statement.Predicate), `"bomFormat":"CycloneDX"`) {
			t.Errorf("cyclonedx attestation's predicate is not the SBOM:\n%.300s", statement.Predicate)
		}
		if kind == "slsaprovenance1" {
			pred := string(statement.Predicate)
			for _, want := range []string{`"id":"https://example.com/e2e"`, `"gitCommit":"0123456789abcdef0123456789abcdef01234567"`, `"name":"` + pkg + `/pyproject.toml"`} {
				if !strings.Contains(pred, want) {
					t.Errorf("provenance predicate lacks %s:\n%s", want, pred)
				}
			}
		}
	}

	// Another image under the same tag: it has no signature of this key.
	registrytest.Crane(t, "mutate", "--label", "tampered=yes", reg.Host+"/signed:latest")
	if out, err := cosignCmd(t, append(append([]string{"verify"}, verify...), reg.Host+"/signed:latest")...); err == nil {
		t.Errorf("cosign verify of a tampered :latest passed:\n%s", out)
	}
	if out, err := cosignCmd(t, append(append([]string{"verify-attestation", "--type", "slsaprovenance1"}, verify...), reg.Host+"/signed:latest")...); err == nil {
		t.Errorf("cosign verify-attestation of a tampered :latest passed:\n%s", out)
	}
}

// statement is the in-toto statement inside a DSSE envelope that cosign verify-attestation prints.
type statement struct {
	Subject []struct {
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate json.RawMessage `json:"predicate"`
}

func attestedStatement(t *testing.T, out string) statement {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		var envelope struct {
			Payload string `json:"payload"`
		}
		if json.Unmarshal([]byte(line), &envelope) != nil || envelope.Payload == "" {
			continue
		}
		payload, err := base64.StdEncoding.DecodeString(envelope.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var s statement
		if err := json.Unmarshal(payload, &s); err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, s.Predicate); err != nil {
			t.Fatal(err)
		}
		s.Predicate = compact.Bytes()
		return s
	}
	t.Fatalf("no attestation in cosign's output:\n%s", out)
	return statement{}
}

// referredSBOM finds the CycloneDX artifact among the image's referrers and returns its one blob.
func referredSBOM(t *testing.T, image name.Digest) string {
	t.Helper()
	idx, err := remote.Referrers(image)
	if err != nil {
		t.Fatalf("referrers of %s: %v", image, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range m.Manifests {
		if desc.ArtifactType != "application/vnd.cyclonedx+json" {
			continue
		}
		artifact, err := remote.Image(image.Context().Digest(desc.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		layers, err := artifact.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("SBOM artifact %s: layers %v, %v", desc.Digest, layers, err)
		}
		rc, err := layers[0].Compressed()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(data))
	}
	t.Fatalf("no CycloneDX referrer of %s among %+v", image, m.Manifests)
	return ""
}
