package lockfile

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// notes lists, one line each, what summary leaves out: where local and git packages come
// from, and the deferred errors (packages lock mode cannot fetch, extras it cannot read).
func notes(l *Lock) string {
	var lines []string
	for _, p := range l.Packages {
		if p.Path != "" {
			lines = append(lines, p.Name+": path "+p.Path)
		}
		if g := p.Git; g != nil {
			lines = append(lines, p.Name+": git "+g.URL+"@"+g.Rev+" "+g.Subdirectory)
		}
		if p.Unsupported != "" {
			lines = append(lines, p.Name+": "+p.Unsupported)
		}
		for _, e := range sortedExtras(p.BadExtras) {
			lines = append(lines, p.Name+"["+e+"]: "+p.BadExtras[e].Error())
		}
	}
	return strings.Join(lines, "\n")
}

func sortedExtras(m map[string]error) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestParsePoetryVersions(t *testing.T) {
	tests := []struct {
		name, data  string
		version     string
		want, notes string
	}{
		{"0.12: hashes without file names", fmt.Sprintf(`[[package]]
category = "main"
description = ""
name = "Django"
optional = false
python-versions = ">=3.5"
version = "2.2"

[package.dependencies]
pytz = "*"

[[package]]
category = "dev"
description = ""
name = "pytz"
optional = false
python-versions = "*"
version = "2019.1"

[metadata]
content-hash = "0cb7"
python-versions = "^3.7"

[metadata.hashes]
django = ["%s", "%s"]
pytz = ["%s"]
`, hashA, hashB, hashA), "",
			`django 2.2 registry dep=pytz unsupported
pytz 2019.1 registry unsupported`,
			"django: metadata.hashes: the lock records hashes but no file names (written by Poetry 0.12 or older, without lock-version), so lock mode cannot pick a file: rewrite the lock with `poetry lock` from Poetry >= 1.1, or resolve it through an index (nixpy resolve)\n" +
				"pytz: metadata.hashes: the lock records hashes but no file names (written by Poetry 0.12 or older, without lock-version), so lock mode cannot pick a file: rewrite the lock with `poetry lock` from Poetry >= 1.1, or resolve it through an index (nixpy resolve)"},
		{"1.0: files, package markers, dependency tables, index sources", fmt.Sprintf(`[[package]]
category = "main"
description = ""
name = "apispec"
optional = false
python-versions = "*"
version = "1.3.3"

[package.dependencies]
[package.dependencies.PyYAML]
optional = true
version = ">=3.10"

[package.extras]
lint = ["flake8 (3.7.7)", "pre-commit (v1.15.2)"]
yaml = ["PyYAML (>=3.10)"]

[[package]]
category = "main"
description = ""
marker = "sys_platform == \"darwin\""
name = "appnope"
optional = false
python-versions = "*"
version = "0.1.0"

[[package]]
category = "main"
description = ""
name = "ipython"
optional = false
python-versions = ">=3.6"
version = "7.13.0"

[package.dependencies]
appnope = "*"
pexpect = {version = "*", platform = "linux"}

[package.dependencies.importlib-metadata]
python = "<3.8"
version = ">=0.12"

[[package]]
category = "main"
description = ""
name = "private-lib"
optional = false
python-versions = "*"
version = "0.9.3"

[package.source]
reference = "corp"
url = "https://pypi.corp.example/simple"

[[package]]
category = "main"
description = ""
name = "pyyaml"
optional = true
python-versions = "*"
version = "5.3.1"

[package.source]
reference = "pypi-mirror"
url = "https://pypi.org/simple/"

[metadata]
content-hash = "b5df"
python-versions = "^3.7"

[metadata.files]
apispec = [
    {file = "apispec-1.3.3-py2.py3-none-any.whl", hash = "sha256:%s"},
]
appnope = []
ipython = [
    {file = "ipython-7.13.0.tar.gz", hash = "sha256:%s"},
]
private-lib = [
    {file = "private_lib-0.9.3-py3-none-any.whl", hash = "sha256:%s"},
]
PyYAML = [
    {file = "PyYAML-5.3.1.tar.gz", hash = "sha256:%s"},
]
`, hashA, hashB, hashA, hashB), "",
			`apispec 1.3.3 registry wheel=apispec-1.3.3-py2.py3-none-any.whl@ba0efaa9 extra=lint:flake8 extra=lint:pre-commit extra=yaml:pyyaml
appnope 0.1.0 registry marker=sys_platform == "darwin"
ipython 7.13.0 registry sdist=https://files.pythonhosted.org/packages/source/i/ipython/ipython-7.13.0.tar.gz@b4ce2265 dep=appnope;sys_platform == "darwin" dep=importlib-metadata;python_full_version < "3.8" dep=pexpect;sys_platform == "linux"
private-lib 0.9.3 registry wheel=private_lib-0.9.3-py3-none-any.whl@ba0efaa9 unsupported
pyyaml 5.3.1 registry sdist=https://files.pythonhosted.org/packages/source/p/pyyaml/PyYAML-5.3.1.tar.gz@b4ce2265`,
			`private-lib: the index https://pypi.corp.example/simple (source "corp"), for which poetry.lock records no file URLs, and PyPI's would be a guess: resolve it through that index (nixpy resolve)`},
		{"1.1: bare versions in extras, lists of tables", fmt.Sprintf(`[[package]]
name = "pytest"
version = "6.0.1"
description = ""
category = "dev"
optional = false
python-versions = ">=3.5"

[package.dependencies]
colorama = {version = "*", markers = "sys_platform == \"win32\""}
numpy = [
    {version = ">=1.21", markers = "python_version < \"3.12\""},
    {version = ">=1.26", python = ">=3.12"},
]
mypy = {version = "0.780", optional = true}

[package.extras]
checkqa_mypy = ["mypy (0.780)"]
testing = ["argcomplete", "hypothesis (>=3.56)", "requests (>=2) ; python_version < \"3.8\""]
broken = ["mypy (>=>1)"]

[metadata]
lock-version = "1.1"
python-versions = "^3.8"
content-hash = "abc"

[metadata.files]
pytest = [
    {file = "pytest-6.0.1-py3-none-any.whl", hash = "sha256:%s"},
]
`, hashA), "1.1",
			`pytest 6.0.1 registry wheel=pytest-6.0.1-py3-none-any.whl@ba0efaa9 dep=colorama;sys_platform == "win32" dep=numpy;python_version < "3.12" dep=numpy;python_full_version >= "3.12" extra=checkqa-mypy:mypy extra=testing:argcomplete extra=testing:hypothesis extra=testing:requests;python_version < "3.8"`,
			`pytest[broken]: poetry.lock: package[0] "pytest": extras.broken: requirement "mypy (>=>1)": constraint ">=>1": specifier ">=>1": clause ">=>1": invalid PEP 440 version ">1": lock the project again with a current Poetry, or do not request the extra "broken"`},
		{"1.1: two versions of one name share metadata.files", fmt.Sprintf(`[[package]]
name = "numpy"
version = "1.21.6"
description = ""
category = "main"
optional = false
python-versions = ">=3.7,<3.11"

[[package]]
name = "numpy"
version = "1.24.3"
description = ""
category = "main"
optional = false
python-versions = ">=3.8"

[metadata]
lock-version = "1.1"
python-versions = "^3.7"
content-hash = "abc"

[metadata.files]
numpy = [
    {file = "numpy-1.21.6-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:%s"},
    {file = "numpy-1.21.6.zip", hash = "sha256:%s"},
    {file = "numpy-1.24.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:%s"},
    {file = "numpy-1.24.3.tar.gz", hash = "sha256:%s"},
]
`, hashA, hashB, hashB, hashA), "1.1",
			`numpy 1.21.6 registry sdist=https://files.pythonhosted.org/packages/source/n/numpy/numpy-1.21.6.zip@b4ce2265 wheel=numpy-1.21.6-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl@ba0efaa9
numpy 1.24.3 registry sdist=https://files.pythonhosted.org/packages/source/n/numpy/numpy-1.24.3.tar.gz@ba0efaa9 wheel=numpy-1.24.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl@b4ce2265`, ""},
		{"2.0: package files, groups, markers by group, develop, sources", fmt.Sprintf(`[[package]]
name = "colorama"
version = "0.4.6"
description = ""
optional = false
python-versions = ">=3.7"
groups = ["main", "dev"]
markers = {main = "platform_system == \"Windows\"", dev = "sys_platform == \"win32\""}
files = [
    {file = "colorama-0.4.6-py2.py3-none-any.whl", hash = "sha256:%s"},
    {file = "colorama-0.4.6.tar.gz", hash = "sha256:%s"},
]

[[package]]
name = "corp-lib"
version = "1.0"
description = ""
optional = false
python-versions = ">=3.8"
groups = ["main"]
files = [
    {file = "corp_lib-1.0-py3-none-any.whl", hash = "sha256:%s"},
]

[package.source]
type = "legacy"
url = "https://pypi.corp.example/simple"
reference = "corp"

[[package]]
name = "mylib"
version = "0.1.0"
description = ""
optional = false
python-versions = "^3.10"
groups = ["main"]
files = []
develop = true

[package.dependencies]
colorama = "*"

[package.source]
type = "directory"
url = "libs/mylib"

[[package]]
name = "poetry-core"
version = "2.4.1"
description = ""
optional = false
python-versions = ">=3.10, <4.0"
groups = ["main"]
files = []
develop = false

[package.source]
type = "git"
url = "https://github.com/python-poetry/poetry-core.git"
reference = "HEAD"
resolved_reference = "E3998B0E111DC03E4AA721FD054C48E5C7DE6FC5"
subdirectory = "src"

[[package]]
name = "local-wheel"
version = "0.3"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = [
    {file = "local_wheel-0.3-py3-none-any.whl", hash = "sha256:%s"},
]

[package.source]
type = "file"
url = "dist/local_wheel-0.3-py3-none-any.whl"

[[package]]
name = "tarball"
version = "2.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = [
    {file = "v2.0.tar.gz", hash = "sha256:%s"},
]

[package.source]
type = "url"
url = "https://forge.example/tarball/archive/v2.0.tar.gz"

[metadata]
lock-version = "2.0"
python-versions = "^3.10"
content-hash = "abc"
`, hashA, hashB, hashA, hashA, hashB), "2.0",
			`colorama 0.4.6 registry sdist=https://files.pythonhosted.org/packages/source/c/colorama/colorama-0.4.6.tar.gz@b4ce2265 wheel=colorama-0.4.6-py2.py3-none-any.whl@ba0efaa9
corp-lib 1.0 registry wheel=corp_lib-1.0-py3-none-any.whl@ba0efaa9 unsupported
local-wheel 0.3 path wheel=local_wheel-0.3-py3-none-any.whl@ba0efaa9 unsupported
mylib 0.1.0 directory dep=colorama
poetry-core 2.4.1 git
tarball 2.0 url sdist=https://forge.example/tarball/archive/v2.0.tar.gz@b4ce2265`,
			`corp-lib: the index https://pypi.corp.example/simple (source "corp"), for which poetry.lock records no file URLs, and PyPI's would be a guess: resolve it through that index (nixpy resolve)
local-wheel: a local file dist/local_wheel-0.3-py3-none-any.whl instead of a URL: publish it to an index or reference it by URL
mylib: path libs/mylib
poetry-core: git https://github.com/python-poetry/poetry-core.git@e3998b0e111dc03e4aa721fd054c48e5c7de6fc5 src`},
		{"2.1: markers string, setuptools left to the environment", fmt.Sprintf(`[[package]]
name = "gunicorn"
version = "23.0.0"
description = ""
optional = false
python-versions = ">=3.7"
groups = ["main"]
markers = "sys_platform != \"win32\""
files = [
    {file = "gunicorn-23.0.0-py3-none-any.whl", hash = "sha256:%s"},
]

[package.dependencies]
packaging = "*"
setuptools = ">=3.0"

[[package]]
name = "packaging"
version = "24.2"
description = ""
optional = false
python-versions = ">=3.8"
groups = ["main"]
markers = "sys_platform != \"win32\""
files = [
    {file = "packaging-24.2-py3-none-any.whl", hash = "sha256:%s"},
]

[metadata]
lock-version = "2.1"
python-versions = ">=3.12"
content-hash = "abc"
`, hashA, hashB), "2.1",
			`gunicorn 23.0.0 registry wheel=gunicorn-23.0.0-py3-none-any.whl@ba0efaa9 dep=packaging marker=sys_platform != "win32"
packaging 24.2 registry wheel=packaging-24.2-py3-none-any.whl@b4ce2265 marker=sys_platform != "win32"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("poetry.lock", []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if l.Kind != Poetry || l.Version != tt.version {
				t.Errorf("kind, version = %s, %q; want %s, %q", l.Kind, l.Version, Poetry, tt.version)
			}
			if got := summary(l); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if got := notes(l); got != tt.notes {
				t.Errorf("notes:\n%s\nwant\n%s", got, tt.notes)
			}
		})
	}
}

func TestParsePoetryErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"bad dependency value", "[metadata]\ncontent-hash = \"x\"\n[[package]]\nname = \"a\"\nversion = \"1\"\n[package.dependencies]\nb = 1\n",
			`poetry.lock: package[0] "a": dependencies.b: want a constraint string, a table or a list of tables`},
		{"bad marker in a list of tables", "[metadata]\nlock-version = \"1.1\"\n[[package]]\nname = \"a\"\nversion = \"1\"\n[package.dependencies]\nb = [{version = \"1\", markers = \"os_name ==\"}, {version = \"2\"}]\n",
			`poetry.lock: package[0] "a": dependencies.b[0]: markers:`},
		{"bad package marker", "[metadata]\ncontent-hash = \"x\"\n[[package]]\nname = \"a\"\nversion = \"1\"\nmarker = \"sys_platform = 1\"\n",
			`poetry.lock: package[0] "a": marker:`},
		{"bad extras of a dependency", "[metadata]\nlock-version = \"2.1\"\n[[package]]\nname = \"a\"\nversion = \"1\"\n[package.dependencies]\nb = {version = \"1\", extras = \"x\"}\n",
			`poetry.lock: package[0] "a": dependencies.b: extras: want a list of names`},
		{"git source without a commit", "[metadata]\nlock-version = \"2.1\"\n[[package]]\nname = \"a\"\nversion = \"1\"\n[package.source]\ntype = \"git\"\nurl = \"https://x.example/a.git\"\nreference = \"main\"\nresolved_reference = \"main\"\n",
			`poetry.lock: package[0] "a": source.resolved_reference: "main" is not a full commit hash: lock the project again`},
		{"unknown source type", "[metadata]\nlock-version = \"2.1\"\n[[package]]\nname = \"a\"\nversion = \"1\"\n[package.source]\ntype = \"hg\"\nurl = \"https://x.example/a\"\n",
			`poetry.lock: package[0] "a": source.type: "hg" is not one of legacy, url, git, directory or file`},
		{"unknown lock-version", "[metadata]\nlock-version = \"1.0\"\n", `poetry.lock: metadata.lock-version: unsupported poetry.lock version "1.0"`},
	}
	for _, tt := range tests {
		_, err := Parse("poetry.lock", []byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

// TestParseInvalidArtifacts checks that a malformed artifact record is kept on its package,
// for lock mode to report if the package is needed, rather than failing the parse.
func TestParseInvalidArtifacts(t *testing.T) {
	tests := []struct{ name, file, data, pkg, want string }{
		{"poetry 1.1 hash", "poetry.lock", "[metadata]\nlock-version = \"1.1\"\n[[package]]\nname = \"a\"\nversion = \"1\"\n[metadata.files]\na = [{file = \"a-1.tar.gz\", hash = \"md5:00\"}]\n",
			"a", `metadata.files.a[0] "a-1.tar.gz": hash: hash "md5:00": want sha256:<64 hex digits>`},
		{"poetry 2.1 hash", "poetry.lock", "[metadata]\nlock-version = \"2.1\"\n[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [{file = \"a-1.tar.gz\", hash = \"sha256:00\"}]\n",
			"a", `files[0] "a-1.tar.gz": hash: hash "sha256:00": want 64 hex digits`},
		{"pdm 4.1 metadata.files hash", "pdm.lock", "[metadata]\nlock_version = \"4.1\"\n[[package]]\nname = \"a\"\nversion = \"1\"\n[metadata.files]\n\"a 1\" = [{url = \"https://x.example/a-1.tar.gz\", hash = \"md5:00\"}]\n",
			"a", `metadata.files."a 1"[0]: hash "md5:00": want sha256:<64 hex digits>`},
		{"pdm 4.1 metadata.files entry without url or file", "pdm.lock", "[metadata]\nlock_version = \"4.1\"\n[[package]]\nname = \"a\"\nversion = \"1\"\n[metadata.files]\n\"a 1\" = [{hash = \"sha256:" + hashA + "\"}]\n",
			"a", `metadata.files."a 1"[0]: neither url nor file: lock the project again`},
		{"pdm 4.4 file without url or file", "pdm.lock", "[metadata]\nlock_version = \"4.4\"\n[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [{hash = \"sha256:" + hashA + "\"}]\n",
			"a", `files[0]: neither url nor file: lock the project again`},
	}
	for _, tt := range tests {
		l, err := Parse(tt.file, []byte(tt.data))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := ""
		for _, p := range l.Packages {
			if p.Name == tt.pkg {
				got = p.Invalid
			}
		}
		if got != tt.want {
			t.Errorf("%s: Invalid = %q, want %q", tt.name, got, tt.want)
		}
	}
}
