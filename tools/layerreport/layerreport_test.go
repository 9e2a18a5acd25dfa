package layerreport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layering"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedPlan is a small Flask closure planned into two store layers below the application's.
func fixedPlan(t *testing.T) *layering.Plan {
	t.Helper()
	p := func(path string, size int64, refs ...string) closure.Path {
		return closure.Path{Path: path, NarHash: "sha256-x", NarSize: size, References: refs}
	}
	c := &closure.Closure{Paths: []closure.Path{
		p("/nix/store/a-glibc-2.40", 30<<20),
		p("/nix/store/b-python3-3.11.9", 100<<20, "/nix/store/a-glibc-2.40"),
		p("/nix/store/c-python3.11-flask-2.2.5", 2<<20, "/nix/store/b-python3-3.11.9"),
		p("/nix/store/d-python3.11-werkzeug-2.2.3", 3<<20, "/nix/store/b-python3-3.11.9"),
		p("/nix/store/e-flask-app-0.1.0", 20<<10, "/nix/store/c-python3.11-flask-2.2.5", "/nix/store/d-python3.11-werkzeug-2.2.3"),
	}}
	plan, err := layering.New(c, "/nix/store/e-flask-app-0.1.0", 2)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func hash(t *testing.T, hex byte) v1.Hash {
	t.Helper()
	h, err := v1.NewHash("sha256:" + string(bytes.Repeat([]byte{hex}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// fixedReport is fixedPlan with its root layer, on a one-layer base image, completed, one layer shared.
func fixedReport(t *testing.T) *Report {
	r := FromPlan(fixedPlan(t), 2)
	m := &v1.Manifest{Layers: []v1.Descriptor{{Digest: hash(t, '0'), Size: 1 << 20}}}
	for i := range r.Layers {
		m.Layers = append(m.Layers, v1.Descriptor{Digest: hash(t, byte('1'+i)), Size: int64(i+1) << 20})
	}
	if err := r.Complete("//app:image", hash(t, 'f'), m); err != nil {
		t.Fatal(err)
	}
	r.MarkShared("//worker:image", []v1.Hash{hash(t, '1'), hash(t, '2')})
	return r
}

func TestGolden(t *testing.T) {
	r := fixedReport(t)
	for _, tt := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"report.json", func(b *bytes.Buffer) error { return r.WriteJSON(b) }},
		{"report.md", func(b *bytes.Buffer) error { return r.WriteMarkdown(b) }},
	} {
		var buf bytes.Buffer
		if err := tt.write(&buf); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", tt.file)
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs from %s (go test -update to rewrite):\n%s", tt.file, golden, buf.String())
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := fixedReport(t)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON("report.json", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("read back %+v, want %+v", back, r)
	}
}

func TestFromPlanRootSharesTop(t *testing.T) {
	r := FromPlan(fixedPlan(t), -1)
	kinds := []string{}
	for _, l := range r.Layers {
		kinds = append(kinds, l.Kind)
	}
	if want := []string{KindStore, KindStore, KindTop}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	if top := r.Layers[len(r.Layers)-1]; top.Index != 3 || !bytes.HasSuffix([]byte(top.Why), []byte(topRootNote)) {
		t.Errorf("top layer %+v: want index 3 and the note that the root entries share it", top)
	}
}

func TestCompleteFewerLayers(t *testing.T) {
	r := FromPlan(fixedPlan(t), 2)
	err := r.Complete("x", hash(t, 'f'), &v1.Manifest{Layers: []v1.Descriptor{{Digest: hash(t, '1')}}})
	if err == nil || err.Error() != "the manifest has 1 layers, fewer than the plan's 4" {
		t.Errorf("error %v", err)
	}
}
