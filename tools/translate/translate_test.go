package translate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/nixexpr/nixexprtest"
)

const (
	flaskWheelHash = "sha256:f4bcbefc124291925f1a26446da31a5178f9483862233b23c0c96a20701f670c"
	flaskSdistHash = "sha256:0ef0e52b8a9cd932855379197dd8f94047b359ca0a78695144304cb45f87c9eb"
	flaskWheelURL  = "https://files.pythonhosted.org/packages/7f/9c/34f6962f9b9e9c71f6e5ed806e0d0ff03c9d1b0b2340088a0cf4bce09b18/flask-3.1.3-py3-none-any.whl"
	flaskSdistURL  = "https://files.pythonhosted.org/packages/26/00/35d85dcce6c57fdc871f3867d465d780f302a175ea360f62533f12b27e2b/flask-3.1.3.tar.gz"
	appPyproject   = "[project]\nname = \"app\"\nversion = \"1.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"flask>=3.1\"]\n"
)

// uvLock is a uv.lock with the app and one flask entry whose body is given.
func uvLock(flaskBody string) string {
	return `version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "app"
version = "1.0"
source = { editable = "." }
dependencies = [{ name = "flask" }]

[[package]]
name = "flask"
version = "3.1.3"
` + flaskBody
}

func TestTranslateErrors(t *testing.T) {
	lockOpts := Options{Mode: "lock", Python: "3.13", System: "x86_64-linux"}
	tests := []struct {
		name      string
		pyproject string
		lockName  string
		lock      string
		opts      Options
		want      string
	}{
		{"malformed pyproject", "[project\nname = \"app\"\n", "", "", Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux"}, "pyproject.toml:1: invalid TOML"},
		{"malformed lock", appPyproject, "uv.lock", "version = 1\n\n[[package]]\nname = \"flask\nversion = 1\n", lockOpts, "uv.lock:4: invalid TOML"},
		{"unknown lock version", appPyproject, "uv.lock", "version = 7\n", lockOpts, "uv.lock: version: unsupported uv.lock version 7"},
		{"unknown poetry version", appPyproject, "poetry.lock", "[metadata]\nlock-version = \"3.0\"\n", lockOpts, `poetry.lock: metadata.lock-version: unsupported poetry.lock version "3.0"`},
		{"missing hash", appPyproject, "uv.lock", uvLock(`source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "` + flaskWheelURL + `", size = 103424 }]
`), lockOpts, "uv.lock: package flask 3.1.3: wheel flask-3.1.3-py3-none-any.whl: hash: missing"},
		{"no artifact for the target", appPyproject, "uv.lock", uvLock(`source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.pythonhosted.org/packages/x/flask-3.1.3-cp313-cp313-win_amd64.whl", hash = "` + flaskWheelHash + `" }]
`), lockOpts, "uv.lock: package flask 3.1.3: no artifact for the target: no wheel for cp313 on x86_64-linux (glibc-2.40) among 1, and no sdist"},
		{"direct dependency missing from the lock", appPyproject + "", "uv.lock", "version = 1\n\n[[package]]\nname = \"app\"\nversion = \"1.0\"\nsource = { editable = \".\" }\n", lockOpts, "uv.lock: package flask (needed by pyproject.toml) is not in the lock: lock the project again"},
		{"locked version outside the constraint", strings.Replace(appPyproject, "flask>=3.1", "flask>=4", 1), "uv.lock", uvLock(`source = { registry = "https://pypi.org/simple" }
sdist = { url = "` + flaskSdistURL + `", hash = "` + flaskSdistHash + `" }
`), lockOpts, "uv.lock: package flask: version 3.1.3 does not satisfy >=4 from pyproject.toml"},
		{"git source without a full commit", appPyproject, "uv.lock", uvLock(`source = { git = "https://github.com/pallets/flask?rev=3.1.3#abc" }
`), lockOpts, `uv.lock: package[1] "flask": source: git: "https://github.com/pallets/flask?rev=3.1.3#abc": commit "abc" is not a full hexadecimal commit hash`},
		{"local package without a reader", appPyproject, "uv.lock", uvLock(`source = { editable = "libs/flask" }
`), lockOpts, "uv.lock: package flask (source libs/flask): a local package: its pyproject.toml libs/flask/pyproject.toml is needed"},
		{"unknown source kind", appPyproject, "uv.lock", uvLock(`source = { svn = "x" }
`), lockOpts, `uv.lock: package[1] "flask": source: missing or of an unknown kind (keys: svn; want registry, editable, virtual, directory, path, git or url)`},
		{"bad artifact URL", appPyproject, "uv.lock", uvLock(`source = { registry = "https://pypi.org/simple" }
sdist = { url = "javascript:alert(1)/flask-3.1.3.tar.gz", hash = "` + flaskSdistHash + `" }
`), lockOpts, "sdist flask-3.1.3.tar.gz: url: URL \"javascript:alert(1)/flask-3.1.3.tar.gz\": scheme must be"},
		{"URL with a quote", appPyproject, "uv.lock", uvLock(`source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x.example/fl\"ask-3.1.3.tar.gz", hash = "` + flaskSdistHash + `" }
`), lockOpts, "holds a blank, quote"},
		{"lock for another python", appPyproject, "uv.lock", strings.Replace(uvLock("source = { registry = \"https://pypi.org/simple\" }\n"), `requires-python = ">=3.12"`, `requires-python = ">=3.14"`, 1), lockOpts, "uv.lock: requires-python >=3.14: the lock was not resolved for python 3.13 (--python)"},
		{"requires-python", appPyproject, "", "", Options{Mode: "nixpkgs", Python: "3.11", System: "x86_64-linux"}, "pyproject.toml: requires-python >=3.12 excludes python 3.11"},
		{"unknown extra", appPyproject, "", "", Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux", Extras: []string{"nope"}}, `pyproject.toml: extra "nope": not in the project's optional dependencies`},
		{"name that could inject", "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"fla${builtins.abort}sk\"]\n", "", "", Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux"}, "project.dependencies"},
		{"version-only pin in lock mode", appPyproject, "requirements.txt", "flask==3.1.3 --hash=" + flaskWheelHash + "\n", lockOpts, "requirements.txt: package flask 3.1.3: source: line 1: flask==3.1.3 is pinned by version and hashes only, naming no file: resolve its files through a package index with `nixpy resolve --lock requirements.txt`"},
		{"lock mode without lock", appPyproject, "", "", lockOpts, "lock mode needs a lock file"},
		{"malformed artifact hash", appPyproject, "uv.lock", uvLock(`source = { registry = "https://pypi.org/simple" }
sdist = { url = "` + flaskSdistURL + `", hash = "md5:00" }
`), lockOpts, `uv.lock: package flask 3.1.3: sdist: hash "md5:00": want sha256:<64 hex digits>`},
		{"selected extras that conflict", "[project]\nname = \"app\"\nversion = \"1.0\"\n[project.optional-dependencies]\ncpu = []\ngpu = []\n",
			"uv.lock", "version = 1\nconflicts = [[{ package = \"app\", extra = \"cpu\" }, { package = \"app\", extra = \"gpu\" }]]\n",
			Options{Mode: "lock", Python: "3.13", System: "x86_64-linux", Extras: []string{"cpu", "gpu"}},
			"uv.lock: conflicts: extra cpu and extra gpu cannot be installed together (the lock resolved them apart): select one of extra cpu, extra gpu"},
		{"dynamic dependencies without a lock", "[project]\nname = \"app\"\nversion = \"1.0\"\ndynamic = [\"dependencies\"]\n", "", "",
			Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux"},
			"pyproject.toml: project.dynamic: dependencies are computed by the build backend and no lock file is given: list them in [project] or lock the project with uv, which records them"},
		{"uv workspace root without a project", "[tool.uv.workspace]\nmembers = [\"apps/api\", \"libs/common\"]\n", "", "",
			Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux"},
			"pyproject.toml: a uv workspace root without [project]: translate one of its members instead (--pyproject MEMBER/pyproject.toml with this directory's uv.lock; members: apps/api, libs/common)"},
		{"bad mode", appPyproject, "", "", Options{Mode: "pip", Python: "3.13", System: "x86_64-linux"}, `mode "pip"`},
		{"bad system", appPyproject, "", "", Options{Mode: "nixpkgs", Python: "3.13", System: "riscv64-linux"}, `system "riscv64-linux"`},
		{"bad rewrite", appPyproject, "", "", Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux", URLRewrites: []Rewrite{{From: "https://a/", To: "ftp://b/"}}}, "--url-rewrite ftp://b/: TO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lock *Input
			if tt.lockName != "" {
				lock = &Input{Name: tt.lockName, Data: []byte(tt.lock)}
			}
			out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(tt.pyproject)}, lock, tt.opts)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestNixpkgsModeIgnoresArtifacts: nixpkgs mode reads the lock for its graph only, so a
// problem with the lock's artifacts does not stop it.
func TestNixpkgsModeIgnoresArtifacts(t *testing.T) {
	lock := uvLock(`source = { registry = "https://pypi.org/simple" }
sdist = { url = "` + flaskSdistURL + `", hash = "md5:00" }
`)
	if _, err := Translate(Input{Name: "pyproject.toml", Data: []byte(appPyproject)}, &Input{Name: "uv.lock", Data: []byte(lock)},
		Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux"}); err != nil {
		t.Fatal(err)
	}
}

func TestTranslateChoices(t *testing.T) {
	lock := uvLock(fmt.Sprintf(`source = { registry = "https://pypi.org/simple" }
sdist = { url = %q, hash = %q }
wheels = [{ url = %q, hash = %q }]
`, flaskSdistURL, flaskSdistHash, flaskWheelURL, flaskWheelHash))
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"wheel preferred", Options{Mode: "lock", Python: "3.13", System: "x86_64-linux"},
			[]string{`format = "wheel";`, `hash = "sha256-9Ly+/BJCkZJfGiZEbaMaUXj5SDhiIzsjwMlqIHAfZww=";`, `dependencies = [ deps.flask ];`}},
		{"rewrite, longest prefix", Options{Mode: "lock", Python: "3.13", System: "x86_64-linux", URLRewrites: []Rewrite{
			{From: "https://files.pythonhosted.org/", To: "https://short.example/"},
			{From: "https://files.pythonhosted.org/packages/", To: "https://long.example/p/"},
		}}, []string{`url = "https://long.example/p/7f/9c/`}},
		{"nixpkgs mode", Options{Mode: "nixpkgs", Python: "3.13", System: "aarch64-darwin"},
			[]string{`flask = nixpy.check "flask" [ [ ">=3.1" ] ] (nixpy.pkg "flask" "flask");`, `pythonChecked = nixpy.check "python" [ [ ">=3.12" ] ] python;`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(appPyproject)}, &Input{Name: "uv.lock", Data: []byte(lock)}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := nixexprtest.Check(out); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q", w)
				}
			}
		})
	}
}

