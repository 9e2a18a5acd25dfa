package translate

import (
	"strings"
	"testing"
)

// TestOldPoetryDeferredErrors checks that what a Poetry lock cannot give (an extra spelled
// in a way the tool cannot read, a malformed hash, files of a lock that recorded only hashes)
// fails the translation only when the project needs it.
func TestOldPoetryDeferredErrors(t *testing.T) {
	lock11 := `[[package]]
name = "flask"
version = "3.1.3"
description = ""
category = "main"
optional = false
python-versions = ">=3.9"

[package.extras]
dotenv = ["python-dotenv (>=>1)"]
async = ["asgiref (3.2)"]

[[package]]
name = "asgiref"
version = "3.2"
description = ""
category = "main"
optional = true
python-versions = "*"

[metadata]
lock-version = "1.1"
python-versions = "^3.12"
content-hash = "abc"

[metadata.files]
flask = [{file = "flask-3.1.3-py3-none-any.whl", hash = "` + flaskWheelHash + `"}]
asgiref = [{file = "asgiref-3.2-py3-none-any.whl", hash = "` + flaskSdistHash + `"}]
`
	lock012 := `[[package]]
category = "main"
description = ""
name = "flask"
optional = false
python-versions = "*"
version = "3.1.3"

[[package]]
category = "dev"
description = ""
name = "pytest"
optional = false
python-versions = "*"
version = "8.0"

[metadata]
content-hash = "abc"
python-versions = "^3.12"

[metadata.hashes]
flask = ["` + strings.TrimPrefix(flaskWheelHash, "sha256:") + `"]
pytest = ["` + strings.TrimPrefix(flaskSdistHash, "sha256:") + `"]
`
	// Poetry before 1.4 kept setuptools out of its locks, though packages name it.
	lock10 := `[[package]]
category = "main"
description = ""
name = "flask"
optional = false
python-versions = ">=3.9"
version = "3.1.3"

[package.dependencies]
setuptools = "*"

[metadata]
content-hash = "abc"
python-versions = "^3.12"

[metadata.files]
flask = [{file = "flask-3.1.3-py3-none-any.whl", hash = "` + flaskWheelHash + `"}]
`
	opts := Options{Mode: "lock", Python: "3.13", System: "x86_64-linux"}
	tests := []struct {
		name, pyproject, lock, want string
	}{
		{"unrequested malformed extra", appPyproject, lock11, ""},
		{"requested bare-version extra", strings.Replace(appPyproject, "flask>=3.1", "flask[async]>=3.1", 1), lock11, ""},
		{"requested malformed extra", strings.Replace(appPyproject, "flask>=3.1", "flask[dotenv]>=3.1", 1), lock11,
			`poetry.lock: package[0] "flask": extras.dotenv: requirement "python-dotenv (>=>1)"`},
		{"malformed hash, needed", appPyproject, strings.Replace(lock11, flaskWheelHash, "sha256:00", 1),
			`poetry.lock: package flask 3.1.3: metadata.files.flask[0] "flask-3.1.3-py3-none-any.whl": hash: hash "sha256:00": want 64 hex digits`},
		{"malformed hash, not needed", appPyproject, strings.Replace(lock11, flaskSdistHash, "sha256:00", 1), ""},
		{"Poetry 1.0: setuptools left to the environment", appPyproject, lock10, ""},
		{"hashes only, needed", appPyproject, lock012,
			"poetry.lock: package flask 3.1.3: source: metadata.hashes: the lock records hashes but no file names (written by Poetry 0.12 or older, without lock-version), so lock mode cannot pick a file: rewrite the lock with `poetry lock` from Poetry >= 1.1, or resolve it through an index (nixpy resolve)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Translate(Input{Name: "pyproject.toml", Data: []byte(tt.pyproject)}, &Input{Name: "poetry.lock", Data: []byte(tt.lock)}, opts)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
