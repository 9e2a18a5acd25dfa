package buildcmd

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/layerreport"
	"github.com/nixpy/rules_nixpy/tools/ociimage"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

// TestExplain builds an image of a fake store with nixpy image --explain-json, and plans it with nixpy plan
// --explain-json, whose report nixpy explain completes from the layout: both give the layers' digests as the
// manifest lists them, and an image compared with itself shares every layer.
func TestExplain(t *testing.T) {
	s := storetest.New(t)
	lib := s.Add(t, "llllllll-lib", nil, []storetest.File{{Name: "lib/libfoo.so", Data: strings.Repeat("lib", 1000), Mode: 0o555}})
	top := s.Add(t, "aaaaaaaa-app", []string{lib}, []storetest.File{{Name: "bin/app", Data: "#!/bin/sh\n", Mode: 0o555}})
	dir := t.TempDir()
	closureFile := filepath.Join(dir, "closure.json")
	if err := ociimage.WriteJSON(closureFile, s.Closure(t)); err != nil {
		t.Fatal(err)
	}
	common := []string{"--closure", closureFile, "--top", top, "--store-dir", s.Dir, "--entrypoint", top + "/bin/app"}
	run := func(cmd func([]string, io.Writer, io.Writer) error, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := cmd(args, &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		return stdout.String()
	}
	read := func(file string) *layerreport.Report {
		t.Helper()
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := layerreport.ReadJSON(file, data)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	layout := filepath.Join(dir, "image.oci")
	digest := strings.TrimSpace(run(runImage, append(common, "--out", layout, "--explain-json", filepath.Join(dir, "image.json"))...))
	img, err := ociimage.ReadLayout(layout)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, r *layerreport.Report) {
		t.Helper()
		if r.Digest != digest || len(r.Layers) != len(m.Layers) || r.StorePaths != 2 {
			t.Fatalf("%s: %+v, want digest %s and %d layers of 2 store paths", what, r, digest, len(m.Layers))
		}
		for i, l := range r.Layers {
			if l.Digest != m.Layers[i].Digest.String() || l.Size != m.Layers[i].Size {
				t.Errorf("%s: layer %d is %s (%d bytes), the manifest's %s (%d)", what, i+1, l.Digest, l.Size, m.Layers[i].Digest, m.Layers[i].Size)
			}
		}
		if l := r.Layers[len(r.Layers)-1]; l.Kind != layerreport.KindTop || len(l.Paths) != 1 || l.Paths[0].Path != top {
			t.Errorf("%s: top layer %+v, want %s alone", what, l, top)
		}
	}
	check("nixpy image --explain-json", read(filepath.Join(dir, "image.json")))

	planned := filepath.Join(dir, "plan.json")
	var slots []string
	for i := 0; i < 4; i++ {
		slots = append(slots, "--layer-out", filepath.Join(dir, "layer"+string(rune('0'+i))+".json"))
	}
	run(runPlan, append(append(common, "--config-out", filepath.Join(dir, "config.json"), "--explain-json", planned), slots...)...)
	if r := read(planned); r.Digest != "" || r.Layers[0].Digest != "" {
		t.Errorf("nixpy plan's report has digests before any layer is built: %+v", r)
	}
	md := filepath.Join(dir, "image.md")
	out := filepath.Join(dir, "explain.json")
	run(runExplain, "--plan", planned, "--layout", layout, "--name", "//app:image", "--other", "//app:same="+layout, "--json-out", out, "--markdown-out", md)
	r := read(out)
	check("nixpy explain", r)
	for _, l := range r.Layers {
		if len(l.SharedWith) != 1 || l.SharedWith[0] != "//app:same" {
			t.Errorf("layer %d shared with %v, want //app:same", l.Index, l.SharedWith)
		}
	}
	text, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "# Layers of `//app:image`") || !strings.Contains(string(text), "`"+top+"`") {
		t.Errorf("Markdown:\n%s", text)
	}
}
