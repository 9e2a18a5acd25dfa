package wheeltags

import (
	"slices"
	"testing"
)

var (
	linux311 = Target{PythonMajor: 3, PythonMinor: 11, OS: "linux", Machine: "x86_64", Libc: "glibc", LibcMajor: 2, LibcMinor: 40}
	musl312  = Target{PythonMajor: 3, PythonMinor: 12, OS: "linux", Machine: "aarch64", Libc: "musl", LibcMajor: 1, LibcMinor: 2}
	mac313   = Target{PythonMajor: 3, PythonMinor: 13, OS: "darwin", Machine: "arm64", MacOSMajor: 11, MacOSMinor: 0}
	oldGlibc = Target{PythonMajor: 3, PythonMinor: 11, OS: "linux", Machine: "x86_64", Libc: "glibc", LibcMajor: 2, LibcMinor: 17}
)

func TestBest(t *testing.T) {
	markupsafe := []string{
		"markupsafe-3.0.3-cp313-cp313-macosx_11_0_arm64.whl",
		"markupsafe-3.0.3-cp313-cp313-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
		"markupsafe-3.0.3-cp313-cp313-musllinux_1_2_aarch64.whl",
		"markupsafe-3.0.3-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
		"markupsafe-3.0.3-cp311-cp311-musllinux_1_2_x86_64.whl",
		"markupsafe-3.0.3-cp312-cp312-musllinux_1_2_aarch64.whl",
		"markupsafe-3.0.3-cp313-cp313t-macosx_11_0_arm64.whl",
	}
	tests := []struct {
		name   string
		target Target
		files  []string
		want   string
	}{
		{"cpython manylinux", linux311, markupsafe, markupsafe[3]},
		{"musllinux", musl312, markupsafe, markupsafe[5]},
		{"macos, not free-threaded", mac313, markupsafe, markupsafe[0]},
		{"pure python", linux311, []string{"flask-3.1.3-py3-none-any.whl"}, "flask-3.1.3-py3-none-any.whl"},
		{"py2.py3 compressed", linux311, []string{"colorama-0.4.6-py2.py3-none-any.whl"}, "colorama-0.4.6-py2.py3-none-any.whl"},
		{"specific beats abi3 beats pure", linux311, []string{
			"x-1-py3-none-any.whl",
			"x-1-cp39-abi3-manylinux_2_28_x86_64.whl",
			"x-1-cp311-cp311-manylinux_2_17_x86_64.whl",
		}, "x-1-cp311-cp311-manylinux_2_17_x86_64.whl"},
		{"abi3 from an older cpython", linux311, []string{"cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl", "cryptography-44.0.0-cp39-abi3-win_amd64.whl"}, "cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl"},
		{"abi3 from a newer cpython is out", linux311, []string{"x-1-cp312-abi3-manylinux_2_17_x86_64.whl"}, ""},
		{"glibc too old", oldGlibc, []string{"x-1-cp311-cp311-manylinux_2_28_x86_64.whl"}, ""},
		{"manylinux1 on new glibc", linux311, []string{"x-1-cp311-cp311-manylinux1_x86_64.whl"}, "x-1-cp311-cp311-manylinux1_x86_64.whl"},
		{"newer manylinux preferred", linux311, []string{"x-1-cp311-cp311-manylinux_2_17_x86_64.whl", "x-1-cp311-cp311-manylinux_2_28_x86_64.whl"}, "x-1-cp311-cp311-manylinux_2_28_x86_64.whl"},
		{"wrong machine", linux311, []string{"x-1-cp311-cp311-manylinux_2_17_aarch64.whl"}, ""},
		{"windows only", linux311, []string{"x-1-cp311-cp311-win_amd64.whl"}, ""},
		{"build tag", linux311, []string{"x-1-2b-py3-none-any.whl"}, "x-1-2b-py3-none-any.whl"},
		{"not a wheel", linux311, []string{"x-1.tar.gz"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := NewSelector(tt.target).Best(tt.files)
			got := ""
			if i >= 0 {
				got = tt.files[i]
			}
			if got != tt.want {
				t.Errorf("Best = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTagsOrder(t *testing.T) {
	tags := linux311.Tags()
	idx := func(tag string) int {
		i := slices.Index(tags, tag)
		if i < 0 {
			t.Fatalf("tag %s missing", tag)
		}
		return i
	}
	order := []string{
		"cp311-cp311-manylinux_2_40_x86_64",
		"cp311-cp311-manylinux2014_x86_64",
		"cp311-cp311-linux_x86_64",
		"cp311-abi3-manylinux_2_40_x86_64",
		"cp32-abi3-linux_x86_64",
		"cp311-none-manylinux_2_17_x86_64",
		"py311-none-manylinux_2_17_x86_64",
		"py3-none-linux_x86_64",
		"cp311-none-any",
		"py311-none-any",
		"py3-none-any",
		"py30-none-any",
	}
	for i := 1; i < len(order); i++ {
		if idx(order[i-1]) >= idx(order[i]) {
			t.Errorf("%s should come before %s", order[i-1], order[i])
		}
	}
}

func TestParseFilenameRejects(t *testing.T) {
	for _, f := range []string{"x.whl", "a-b-c.whl", "a-1-py3-none-any.zip", "a-1-2-3-py3-none-any.whl"} {
		if _, err := ParseFilename(f); err == nil {
			t.Errorf("ParseFilename(%q): want an error", f)
		}
	}
}
