package lockfile

import (
	"fmt"
	"strings"
	"testing"
)

func TestParsePDMVersions(t *testing.T) {
	tests := []struct{ name, data, want, notes string }{
		{"4.0: URLs in metadata.files", fmt.Sprintf(`[[package]]
name = "requests"
version = "2.28.1"
requires_python = ">=3.7, <4"
summary = "Python HTTP for Humans."
dependencies = [
    "certifi>=2017.4.17",
    "idna<4,>=2.5",
]

[[package]]
name = "requests"
version = "2.28.1"
extras = ["socks"]
requires_python = ">=3.7, <4"
summary = "Python HTTP for Humans."
dependencies = [
    "PySocks!=1.5.7,>=1.5.6",
]

[metadata]
lock_version = "4.0"
content_hash = "sha256:abc"

[metadata.files]
"requests 2.28.1" = [
    {url = "https://files.pythonhosted.org/packages/ca/91/requests-2.28.1-py3-none-any.whl#sha256=%s", hash = "sha256:%s"},
    {url = "https://mirror.example/packages/requests-2.28.1.tar.gz", hash = "sha256:%s"},
]
`, hashA, hashA, hashB), `requests 2.28.1 registry sdist=https://mirror.example/packages/requests-2.28.1.tar.gz@b4ce2265 wheel=requests-2.28.1-py3-none-any.whl@ba0efaa9 dep=certifi dep=idna extra=socks:pysocks`, ""},
		{"4.2: groups in metadata, files by name and version", fmt.Sprintf(`[metadata]
groups = ["default", "dev"]
cross_platform = true
static_urls = false
lock_version = "4.2"
content_hash = "sha256:abc"

[[package]]
name = "Click"
version = "8.1.03"
requires_python = ">=3.7"
summary = ""
dependencies = [
    "colorama; platform_system == \"Windows\"",
]

[metadata.files]
"click 8.1.3" = [
    {url = "https://files.pythonhosted.org/packages/c2/f1/click-8.1.3-py3-none-any.whl", hash = "sha256:%s"},
]
`, hashA), `click 8.1.3 registry wheel=click-8.1.3-py3-none-any.whl@ba0efaa9 dep=colorama;platform_system == "Windows"`, ""},
		{"4.3: files by name in the package", fmt.Sprintf(`[metadata]
groups = ["default"]
cross_platform = true
static_urls = false
lock_version = "4.3"
content_hash = "sha256:abc"

[[package]]
name = "idna"
version = "3.4"
requires_python = ">=3.5"
summary = ""
files = [
    {file = "idna-3.4-py3-none-any.whl", hash = "sha256:%s"},
    {file = "idna-3.4.tar.gz", hash = "sha256:%s"},
]
`, hashA, hashB), `idna 3.4 registry sdist=https://files.pythonhosted.org/packages/source/i/idna/idna-3.4.tar.gz@b4ce2265 wheel=idna-3.4-py3-none-any.whl@ba0efaa9`, ""},
		{"4.4: static URLs, markers and groups per package", fmt.Sprintf(`[metadata]
groups = ["default"]
strategy = ["cross_platform", "inherit_metadata", "static_urls"]
lock_version = "4.4"
content_hash = "sha256:abc"

[[package]]
name = "colorama"
version = "0.4.6"
requires_python = ">=2.7"
summary = ""
groups = ["default"]
marker = "platform_system == \"Windows\""
files = [
    {url = "https://pypi.corp.example/files/colorama-0.4.6-py2.py3-none-any.whl", hash = "sha256:%s"},
]

[[package]]
name = "archive"
version = "1.0"
summary = ""
groups = ["default"]
url = "https://forge.example/archive/v1.0.zip"
files = [
    {file = "v1.0.zip", hash = "sha256:%s"},
]
`, hashA, hashB), `archive 1.0 url sdist=https://forge.example/archive/v1.0.zip@b4ce2265
colorama 0.4.6 registry wheel=colorama-0.4.6-py2.py3-none-any.whl@ba0efaa9 marker=platform_system == "Windows"`, ""},
		{"4.5: targets, git and path packages", fmt.Sprintf(`[metadata]
groups = ["default"]
strategy = ["inherit_metadata"]
lock_version = "4.5.0"
content_hash = "sha256:abc"

[[metadata.targets]]
requires_python = ">=3.11"

[[package]]
name = "lib"
version = "0.1.0"
requires_python = ">=3.11"
path = "./libs/lib"
summary = ""
groups = ["default"]

[[package]]
name = "tool"
version = "2.0"
git = "https://github.com/example/tool.git"
ref = "main"
revision = "0123456789abcdef0123456789abcdef01234567"
subdirectory = "python"
summary = ""
groups = ["default"]
dependencies = ["idna"]

[[package]]
name = "old-lib"
version = "0.2"
url = "file:///${PROJECT_ROOT}/libs/old"
editable = true
summary = ""
groups = ["default"]

[[package]]
name = "vendored"
version = "1.0"
path = "./vendor/vendored-1.0-py3-none-any.whl"
summary = ""
groups = ["default"]

[[package]]
name = "idna"
version = "3.10"
requires_python = ">=3.6"
summary = ""
groups = ["default"]
files = [
    {file = "idna-3.10-py3-none-any.whl", hash = "sha256:%s"},
]

[[package]]
name = "idna"
version = "3.10"
extras = ["all"]
summary = ""
groups = ["default"]
dependencies = ["idna==3.10", "bad>=>1"]
`, hashA), `idna 3.10 registry wheel=idna-3.10-py3-none-any.whl@ba0efaa9
lib 0.1.0 directory
old-lib 0.2 editable
tool 2.0 git dep=idna
vendored 1.0 path unsupported`, `idna[all]: pdm.lock: package "idna" with extras all: dependencies: requirement "bad>=>1": specifier ">=>1": clause ">=>1": invalid PEP 440 version ">1": lock the project again, or do not request these extras
lib: path libs/lib
old-lib: path libs/old
tool: git https://github.com/example/tool.git@0123456789abcdef0123456789abcdef01234567 python
vendored: a local file ./vendor/vendored-1.0-py3-none-any.whl instead of a URL: publish it to an index or reference it by URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("pdm.lock", []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if l.Kind != PDM {
				t.Errorf("kind = %s, want %s", l.Kind, PDM)
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

// TestPDMURLFragment checks that the "#sha256=" fragment lock_version 4.0 and 4.1 kept on
// URLs is dropped: Nix names the download after the URL, and '#' is not allowed there.
func TestPDMURLFragment(t *testing.T) {
	l, err := Parse("pdm.lock", []byte(fmt.Sprintf(`[[package]]
name = "six"
version = "1.16.0"
[metadata]
lock_version = "4.0"
[metadata.files]
"six 1.16.0" = [{url = "https://files.pythonhosted.org/packages/d9/5a/six-1.16.0-py2.py3-none-any.whl#sha256=%s", hash = "sha256:%s"}]
`, hashA, hashA)))
	if err != nil {
		t.Fatal(err)
	}
	w := l.Packages[0].Wheels[0]
	if want := "https://files.pythonhosted.org/packages/d9/5a/six-1.16.0-py2.py3-none-any.whl"; w.URL != want || w.Filename != "six-1.16.0-py2.py3-none-any.whl" {
		t.Errorf("wheel = %s (%s), want %s (six-1.16.0-py2.py3-none-any.whl)", w.URL, w.Filename, want)
	}
}

func TestParsePDMErrors(t *testing.T) {
	const head = "[metadata]\nlock_version = \"4.1\"\n"
	tests := []struct{ name, data, want string }{
		{"metadata.files key", head + "[metadata.files]\n\"requests\" = []\n",
			`pdm.lock: metadata.files."requests": want the key "name version"`},
		{"metadata.files version", head + "[metadata.files]\n\"requests 2.x\" = []\n",
			`pdm.lock: metadata.files."requests 2.x": version:`},
		{"package marker", "[metadata]\nlock_version = \"4.4\"\n[[package]]\nname = \"a\"\nversion = \"1\"\nmarker = \"os_name ==\"\n",
			`pdm.lock: package[0] "a": marker:`},
		{"extras entry without its package", "[metadata]\nlock_version = \"4.4\"\n[[package]]\nname = \"a\"\nversion = \"1\"\nextras = [\"x\", \"y\"]\n",
			`pdm.lock: package "a" with extras x, y: no entry for the package itself: lock the project again`},
		{"git without a commit", "[metadata]\nlock_version = \"4.4\"\n[[package]]\nname = \"a\"\nversion = \"1\"\ngit = \"https://x.example/a.git\"\nref = \"main\"\n",
			`pdm.lock: package[0] "a": revision: "" is not a full commit hash of https://x.example/a.git: lock the project again`},
		{"lock version 3", "[metadata]\nlock_version = \"3.1\"\n", `pdm.lock: metadata.lock_version: unsupported pdm.lock version "3.1" (this tool reads 4.x)`},
	}
	for _, tt := range tests {
		_, err := Parse("pdm.lock", []byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}
