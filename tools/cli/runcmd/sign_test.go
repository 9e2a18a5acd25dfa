package runcmd

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/ociimage"
	"github.com/nixpy/rules_nixpy/tools/provenance"
	"github.com/nixpy/rules_nixpy/tools/registrytest"
	"github.com/nixpy/rules_nixpy/tools/storetest"
	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// The tests run the rig's docker-registry and cosign: the rig is an input (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m) }

// image writes an image layout whose one store path prints msg.
func image(t *testing.T, msg string) string {
	t.Helper()
	s := storetest.New(t)
	top := s.Add(t, "aaaaaaaa-app", nil, []storetest.File{{Name: "bin/app", Data: "#!/bin/sh\necho " + msg + "\n", Mode: 0o555}})
	out := filepath.Join(t.TempDir(), "image")
	if _, err := ociimage.Build(ociimage.Options{Closure: s.Closure(t), Top: top, DiskDir: s.Dir, MaxLayers: 2, Entrypoint: []string{top + "/bin/app"}}, out, ""); err != nil {
		t.Fatal(err)
	}
	return out
}

func run(t *testing.T, cmd func([]string, *bytes.Buffer, *bytes.Buffer) error, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := cmd(args, &stdout, &stderr); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func push(args []string, stdout, stderr *bytes.Buffer) error { return runPush(args, stdout, stderr) }
func sign(args []string, stdout, stderr *bytes.Buffer) error { return runSign(args, stdout, stderr) }

func cosignRun(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("cosign")
	if err != nil {
		t.Fatal("cosign not found on PATH: dev/setup builds it into the rig (go install github.com/sigstore/cosign/v2/cmd/cosign)")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSignVerifiedByCosign: nixpy push (with its SBOM) and nixpy sign against docker-registry, with a key and
// no transparency log; the real cosign CLI verifies the signature and both attestations, and rejects them for
// another image pushed under the same tag.
func TestSignVerifiedByCosign(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("COSIGN_PASSWORD", "")
	reg := registrytest.Start(t, false)
	dir := t.TempDir()
	if out, err := cosignRun(t, dir, "generate-key-pair"); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	sbom := filepath.Join(dir, "image.sbom")
	pyproject := filepath.Join(dir, "pyproject.toml")
	for path, text := range map[string]string{
		sbom:      `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"flask","version":"3.0.3"}]}`,
		pyproject: "[project]\nname = \"app\"\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo := reg.Host + "/signed"
	report := filepath.Join(dir, "push.json")
	ref := run(t, push, "--image", image(t, "one"), "--repository", repo, "--tag", "latest", "--sbom", sbom, "--report-file", report)
	digest := ref[strings.Index(ref, "@")+1:]

	pred, err := provenance.New(provenance.Options{
		BuilderID: "https://example.com/ci", Image: "//app:image", ImageDigest: digest,
		Inputs: []provenance.Input{{Role: "pyproject", Name: "app/pyproject.toml", Path: pyproject}},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := pred.JSON()
	if err != nil {
		t.Fatal(err)
	}
	provFile := filepath.Join(dir, "provenance.json")
	if err := os.WriteFile(provFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := run(t, sign, "--report", report, "--cosign", "cosign", "--key", filepath.Join(dir, "cosign.key"), "--tlog-upload=false",
		"--sbom", sbom, "--provenance", provFile); got != ref {
		t.Errorf("nixpy sign printed %q, want %s", got, ref)
	}

	verify := []string{"--key", filepath.Join(dir, "cosign.pub"), "--insecure-ignore-tlog", "--allow-insecure-registry"}
	for _, r := range []string{ref, repo + ":latest"} {
		if out, err := cosignRun(t, dir, append(append([]string{"verify"}, verify...), r)...); err != nil {
			t.Errorf("cosign verify %s: %v\n%s", r, err, out)
		}
	}
	for _, tt := range []struct{ kind, want string }{
		{"cyclonedx", `"name":"flask"`},
		{"slsaprovenance1", `"id":"https://example.com/ci"`},
	} {
		out, err := cosignRun(t, dir, append(append([]string{"verify-attestation", "--type", tt.kind}, verify...), ref)...)
		if err != nil {
			t.Errorf("cosign verify-attestation --type %s: %v\n%s", tt.kind, err, out)
			continue
		}
		subject, predicate := attested(t, out)
		if "sha256:"+subject != digest {
			t.Errorf("%s attestation's subject sha256:%s, want %s", tt.kind, subject, digest)
		}
		if !strings.Contains(predicate, tt.want) {
			t.Errorf("%s attestation's predicate lacks %s:\n%s", tt.kind, tt.want, predicate)
		}
	}

	// Another image under the same tag carries no signature or attestation of this key.
	run(t, push, "--image", image(t, "two"), "--repository", repo, "--tag", "latest")
	if out, err := cosignRun(t, dir, append(append([]string{"verify"}, verify...), repo+":latest")...); err == nil {
		t.Errorf("cosign verify of the other image under :latest passed:\n%s", out)
	}
	if out, err := cosignRun(t, dir, append(append([]string{"verify-attestation", "--type", "slsaprovenance1"}, verify...), repo+":latest")...); err == nil {
		t.Errorf("cosign verify-attestation of the other image under :latest passed:\n%s", out)
	}
}

// attested reads the first attestation cosign verify-attestation printed: a DSSE envelope around an in-toto
// statement. It returns the statement's subject digest (hex) and its predicate, compact.
func attested(t *testing.T, out string) (string, string) {
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
		var statement struct {
			Subject []struct {
				Digest map[string]string `json:"digest"`
			} `json:"subject"`
			Predicate json.RawMessage `json:"predicate"`
		}
		if err := json.Unmarshal(payload, &statement); err != nil {
			t.Fatal(err)
		}
		if len(statement.Subject) != 1 {
			t.Fatalf("statement subjects: %+v", statement.Subject)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, statement.Predicate); err != nil {
			t.Fatal(err)
		}
		return statement.Subject[0].Digest["sha256"], compact.String()
	}
	t.Fatalf("no attestation in cosign's output:\n%s", out)
	return "", ""
}
