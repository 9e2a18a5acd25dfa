package translate

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var benchDir = flag.String("bench-dir", "", "TestWriteBenchProject writes the generated 300-package project here (for dev/bench/translate.sh)")

// benchProject generates a project of n locked packages: each has an sdist and a pure wheel,
// each depends on up to three earlier ones, some through markers and extras, and the project
// depends directly on every tenth. Hashes are sha256 of the file names, consistent but not real.
func benchProject(n int) (pyproject, lock []byte) {
	var lb, pb strings.Builder
	lb.WriteString("version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n\n")
	var direct []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("pkg-%03d", i)
		version := fmt.Sprintf("%d.%d.%d", 1+i%7, i%13, i%5)
		if i%10 == 0 {
			direct = append(direct, fmt.Sprintf("%q", name+">="+fmt.Sprintf("%d.0", 1+i%7)))
		}
		fmt.Fprintf(&lb, "[[package]]\nname = %q\nversion = %q\nsource = { registry = \"https://pypi.org/simple\" }\n", name, version)
		var deps []string
		for k := 1; k <= 3 && i-k*7 >= 0; k++ {
			dep := fmt.Sprintf("pkg-%03d", i-k*7)
			switch k {
			case 2:
				deps = append(deps, fmt.Sprintf("{ name = %q, marker = \"sys_platform == 'linux' and python_full_version >= '3.10'\" }", dep))
			case 3:
				deps = append(deps, fmt.Sprintf("{ name = %q, marker = \"sys_platform == 'win32'\" }", dep))
			default:
				deps = append(deps, fmt.Sprintf("{ name = %q }", dep))
			}
		}
		if len(deps) > 0 {
			fmt.Fprintf(&lb, "dependencies = [\n    %s,\n]\n", strings.Join(deps, ",\n    "))
		}
		file := strings.ReplaceAll(name, "-", "_") + "-" + version
		fmt.Fprintf(&lb, "sdist = { url = \"https://files.pythonhosted.org/packages/aa/bb/%s.tar.gz\", hash = \"sha256:%s\", size = 12345 }\n", file, fakeHash(file+".tar.gz"))
		fmt.Fprintf(&lb, "wheels = [\n    { url = \"https://files.pythonhosted.org/packages/cc/dd/%s-py3-none-any.whl\", hash = \"sha256:%s\", size = 23456 },\n", file, fakeHash(file+".whl"))
		fmt.Fprintf(&lb, "    { url = \"https://files.pythonhosted.org/packages/ee/ff/%s-cp312-cp312-win_amd64.whl\", hash = \"sha256:%s\", size = 34567 },\n]\n\n", file, fakeHash(file+"win"))
	}
	fmt.Fprintf(&pb, "[project]\nname = \"bench\"\nversion = \"1.0\"\nrequires-python = \">=3.12\"\ndependencies = [%s]\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n", strings.Join(direct, ", "))
	fmt.Fprintf(&lb, "[[package]]\nname = \"bench\"\nversion = \"1.0\"\nsource = { editable = \".\" }\n")
	return []byte(pb.String()), []byte(lb.String())
}

func fakeHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

var benchOpts = Options{Mode: "lock", Python: "3.12", System: "x86_64-linux"}

func BenchmarkTranslate300(b *testing.B) {
	py, lock := benchProject(300)
	b.SetBytes(int64(len(py) + len(lock)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Translate(Input{Name: "pyproject.toml", Data: py}, &Input{Name: "uv.lock", Data: lock}, benchOpts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchProject(t *testing.T) {
	py, lock := benchProject(300)
	out, err := Translate(Input{Name: "pyproject.toml", Data: py}, &Input{Name: "uv.lock", Data: lock}, benchOpts)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "buildPythonPackage {"); n < 250 {
		t.Errorf("the generated project installs %d packages, want most of 300", n)
	}
	if *benchDir == "" {
		return
	}
	for name, data := range map[string][]byte{"pyproject.toml": py, "uv.lock": lock} {
		if err := os.WriteFile(filepath.Join(*benchDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