func TestBreakCycles(t *testing.T) {
	tr := &translation{nodes: map[string]*node{
		"a": {deps: map[string]bool{"b": true}},
		"b": {deps: map[string]bool{"c": true}},
		"c": {deps: map[string]bool{"a": true, "d": true}},
		"d": {deps: map[string]bool{}},
	}}
	tr.breakCycles()
	if got := fmt.Sprint(tr.nodes["c"].cut, sortedKeys(tr.nodes["c"].deps)); got != "[a] [d]" {
		t.Errorf("c: cut and kept = %s, want [a] [d]", got)
	}
	for _, n := range []string{"a", "b"} {
		if len(tr.nodes[n].cut) != 0 {
			t.Errorf("%s: cut %v, want none", n, tr.nodes[n].cut)
		}
	}
}

func TestSelfReferencingExtras(t *testing.T) {
	py := `[project]
name = "app"
version = "1.0"
dependencies = ["flask"]

[project.optional-dependencies]
redis = ["redis>=6"]
all = ["app[redis]"]

[dependency-groups]
dev = ["App[all]"]
`
	out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(py)}, nil, Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux", Groups: []string{"dev"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `redis = nixpy.check "redis" [ [ ">=6" ] ]`) {
		t.Errorf("app[all] did not bring in redis:\n%s", out)
	}
}

