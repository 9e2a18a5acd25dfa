package rigtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	flaskEnv = `with import ./testing/nixpkgs { }; python3.withPackages (ps: [ ps.flask ])`
	// wholeSet is every package of the set that is not a library: tools, cacert, python3 and its packages.
	wholeSet = `with import ./testing/nixpkgs { }; [ python3 cacert bash coreutils busybox ]
	  ++ builtins.attrValues (lib.filterAttrs (n: v: lib.isDerivation v && n != "python") python3Packages)`
	apps = "testing/nixpkgs/testdata/apps.nix"
)

func TestPython3(t *testing.T) {
	py := buildOne(t, "testing/nixpkgs", "-A", "python3")
	out := run(t, filepath.Join(py, "bin", "python3"), "-c",
		"import sys, ssl, sqlite3, json, zlib, ctypes, lzma, bz2, decimal, uuid; print(sys.version_info[:2], sys.prefix)")
	if !strings.HasPrefix(out, "(3, 11) "+py) {
		t.Errorf("python3 says %q, want version 3.11 and prefix %s", out, py)
	}
	// python3 and python311 are one interpreter, with nixpkgs' passthru.
	got := run(t, "nix-instantiate", "--eval", "--strict", "-E", `with import ./testing/nixpkgs { }; [
		(python3 == python311) python3.pythonVersion python3.sitePackages (python3.version == python3.pkgs.python.version)
		(python3Packages.flask.pname) (lib.versionAtLeast python3Packages.flask.version "2.2") ]`)
	want := `[ true "3.11" "lib/python3.11/site-packages" true "flask" true ]`
	if strings.TrimSpace(got) != want {
		t.Errorf("python3 attributes: got %s, want %s", got, want)
	}
}

// TestFlaskEnvInChroot runs the flask environment in a root that holds only its closure.
func TestFlaskEnvInChroot(t *testing.T) {
	env := buildOne(t, "-E", flaskEnv)
	dir := t.TempDir()
	for _, p := range closure(t, env) {
		if err := os.MkdirAll(filepath.Join(dir, "nix", "store"), 0o755); err != nil {
			t.Fatal(err)
		}
		run(t, "cp", "-a", p, filepath.Join(dir, p))
	}
	out, err := exec.Command("chroot", dir, env+"/bin/python3", "-c",
		"import ssl, sqlite3, json, flask; print(flask.Flask(__name__).name, ssl.OPENSSL_VERSION)").CombinedOutput()
	if err != nil {
		t.Fatalf("chroot %s python3: %v\n%s", dir, err, out)
	}
	if !strings.HasPrefix(string(out), "__main__ OpenSSL 3.") {
		t.Errorf("chroot python3 printed %q", out)
	}
	// The console script of a package sees its dependencies without the env.
	out, err = exec.Command("chroot", dir, env+"/bin/flask", "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Flask 2.2.2") {
		t.Errorf("chroot flask --version: %v\n%s", err, out)
	}
}

// TestApplications builds applications from pyproject sources with hatchling and setuptools and runs
// their console scripts.
func TestApplications(t *testing.T) {
	for attr, want := range map[string]string{
		"hello-hatch":      "hello from hello-hatch (flask 2.2.2, OpenSSL, python 3.11.2)",
		"hello-setuptools": "hello from setuptools",
	} {
		app := buildOne(t, apps, "-A", attr)
		if out := strings.TrimSpace(run(t, filepath.Join(app, "bin", attr))); out != want {
			t.Errorf("%s printed %q, want %q", attr, out, want)
		}
		site := filepath.Join(app, "lib", "python3.11", "site-packages")
		if entries, err := os.ReadDir(site); err != nil || len(entries) == 0 {
			t.Errorf("%s: nothing installed in %s (%v)", attr, site, err)
		}
	}
}

// TestReproducible rebuilds the whole set, the flask env, the applications and the test wheels and
// compares them bit for bit with nix-build --check.
func TestReproducible(t *testing.T) {
	for _, args := range [][]string{
		{"-E", wholeSet},
		{"-E", flaskEnv},
		{apps},
		{"testing/wheels"},
	} {
		build(t, args...)
		build(t, append([]string{"--check"}, args...)...)
	}
}

// TestLockModeWheels builds a lock-mode style expression whose wheels come from fetchurl of
// files.pythonhosted.org URLs, offline, after testing/wheels/add-wheels seeded the store.
func TestLockModeWheels(t *testing.T) {
	needNix(t)
	run(t, "testing/wheels/add-wheels", "--check")
	env := buildOne(t, "testing/wheels/lock-example.nix", "--option", "substituters", "")
	out := run(t, filepath.Join(env, "bin", "python3"), "-c", "import flask, markupsafe._speedups; print(flask.__file__)")
	if !strings.HasPrefix(out, env) {
		t.Errorf("flask imported from %q, want under %s", out, env)
	}
}

// TestTrivialBuilders builds testdata/trivial.nix: stdenv.mkDerivation (src, phases, hooks, finalAttrs,
// passthru, meta), runCommand, writeText, writeShellScript(Bin),
// symlinkJoin, buildEnv with pathsToLink, cacert's bundle and setup hook, some lib.
func TestTrivialBuilders(t *testing.T) {
	out := buildOne(t, "testing/nixpkgs/testdata/trivial.nix")
	data, err := os.ReadFile(out)
	if err != nil || strings.TrimSpace(string(data)) != "3,y" {
		t.Errorf("trivial builders wrote %q (%v), want 3,y", data, err)
	}
}
