package lockfile

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

const (
	hashA = "ba0efaa9080b619ff2f3459d1d500c57bddea4a6b424b60a91141db6fd2f08bc"
	hashB = "b4ce2265a7abece45e7cc896e98dbebe6cead56bcf805a3d23136d145f5445bf"
)

// summary renders a lock compactly: one line a package with its artifacts and edges.
func summary(l *Lock) string {
	var lines []string
	for _, p := range l.Packages {
		s := p.Name + " " + p.Version + " " + p.Source
		if p.Root {
			s += " root"
		}
		if p.Sdist != nil {
			s += " sdist=" + p.Sdist.URL + "@" + p.Sdist.SHA256[:min(8, len(p.Sdist.SHA256))]
		}
		for _, w := range p.Wheels {
			s += " wheel=" + w.Filename + "@" + w.SHA256[:min(8, len(w.SHA256))]
		}
		for _, d := range p.Deps {
			s += " dep=" + depString(d)
		}
		var extras []string
		for e, deps := range p.Optional {
			for _, d := range deps {
				extras = append(extras, e+":"+depString(d))
			}
		}
		sort.Strings(extras)
		for _, e := range extras {
			s += " extra=" + e
		}
		if p.Marker != nil {
			s += " marker=" + p.Marker.String()
		}
		if p.Unsupported != "" {
			s += " unsupported"
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

func depString(d Dep) string {
	s := d.Name
	if len(d.Extras) > 0 {
		s += "[" + strings.Join(d.Extras, ",") + "]"
	}
	if d.Version != "" {
		s += "==" + d.Version
	}
	if d.Marker != nil {
		s += ";" + d.Marker.String()
	}
	return s
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, file, data string
		kind             Kind
		want             string
	}{
		{"uv", "uv.lock", fmt.Sprintf(`version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "celery", extra = ["redis"] }]

[[package]]
name = "Celery"
version = "5.6.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "colorama", marker = "sys_platform == 'win32'" }]
sdist = { url = "https://files.pythonhosted.org/packages/x/celery-5.6.3.tar.gz", hash = "sha256:%s", size = 1 }
wheels = [{ url = "https://files.pythonhosted.org/packages/y/celery-5.6.3-py3-none-any.whl", hash = "sha256:%s", size = 2 }]

[package.optional-dependencies]
redis = [{ name = "kombu", extra = ["redis"] }]
`, hashB, hashA), UV, `app 0.1.0 virtual root dep=celery[redis]
celery 5.6.3 registry sdist=https://files.pythonhosted.org/packages/x/celery-5.6.3.tar.gz@b4ce2265 wheel=celery-5.6.3-py3-none-any.whl@ba0efaa9 dep=colorama;sys_platform == "win32" extra=redis:kombu[redis]`},
		{"poetry 1.1", "poetry.lock", fmt.Sprintf(`[[package]]
name = "click"
version = "8.1.3"
description = ""
category = "main"
optional = false
python-versions = ">=3.7"

[package.dependencies]
colorama = {version = "*", markers = "platform_system == \"Windows\""}
importlib-metadata = {version = "*", python = "<3.8"}

[metadata]
lock-version = "1.1"
python-versions = "^3.10"
content-hash = "abc"

[metadata.files]
click = [
    {file = "click-8.1.3-py3-none-any.whl", hash = "sha256:%s"},
    {file = "click-8.1.3.tar.gz", hash = "sha256:%s"},
]
`, hashA, hashB), Poetry, `click 8.1.3 registry sdist=https://files.pythonhosted.org/packages/source/c/click/click-8.1.3.tar.gz@b4ce2265 wheel=click-8.1.3-py3-none-any.whl@ba0efaa9 dep=colorama;platform_system == "Windows" dep=importlib-metadata;python_full_version < "3.8"`},
		{"poetry 2.1", "poetry.lock", fmt.Sprintf(`[[package]]
name = "celery"
version = "5.4.0"
optional = false
python-versions = ">=3.8"
groups = ["main"]
files = [
    {file = "celery-5.4.0-py3-none-any.whl", hash = "sha256:%s"},
]

[package.dependencies]
redis = {version = ">=4.5.2,<4.5.5 || >4.5.5,<6.0.0", optional = true}

[package.extras]
redis = ["redis (>=4.5.2,!=4.5.5,<6.0.0)"]

[metadata]
lock-version = "2.1"
python-versions = ">=3.12"
content-hash = "abc"
`, hashA), Poetry, `celery 5.4.0 registry wheel=celery-5.4.0-py3-none-any.whl@ba0efaa9 extra=redis:redis`},
		{"poetry 2.0, markers by group", "poetry.lock", fmt.Sprintf(`[[package]]
name = "colorama"
version = "0.4.6"
optional = false
python-versions = ">=3.7"
groups = ["main", "dev"]
markers = {main = "platform_system == \"Windows\"", dev = "sys_platform == \"win32\""}
files = [
    {file = "colorama-0.4.6-py2.py3-none-any.whl", hash = "sha256:%s"},
]

[metadata]
lock-version = "2.0"
python-versions = ">=3.12"
content-hash = "abc"
`, hashA), Poetry, `colorama 0.4.6 registry wheel=colorama-0.4.6-py2.py3-none-any.whl@ba0efaa9`},
		{"pdm", "pdm.lock", fmt.Sprintf(`[metadata]
groups = ["default"]
strategy = ["inherit_metadata"]
lock_version = "4.5.0"
content_hash = "sha256:x"

[[package]]
name = "celery"
version = "5.4.0"
groups = ["default"]
dependencies = ["click<9.0,>=8.1.2"]
files = [{file = "celery-5.4.0.tar.gz", hash = "sha256:%s"}]

[[package]]
name = "celery"
version = "5.4.0"
extras = ["redis"]
groups = ["default"]
dependencies = ["celery==5.4.0", "kombu[redis]"]
`, hashB), PDM, `celery 5.4.0 registry sdist=https://files.pythonhosted.org/packages/source/c/celery/celery-5.4.0.tar.gz@b4ce2265 dep=click extra=redis:kombu[redis]`},
		{"pylock", "pylock.toml", fmt.Sprintf(`lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.12"

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"
index = "https://pypi.org/simple"
sdist = { url = "https://files.pythonhosted.org/packages/d8/colorama-0.4.6.tar.gz", upload-time = 2022-10-25T02:36:22Z, size = 27697, hashes = { sha256 = "%s" } }
wheels = [{ name = "colorama-0.4.6-py2.py3-none-any.whl", url = "https://files.pythonhosted.org/packages/d1/colorama-0.4.6-py2.py3-none-any.whl", size = 25335, hashes = { sha256 = "%s" } }]
`, hashB, hashA), PyLock, `colorama 0.4.6 registry sdist=https://files.pythonhosted.org/packages/d8/colorama-0.4.6.tar.gz@b4ce2265 wheel=colorama-0.4.6-py2.py3-none-any.whl@ba0efaa9 marker=sys_platform == "win32"`},
		{"requirements", "requirements.txt", fmt.Sprintf(`# generated
--index-url https://pypi.org/simple
blinker @ https://files.pythonhosted.org/packages/10/cb/blinker-1.9.0-py3-none-any.whl \
    --hash=sha256:%s
    # via flask
flask==3.1.0 \
    --hash=sha256:%s \
    --hash=sha256:%s ; python_version >= "3.9"
`, hashA, hashA, hashB), Requirements, `blinker 1.9.0 url wheel=blinker-1.9.0-py3-none-any.whl@ba0efaa9
flask 3.1.0 registry marker=python_version >= "3.9" unsupported`},
		{"uv local file", "uv.lock", "version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"../wheels\" }\nwheels = [{ path = \"a-1-py3-none-any.whl\" }]\n", UV, `a 1 registry unsupported`},
		{"pylock local archive", "pylock.toml", "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\narchive = { path = \"a.tar.gz\", hashes = { sha256 = \"00\" } }\n", PyLock, `a  directory unsupported`},
		{"requirements by content", "locked", fmt.Sprintf("six==1.16.0 --hash=sha256:%s\n", hashA), Requirements, `six 1.16.0 registry unsupported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse(tt.file, []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if l.Kind != tt.kind {
				t.Errorf("kind = %s, want %s", l.Kind, tt.kind)
			}
			if got := summary(l); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, file, data, want string }{
		{"toml", "uv.lock", "version = 1\n[[package]\n", "uv.lock:2: invalid TOML"},
		{"uv version", "uv.lock", "version = 2\n[[package]]\nname = \"a\"\n", "uv.lock: version: unsupported uv.lock version 2"},
		{"poetry version", "poetry.lock", "[metadata]\nlock-version = \"3.0\"\n", "metadata.lock-version: unsupported poetry.lock version \"3.0\""},
		{"pdm version", "pdm.lock", "[metadata]\nlock_version = \"3.1\"\n", "metadata.lock_version: unsupported pdm.lock version"},
		{"pylock version", "pylock.toml", "lock-version = \"2.0\"\n", "lock-version: unsupported pylock.toml version"},
		{"unknown", "x.lock", "a = 1\n", "not a lock file"},
		{"bad name", "uv.lock", "version = 1\n[[package]]\nname = \"a b\"\nversion = \"1\"\nsource = { registry = \"x\" }\n", `package[0] "a b": name`},
		{"req option", "requirements.txt", "-r other.txt\n", "requirements.txt:1: option -r"},
		{"req range", "requirements.txt", "flask>=3 --hash=sha256:" + hashA + "\n", "requirements.txt:1: flask: want a pin"},
		{"pdm extras alone", "pdm.lock", "[metadata]\nlock_version = \"4.4\"\n[[package]]\nname = \"a\"\nversion = \"1\"\nextras = [\"x\"]\n", "no entry for the package itself"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.file, []byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestPypiURL(t *testing.T) {
	tests := []struct{ project, file, want string }{
		{"flask", "flask-3.1.0.tar.gz", "https://files.pythonhosted.org/packages/source/f/flask/flask-3.1.0.tar.gz"},
		{"colorama", "colorama-0.4.6-py2.py3-none-any.whl", "https://files.pythonhosted.org/packages/py2.py3/c/colorama/colorama-0.4.6-py2.py3-none-any.whl"},
	}
	for _, tt := range tests {
		if got := pypiURL(tt.project, tt.file); got != tt.want {
			t.Errorf("pypiURL(%q, %q) = %q, want %q", tt.project, tt.file, got, tt.want)
		}
	}
}

func TestRequiresPython(t *testing.T) {
	tests := []struct{ name, file, data, want string }{
		{"uv", "uv.lock", "version = 1\nrequires-python = \">=3.11\"\n", ">=3.11"},
		{"pylock", "pylock.toml", "lock-version = \"1.0\"\nrequires-python = \">=3.12\"\n", ">=3.12"},
		{"poetry", "poetry.lock", "[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.9,<3.9.7 || >3.9.7,<4\"\n", ">=3.9,<3.9.7 || >3.9.7,<4"},
		{"pdm targets", "pdm.lock", "[metadata]\nlock_version = \"4.5.0\"\n[[metadata.targets]]\nrequires_python = \">=3.12\"\n[[metadata.targets]]\nrequires_python = \"==3.11.*\"\n", ">=3.12 || ==3.11.*"},
		{"pdm unbounded target", "pdm.lock", "[metadata]\nlock_version = \"4.5.0\"\n[[metadata.targets]]\nrequires_python = \">=3.12\"\n[[metadata.targets]]\nplatform = \"linux\"\n", ""},
	}
	for _, tt := range tests {
		l, err := Parse(tt.file, []byte(tt.data))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var parts []string
		for _, s := range l.RequiresPython {
			parts = append(parts, s.String())
		}
		if got := strings.Join(parts, " || "); got != tt.want {
			t.Errorf("%s: RequiresPython = %q, want %q", tt.name, got, tt.want)
		}
	}
}