// TestNixpkgsModeReadsLockOnlyForChecks: nixpkgs mode needs no fetchable artifact, only a lock
// that agrees with pyproject.toml.
func TestNixpkgsModeReadsLockOnlyForChecks(t *testing.T) {
	opts := Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux"}
	py := Input{Name: "pyproject.toml", Data: []byte(appPyproject)}
	pins := &Input{Name: "requirements.txt", Data: []byte("flask==3.1.3 --hash=" + flaskWheelHash + "\n")}
	if _, err := Translate(py, pins, opts); err != nil {
		t.Errorf("version-only pins: %v", err)
	}
	old := &Input{Name: "requirements.txt", Data: []byte("flask==2.3.3 --hash=" + flaskWheelHash + "\n")}
	if _, err := Translate(py, old, opts); err == nil || !strings.Contains(err.Error(), "version 2.3.3 does not satisfy >=3.1") {
		t.Errorf("out-of-date pin: error = %v", err)
	}
}

// TestDirectArchiveURL: a dependency on a forge's archive of a tag, whatever its file name, is
// fetched from the URL uv records as its source and built from source.
func TestDirectArchiveURL(t *testing.T) {
	pyproject := "[project]\nname = \"app\"\nversion = \"1.0\"\ndependencies = [\"tool @ https://forge.example.org/acme/tool/archive/v1.2.3.zip\"]\n"
	lock := `version = 1
[[package]]
name = "app"
version = "1.0"
source = { editable = "." }
dependencies = [{ name = "tool" }]

[[package]]
name = "tool"
version = "1.2.3"
source = { url = "https://forge.example.org/acme/tool/archive/v1.2.3.zip" }
sdist = { hash = "` + flaskSdistHash + `" }
`
	out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(pyproject)}, &Input{Name: "uv.lock", Data: []byte(lock)},
		Options{Mode: "lock", Python: "3.13", System: "x86_64-linux"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`url = "https://forge.example.org/acme/tool/archive/v1.2.3.zip";`, "pyproject = true;"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}
