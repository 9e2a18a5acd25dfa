package ociimage

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefName: --ref-name names the image on its descriptor in index.json, leaving the manifest and the
// digest as they are; a name outside the OCI layout's grammar is refused. Where skopeo and umoci are
// installed (the rig has Debian's), they find the image by that name.
func TestRefName(t *testing.T) {
	f := newFixture(t)
	work := t.TempDir()
	plain, err := Build(f.options(t), filepath.Join(work, "plain"), "")
	if err != nil {
		t.Fatal(err)
	}
	opts := f.options(t)
	opts.RefName = "app_x:1.0"
	named, err := Build(opts, filepath.Join(work, "named"), "")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Digest != named.Digest {
		t.Errorf("digest %s with a ref name, %s without: want the same", named.Digest, plain.Digest)
	}
	var index struct {
		Manifests []struct {
			Digest      string
			Annotations map[string]string
		}
	}
	data, err := os.ReadFile(filepath.Join(work, "named", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 1 || index.Manifests[0].Annotations[RefNameAnnotation] != "app_x:1.0" || index.Manifests[0].Digest != named.Digest.String() {
		t.Errorf("index.json = %s, want one manifest %s named app_x:1.0", data, named.Digest)
	}
	checkOCILayout(t, filepath.Join(work, "named"))
	if data, _ := os.ReadFile(filepath.Join(work, "plain", "index.json")); strings.Contains(string(data), RefNameAnnotation) {
		t.Errorf("index.json without --ref-name names the image: %s", data)
	}

	for _, bad := range []string{"app__1", "-app", "app/", "app::1", "äpp", "app 1"} {
		opts.RefName = bad
		if _, err := Plan(opts); err == nil || !strings.Contains(err.Error(), "--ref-name") {
			t.Errorf("ref name %q: err = %v, want a --ref-name error", bad, err)
		}
	}

	layoutDir := filepath.Join(work, "named")
	if skopeo, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command(skopeo, "--insecure-policy", "copy", "oci:"+layoutDir+":app_x:1.0", "oci:"+filepath.Join(work, "copy")+":copied").CombinedOutput()
		if err != nil {
			t.Errorf("skopeo copy oci:DIR:app_x:1.0: %v\n%s", err, out)
		}
		out, err = exec.Command(skopeo, "inspect", "--raw", "oci:"+layoutDir+":app_x:1.0").CombinedOutput()
		if err != nil {
			t.Errorf("skopeo inspect oci:DIR:app_x:1.0: %v\n%s", err, out)
		}
		if _, err := exec.Command(skopeo, "inspect", "--raw", "oci:"+layoutDir+":other").CombinedOutput(); err == nil {
			t.Error("skopeo found an image named other")
		}
	} else {
		t.Log("skopeo not installed: its check skipped")
	}
	if umoci, err := exec.LookPath("umoci"); err == nil {
		bundle := filepath.Join(work, "bundle")
		out, err := exec.Command(umoci, "unpack", "--rootless", "--image", layoutDir+":app_x:1.0", bundle).CombinedOutput()
		if err != nil {
			t.Errorf("umoci unpack --image DIR:app_x:1.0: %v\n%s", err, out)
		} else if _, err := os.Lstat(filepath.Join(bundle, "rootfs", strings.TrimPrefix(f.top, "/"), "bin", "app")); err != nil {
			t.Errorf("umoci's rootfs lacks the app: %v", err)
		}
	} else {
		t.Log("umoci not installed: its check skipped")
	}
}
