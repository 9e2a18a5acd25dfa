package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/layerreport"
)

// TestExampleExplain: the output group explain of examples/flask_app's image describes its layers, the
// manifest's, in order: JSON with each layer's digest and store paths, and Markdown with a table per layer.
func TestExampleExplain(t *testing.T) {
	dir := exampleDir(t, "flask_app")
	bazel(t, dir, "build", "--output_groups=explain", "//:image")
	bin := strings.TrimSpace(bazel(t, dir, "info", "bazel-bin"))
	data, err := os.ReadFile(filepath.Join(bin, "image.explain.json"))
	if err != nil {
		t.Fatal(err)
	}
	report, err := layerreport.ReadJSON("image.explain.json", data)
	if err != nil {
		t.Fatal(err)
	}
	bazel(t, dir, "build", "--output_groups=+digest", "//:image")
	if digest := bazelBin(t, dir, "image.digest"); report.Image != "//:image" || report.Digest != digest {
		t.Errorf("report of %q, digest %s: want //:image, %s", report.Image, report.Digest, digest)
	}
	var manifest struct {
		Layers []struct{ Digest string }
	}
	readManifest(t, filepath.Join(bin, "image.oci"), &manifest)
	if len(report.Layers) != len(manifest.Layers) {
		t.Fatalf("report has %d layers, the manifest %d", len(report.Layers), len(manifest.Layers))
	}
	paths := 0
	for i, l := range report.Layers {
		if l.Digest != manifest.Layers[i].Digest || l.Index != i+1 || l.Why == "" {
			t.Errorf("layer %d: %+v, want the manifest's digest %s and a reason", i+1, l, manifest.Layers[i].Digest)
		}
		paths += len(l.Paths)
	}
	if top := report.Layers[len(report.Layers)-1]; top.Kind != layerreport.KindTop || len(top.Paths) != 1 || !strings.HasSuffix(top.Paths[0].Path, "-flask-app-0.1.0") {
		t.Errorf("top layer %+v, want the application alone", top)
	}
	if paths != report.StorePaths {
		t.Errorf("the layers hold %d store paths, the closure %d", paths, report.StorePaths)
	}
	md := bazelBin(t, dir, "image.explain.md")
	for _, want := range []string{"# Layers of `//:image`", "| # | Kind | Digest |", "## Layer 1 (store)", "| Store path | Size | Needed by |", "-flask-app-0.1.0`"} {
		if !strings.Contains(md, want) {
			t.Errorf("image.explain.md lacks %q:\n%s", want, md)
		}
	}
	t.Logf("image.explain.md:\n%s", md)
}
