package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	wheelSum = "e3f988a4cfddbbaec8efccd60973979143927472b531dd7948c1f41687629901"
	sdistSum = "642c450d19c4ad482f96729bd2a8f6d32554aa1e231f4f6b4e7e5264b16cca2b"
	noSum    = "1111111111111111111111111111111111111111111111111111111111111111"
)

// simpleIndex serves a static PEP 503 tree with flask's wheel and sdist on loopback.
func simpleIndex(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	page := filepath.Join(root, "simple", "flask", "index.html")
	if err := os.MkdirAll(filepath.Dir(page), 0o755); err != nil {
		t.Fatal(err)
	}
	html := fmt.Sprintf(`<html><body>
<a href="../../packages/flask-2.2.2-py3-none-any.whl#sha256=%s">flask-2.2.2-py3-none-any.whl</a>
<a href="../../packages/Flask-2.2.2.tar.gz#sha256=%s">Flask-2.2.2.tar.gz</a>
</body></html>
`, wheelSum, sdistSum)
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestResolveCommand(t *testing.T) {
	host := simpleIndex(t)
	index := host + "/simple/"
	pins := "flask==2.2.2 \\\n    --hash=sha256:" + wheelSum + " \\\n    --hash=sha256:" + sdistSum + "\n    # via -r requirements.in\n"
	poetry := fmt.Sprintf("[[package]]\nname = \"flask\"\nversion = \"2.2.2\"\nfiles = [{ file = \"flask-2.2.2-py3-none-any.whl\", hash = \"sha256:%s\" }]\n\n[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.11\"\n", wheelSum)
	tests := []struct {
		name      string
		lockName  string
		lock      string
		pyproject string
		args      []string
		wantCode  int
		want      []string // in the artifacts file, or in stderr when wantCode != 0
	}{
		{"requirements through its own index", "requirements.txt", "--index-url " + index + "\n" + pins, "", nil, 0, []string{
			"# Written by nixpy resolve: the file name and URL on a package index of every hash requirements.txt pins.",
			"version = 1\nlock = 'requirements.txt'\nindexes = ['" + index + "']",
			"[[artifact]]\nname = 'flask'\nversion = '2.2.2'\nfilename = 'flask-2.2.2-py3-none-any.whl'\nurl = '" + host + "/packages/flask-2.2.2-py3-none-any.whl'\nsha256 = '" + wheelSum + "'",
			"filename = 'Flask-2.2.2.tar.gz'\nurl = '" + host + "/packages/Flask-2.2.2.tar.gz'",
		}},
		{"index by flag", "requirements.txt", pins, "", []string{"--index-url", index}, 0, []string{"url = '" + host + "/packages/flask-2.2.2-py3-none-any.whl'"}},
		{"index credentials stay out of the file", "requirements.txt", pins, "", []string{"--index-url", strings.Replace(index, "http://", "http://user:token@", 1)}, 0, []string{
			"indexes = ['" + index + "']", "url = '" + host + "/packages/flask-2.2.2-py3-none-any.whl'"}},
		{"extra index by flag", "requirements.txt", "--index-url " + host + "/empty/\n" + pins, "", []string{"--extra-index-url", index}, 0, []string{"indexes = ['" + host + "/empty/', '" + index + "']"}},
		{"poetry through its pyproject source", "poetry.lock", poetry, "[tool.poetry]\nname = \"app\"\n\n[[tool.poetry.source]]\nname = \"local\"\nurl = \"" + index + "\"\n", nil, 0, []string{
			"indexes = ['" + index + "', 'https://pypi.org/simple/']", "url = '" + host + "/packages/flask-2.2.2-py3-none-any.whl'"}},
		{"pdm file with a recorded URL is left alone", "pdm.lock", fmt.Sprintf("[metadata]\nlock_version = \"4.5.0\"\n\n[[package]]\nname = \"flask\"\nversion = \"2.2.2\"\nfiles = [{ url = \"https://files.example/flask-2.2.2-py3-none-any.whl\", hash = \"sha256:%s\" }, { file = \"Flask-2.2.2.tar.gz\", hash = \"sha256:%s\" }]\n", noSum, sdistSum), "", []string{"--index-url", index}, 0, []string{
			"filename = 'Flask-2.2.2.tar.gz'", "lock = 'pdm.lock'"}},
		{"poetry package of a legacy source, through its own index", "poetry.lock", strings.Replace(poetry, "files = [", "source = { type = \"legacy\", url = \""+index+"\", reference = \"local\" }\nfiles = [", 1), "", nil, 0, []string{
			"indexes = ['https://pypi.org/simple/']", "url = '" + host + "/packages/flask-2.2.2-py3-none-any.whl'"}},
		{"hash on no index", "requirements.txt", "--index-url " + index + "\n\nflask==2.2.2 --hash=sha256:" + noSum + "\n", "", nil, 1, []string{
			"requirements.txt:3: package flask 2.2.2: sha256 " + noSum + " matches no file of flask on " + index}},
		{"unreachable index", "requirements.txt", pins, "", []string{"--index-url", "http://127.0.0.1:1/simple/"}, 1, []string{
			"requirements.txt:1: package flask 2.2.2: index http://127.0.0.1:1/simple/flask/ unreachable"}},
		{"no lock", "", "", "", nil, 2, []string{"--lock is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"resolve", "--cache-dir", ""}
			if tt.lockName != "" {
				args = append(args, "--lock", filepath.Join(dir, tt.lockName))
				if err := os.WriteFile(filepath.Join(dir, tt.lockName), []byte(tt.lock), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tt.pyproject != "" {
				args = append(args, "--pyproject", filepath.Join(dir, "pyproject.toml"))
				if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte(tt.pyproject), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			code := run(append(args, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d: %s", code, tt.wantCode, stderr.String())
			}
			got := stderr.String()
			if code == 0 {
				out := filepath.Join(dir, strings.TrimSuffix(tt.lockName, filepath.Ext(tt.lockName))+".resolved.toml")
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				got = string(data)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestResolveThenTranslate: the artifacts file resolve writes makes translate pin the hash-only
// requirement to the index's file; without it translate says how to resolve.
func TestResolveThenTranslate(t *testing.T) {
	index := simpleIndex(t) + "/simple/"
	dir := t.TempDir()
	write := func(name, text string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	py := write("pyproject.toml", "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"flask\"]\n")
	lock := write("requirements.txt", "--index-url "+index+"\nflask==2.2.2 --hash=sha256:"+wheelSum+"\n")
	translate := []string{"translate", "--pyproject", py, "--lock", lock, "--mode", "lock", "-o", filepath.Join(dir, "out.nix")}
	var stdout, stderr bytes.Buffer
	if code := run(translate, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "nixpy resolve --lock "+lock) {
		t.Fatalf("translate before resolve: exit %d, stderr %s; want the advice to resolve", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"resolve", "--lock", lock, "--cache-dir", filepath.Join(dir, "cache")}, &stdout, &stderr); code != 0 {
		t.Fatalf("resolve: exit %d: %s", code, stderr.String())
	}
	if want := "wrote " + filepath.Join(dir, "requirements.resolved.toml") + ": 1 files for 1 packages, from " + index; !strings.Contains(stderr.String(), want) {
		t.Errorf("resolve said %q, want %q", stderr.String(), want)
	}
	stderr.Reset()
	if code := run(append(translate, "--artifacts", filepath.Join(dir, "requirements.resolved.toml")), &stdout, &stderr); code != 0 {
		t.Fatalf("translate with the artifacts: exit %d: %s", code, stderr.String())
	}
	nix, err := os.ReadFile(filepath.Join(dir, "out.nix"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `url = "` + strings.TrimSuffix(index, "/simple/") + `/packages/flask-2.2.2-py3-none-any.whl";`; !strings.Contains(string(nix), want) {
		t.Errorf("the translation lacks %s:\n%s", want, nix)
	}
}
