package translate

import (
	"bytes"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/lockfile"
	"github.com/nixpy/rules_nixpy/tools/nixexpr"
	"github.com/nixpy/rules_nixpy/tools/nixexpr/nixexprtest"
)

func TestManylinuxList(t *testing.T) {
	for file, want := range map[string]string{
		"greenlet-3.3.2-cp312-cp312-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl":      "manylinux2014",
		"greenlet-2.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl":       "manylinux2014",
		"numpy-1.21.0-cp39-cp39-manylinux_2_12_x86_64.manylinux2010_x86_64.whl":           "manylinux2010",
		"simplejson-3.17.0-cp38-cp38-manylinux1_x86_64.whl":                               "manylinux1",
		"pyyaml-6.0-cp36-cp36m-manylinux_2_5_x86_64.manylinux1_x86_64.whl":                "manylinux1",
		"mix-1.0-cp311-cp311-manylinux1_x86_64.manylinux2014_x86_64.whl":                  "manylinux2014",
		"cffi-1.17.1-cp313-cp313-musllinux_1_1_aarch64.whl":                               "manylinux2014",
		"mappy-2.24-cp311-cp311-manylinux_2_34_x86_64.whl":                                "manylinux2014",
		"flask-2.2.2-py3-none-any.whl":                                                    "",
		"greenlet-3.3.2-cp313-cp313-macosx_11_0_universal2.whl":                           "",
		"greenlet-3.3.2-cp313-cp313-win_amd64.whl":                                        "",
		"build_tagged-1.0-1-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl": "manylinux2014",
		"torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl":                                    "manylinux2014",
		"notawheel.whl": "",
	} {
		if got := manylinuxList(wheelPlatforms(file)); got != want {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
	}
}

func TestArtifactFilename(t *testing.T) {
	if got := artifactFilename("", "https://download.pytorch.org/whl/cpu/torch-2.5.1%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=00"); got != "torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl" {
		t.Errorf("from URL: %q", got)
	}
	if got := artifactFilename("a-1-py3-none-any.whl", "https://x/b.whl"); got != "a-1-py3-none-any.whl" {
		t.Errorf("the lock's file name first: %q", got)
	}
}

// A pure wheel gets neither autoPatchelfHook nor libraries (its closure must not grow); a flat lock
// or a cut cycle gets no import check.
func TestWheelNativeOnlyForBinaryWheels(t *testing.T) {
	emit := func(filename string, flat bool, cut []string) string {
		var w nixexpr.Writer
		n := &node{artifact: lockfile.Artifact{Filename: filename, URL: "https://example.org/" + filename}, wheel: true, cut: cut}
		writeWheelNative(&w, n)
		writeWheelImportsCheck(&w, n, flat)
		return string(w.Bytes())
	}
	pure := emit("flask-2.2.2-py3-none-any.whl", false, nil)
	if bytes.Contains([]byte(pure), []byte("autoPatchelfHook")) || bytes.Contains([]byte(pure), []byte("dontStrip")) {
		t.Errorf("pure wheel patched:\n%s", pure)
	}
	if !bytes.Contains([]byte(pure), []byte("postInstall = nixpy.importsFromRecord;")) {
		t.Errorf("pure wheel without import check:\n%s", pure)
	}
	native := emit("greenlet-2.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", false, nil)
	for _, want := range []string{"nativeBuildInputs = [ pkgs.autoPatchelfHook ];", "buildInputs = pkgs.pythonManylinuxPackages.manylinux2014;", "dontStrip = true;"} {
		if !bytes.Contains([]byte(native), []byte(want)) {
			t.Errorf("binary wheel lacks %q:\n%s", want, native)
		}
	}
	if err := nixexprtest.Check([]byte("{\n" + native + "}\n")); err != nil {
		t.Errorf("structural check: %v\n%s", err, native)
	}
	for _, s := range []string{emit("flask-2.2.2-py3-none-any.whl", true, nil), emit("flask-2.2.2-py3-none-any.whl", false, []string{"x"})} {
		if bytes.Contains([]byte(s), []byte("importsFromRecord")) {
			t.Errorf("import check without a complete graph:\n%s", s)
		}
	}
}
