package translate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/nixexpr/nixexprtest"
)

const mirrorWheelURL = "http://127.0.0.1:8080/packages/7f/9c/flask-3.1.3-py3-none-any.whl"

// resolvedFile is an artifacts file as `nixpy resolve` writes it, with flask's wheel.
func resolvedFile(sum string) string {
	return fmt.Sprintf(`version = 1
lock = "requirements.txt"
indexes = ["http://127.0.0.1:8080/simple/"]

[[artifact]]
name = "Flask"
version = "3.1.3"
filename = "flask-3.1.3-py3-none-any.whl"
url = %q
sha256 = %q
`, mirrorWheelURL, strings.TrimPrefix(sum, "sha256:"))
}

func TestArtifacts(t *testing.T) {
	opts := Options{Mode: "lock", Python: "3.13", System: "x86_64-linux"}
	pins := "flask==3.1.3 \\\n    --hash=" + flaskWheelHash + " \\\n    --hash=" + flaskSdistHash + "\n"
	poetry := fmt.Sprintf(`[[package]]
name = "flask"
version = "3.1.3"
files = [{ file = "flask-3.1.3-py3-none-any.whl", hash = %q }]

[metadata]
lock-version = "2.1"
python-versions = ">=3.12"
`, flaskWheelHash)
	tests := []struct {
		name, lockName, lock, artifacts string
		want                            []string // in the output, or else in the error
		wantErr                         bool
	}{
		{"hash-only pins resolved", "requirements.txt", pins, resolvedFile(flaskWheelHash),
			[]string{`url = "` + mirrorWheelURL + `";`, `hash = "sha256-9Ly+/BJCkZJfGiZEbaMaUXj5SDhiIzsjwMlqIHAfZww=";`}, false},
		{"poetry URL from the index, not guessed", "poetry.lock", poetry, resolvedFile(flaskWheelHash),
			[]string{`url = "` + mirrorWheelURL + `";`}, false},
		{"poetry package of a legacy source resolved", "poetry.lock", strings.Replace(poetry, "files = [", "source = { type = \"legacy\", url = \"http://127.0.0.1:8080/simple/\", reference = \"local\" }\nfiles = [", 1), resolvedFile(flaskWheelHash),
			[]string{`url = "` + mirrorWheelURL + `";`}, false},
		{"poetry package of a legacy source unresolved", "poetry.lock", strings.Replace(poetry, "files = [", "source = { type = \"legacy\", url = \"http://127.0.0.1:8080/simple/\", reference = \"local\" }\nfiles = [", 1), "",
			[]string{"poetry.lock: package flask 3.1.3: source: the index http://127.0.0.1:8080/simple/ (source \"local\")"}, true},
		{"poetry without an artifacts file keeps its guess", "poetry.lock", poetry, "",
			[]string{`url = "https://files.pythonhosted.org/packages/py3/f/flask/flask-3.1.3-py3-none-any.whl";`}, false},
		{"hash-only pins, nothing resolved", "requirements.txt", pins, "",
			[]string{"requirements.txt: package flask 3.1.3: source: line 1: flask==3.1.3 is pinned by version and hashes only, naming no file: " +
				"resolve its files through a package index with `nixpy resolve --lock requirements.txt` (in Bazel: `bazel run //:resolve`, " +
				"a nixpy_resolve target of this lock) and give the file it writes, requirements.resolved.toml, to translate as --artifacts"}, true},
		{"a lock in a package names its target", "app/requirements.txt", pins, "",
			[]string{"`bazel run //app:resolve`", "app/requirements.resolved.toml"}, true},
		{"artifacts file of another lock", "requirements.txt", pins, resolvedFile(strings.Repeat("0", 64)),
			[]string{"requirements.txt: package flask 3.1.3: source: line 1: none of the hashes of flask==3.1.3 is in requirements.resolved.toml: resolve the lock again"}, true},
		{"artifacts file version", "requirements.txt", pins, strings.Replace(resolvedFile(flaskWheelHash), "version = 1", "version = 2", 1),
			[]string{"requirements.resolved.toml: version: unsupported artifacts file version 2"}, true},
		{"artifacts file hash", "requirements.txt", pins, resolvedFile("abc"),
			[]string{`requirements.resolved.toml: artifact[0] flask: sha256: hash "sha256:abc"`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts
			if tt.artifacts != "" {
				o.Artifacts = &Input{Name: "requirements.resolved.toml", Data: []byte(tt.artifacts)}
			}
			out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(appPyproject)}, &Input{Name: tt.lockName, Data: []byte(tt.lock)}, o)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error; output:\n%s", out)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := nixexprtest.Check(out); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestArtifactsNeedALock(t *testing.T) {
	opts := Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux", Artifacts: &Input{Name: "a.toml", Data: []byte(resolvedFile(flaskWheelHash))}}
	_, err := Translate(Input{Name: "pyproject.toml", Data: []byte(appPyproject)}, nil, opts)
	if err == nil || !strings.Contains(err.Error(), "a.toml: an artifacts file needs the lock file it resolves") {
		t.Errorf("error = %v", err)
	}
}
