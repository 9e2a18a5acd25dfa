package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExampleRefName: examples/flask_app's image layout names its image after the target (index.json's
// org.opencontainers.image.ref.name), so Debian's skopeo and umoci take it as oci:DIR:image and --image
// DIR:image, and skopeo's copy keeps the digest Bazel reports.
func TestExampleRefName(t *testing.T) {
	for _, tool := range []string{"skopeo", "umoci"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not on PATH: the rig installs Debian's (dev/rig/versions.sh); rerun dev/setup", tool)
		}
	}
	dir := exampleDir(t, "flask_app")
	bazel(t, dir, "build", "--output_groups=+digest", "//:image")
	bin := strings.TrimSpace(bazel(t, dir, "info", "bazel-bin"))
	layout := filepath.Join(bin, "image.oci")
	digest := bazelBin(t, dir, "image.digest")

	var index struct {
		Manifests []struct {
			Digest      string
			Annotations map[string]string
		}
	}
	readJSON(t, filepath.Join(layout, "index.json"), &index)
	if len(index.Manifests) != 1 || index.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "image" || index.Manifests[0].Digest != digest {
		t.Fatalf("index.json = %+v, want one manifest %s named image", index, digest)
	}

	work := t.TempDir()
	copied := filepath.Join(work, "copy")
	if out, err := exec.Command("skopeo", "--insecure-policy", "copy", "oci:"+layout+":image", "oci:"+copied+":flask-app").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy oci:%s:image: %v\n%s", layout, err, out)
	}
	out, err := exec.Command("skopeo", "inspect", "--format", "{{.Digest}}", "oci:"+copied+":flask-app").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != digest {
		t.Errorf("skopeo inspect of the copy: %v %q, want digest %s", err, out, digest)
	}
	bundle := filepath.Join(work, "bundle")
	if out, err := exec.Command("umoci", "unpack", "--rootless", "--image", layout+":image", bundle).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack --image %s:image: %v\n%s", layout, err, out)
	}
	if _, err := os.Stat(filepath.Join(bundle, "rootfs", "nix", "store")); err != nil {
		t.Errorf("umoci's rootfs has no /nix/store: %v", err)
	}
}
