package translate

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/nixexpr/nixexprtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// goldenCase is one realistic project under testdata/DIR translated with opts into
// testdata/DIR/OUT. Lock files come from real projects (pallets/flask's uv.lock files) or
// were written from their entries: real names, versions, URLs and sha256 hashes.
//
// Without opts.Python the interpreter is chosen: pythonVersionFile names a .python-version under
// testdata/DIR, else requires-python decides.
type goldenCase struct {
	dir, lock, out    string
	pythonVersionFile string
	opts              Options
}

var goldenCases = []goldenCase{
	{"uv-celery", "uv.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.13", System: "x86_64-linux"}},
	{"uv-celery", "uv.lock", "nixpkgs.nix", ".python-version", Options{Mode: "nixpkgs", System: "x86_64-linux"}},
	{"uv-flask", "uv.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.12", System: "x86_64-linux", Extras: []string{"async", "dotenv"}, Groups: []string{"tests"}}},
	{"poetry1", "poetry.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.12", System: "x86_64-linux", Extras: []string{"redis"}}},
	{"poetry1", "", "nixpkgs.nix", "", Options{Mode: "nixpkgs", System: "x86_64-linux", Extras: []string{"redis"}}},
	{"poetry2", "poetry.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.13", System: "aarch64-darwin", Extras: []string{"redis"}}},
	{"pdm", "pdm.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.13", System: "x86_64-linux", Groups: []string{"test"}}},
	{"pdm-app", "pdm.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.13", System: "x86_64-linux"}},
	{"poetry10", "poetry.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.12", System: "x86_64-linux"}},
	{"pdm41", "pdm.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.13", System: "x86_64-linux", Groups: []string{"test"}}},
	{"pylock", "pylock.toml", "lock.nix", "", Options{Mode: "lock", Python: "3.13", System: "aarch64-linux", Libc: "musl-1.2"}},
	{"requirements", "requirements.txt", "lock.nix", "", Options{Mode: "lock", Python: "3.13", System: "x86_64-linux",
		URLRewrites: []Rewrite{{From: "https://files.pythonhosted.org/packages/", To: "https://pypi-mirror.example.org/packages/"}}}},
	{"uv-workspace", "uv.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.12", System: "x86_64-linux", Groups: []string{"dev"}}},
	{"uv-conflicts", "uv.lock", "lock.nix", "", Options{Mode: "lock", Python: "3.12", System: "x86_64-linux"}},
	{"uv-conflicts", "uv.lock", "cpu.nix", "", Options{Mode: "lock", Python: "3.12", System: "x86_64-linux", Extras: []string{"cpu"}}},
	{"uv-conflicts", "uv.lock", "gpu.nix", "", Options{Mode: "lock", Python: "3.12", System: "x86_64-linux", Extras: []string{"gpu"}}},
}

func (c goldenCase) translate(t testing.TB) []byte {
	t.Helper()
	return c.run(t).Nix
}

func (c goldenCase) run(t testing.TB) *Result {
	t.Helper()
	py := readInput(t, filepath.Join("testdata", c.dir, "pyproject.toml"))
	var lock *Input
	if c.lock != "" {
		in := readInput(t, filepath.Join("testdata", c.dir, c.lock))
		lock = &in
	}
	opts := c.opts
	if c.pythonVersionFile != "" {
		in := readInput(t, filepath.Join("testdata", c.dir, c.pythonVersionFile))
		opts.PythonVersionFile = &in
	}
	// Local packages' pyproject.toml files lie beside the case's lock.
	opts.ReadFile = func(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", c.dir, name)) }
	out, err := Run(py, lock, opts)
	if err != nil {
		t.Fatalf("%s/%s: %v", c.dir, c.out, err)
	}
	return out
}

func readInput(t testing.TB, path string) Input {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Input{Name: filepath.Base(path), Data: data}
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.dir+"/"+c.out, func(t *testing.T) {
			got := c.translate(t)
			if again := c.translate(t); !bytes.Equal(got, again) {
				t.Fatal("two translations of the same inputs differ")
			}
			if err := nixexprtest.Check(got); err != nil {
				t.Fatalf("output fails the structural check: %v", err)
			}
			path := filepath.Join("testdata", c.dir, c.out)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the translation; run go -C tools test ./translate -update and review the diff", path)
			}
		})
	}
}

// TestGoldenDistributions: a lock-mode translation's distributions.json, beside its expression, lists the
// distributions the expression builds with the artifacts it fetches (after URL rewrites) and the lock's edges.
func TestGoldenDistributions(t *testing.T) {
	for _, c := range goldenCases {
		if c.opts.Mode != "lock" {
			continue
		}
		t.Run(c.dir+"/"+c.out, func(t *testing.T) {
			got, err := c.run(t).Distributions.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.dir, strings.TrimSuffix(c.out, ".nix")+".distributions.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the translation; run go -C tools test ./translate -update and review the diff", path)
			}
		})
	}
}
