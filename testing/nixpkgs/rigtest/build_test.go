package rigtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	// wholeSet is every package of the set that is not a library: tools, cacert, both interpreters and their packages.
	wholeSet = `with import ./testing/nixpkgs { }; [ python311 python313 cacert tzdata bash bashInteractive coreutils findutils busybox ]
	  ++ builtins.attrValues (lib.filterAttrs (n: v: lib.isDerivation v && n != "python") python311Packages)
	  ++ builtins.attrValues (lib.filterAttrs (n: v: lib.isDerivation v && n != "python") python313Packages)`
	apps = "testing/nixpkgs/testdata/apps.nix"
)

// interpreters are the set's pythons: the attribute, its version, and what its flask env reports.
var interpreters = []struct{ attr, version, flask string }{
	{"python311", "3.11.2", "2.2.2"},
	{"python313", "3.13.5", "3.1.1"},
}

// flaskEnv is the expression of an interpreter's flask environment.
func flaskEnv(attr string) string {
	return `with import ./testing/nixpkgs { }; ` + attr + `.withPackages (ps: [ ps.flask ])`
}

// TestPythons builds each interpreter and imports its native modules (ssl, sqlite3, zlib, ctypes...).
func TestPythons(t *testing.T) {
	for _, py := range interpreters {
		t.Run(py.attr, func(t *testing.T) {
			out := buildOne(t, "testing/nixpkgs", "-A", py.attr)
			got := run(t, filepath.Join(out, "bin", "python3"), "-c",
				"import sys, ssl, sqlite3, json, zlib, ctypes, lzma, bz2, decimal, uuid, readline; print(sys.version.split()[0], sys.prefix)")
			if want := py.version + " " + out; strings.TrimSpace(got) != want {
				t.Errorf("%s says %q, want %q", py.attr, got, want)
			}
		})
	}
	// python3 is python313, nixpkgs' default; each interpreter has nixpkgs' passthru and its own package set.
	got := run(t, "nix-instantiate", "--eval", "--strict", "-E", `with import ./testing/nixpkgs { }; [
		(python3 == python313) (python3Packages.flask == python313Packages.flask)
		python311.pythonVersion python311.sitePackages python313.pythonVersion python313.sitePackages
		(python313.version == python313.pkgs.python.version) python313.isPy313 python311.isPy313
		(python313Packages.flask.pname) python313Packages.flask.version python311Packages.flask.version
		(python311Packages ? greenlet) (python313Packages ? greenlet) ]`)
	want := `[ true true "3.11" "lib/python3.11/site-packages" "3.13" "lib/python3.13/site-packages" true true false "flask" "3.1.1" "2.2.2" true false ]`
	if strings.TrimSpace(got) != want {
		t.Errorf("python attributes: got %s, want %s", got, want)
	}
}

// TestFlaskEnvInChroot runs each interpreter's flask environment in a root that holds only its closure.
func TestFlaskEnvInChroot(t *testing.T) {
	for _, py := range interpreters {
		t.Run(py.attr, func(t *testing.T) {
			env := buildOne(t, "-E", flaskEnv(py.attr))
			dir := t.TempDir()
			for _, p := range closure(t, env) {
				if err := os.MkdirAll(filepath.Join(dir, "nix", "store"), 0o755); err != nil {
					t.Fatal(err)
				}
				run(t, "cp", "-a", p, filepath.Join(dir, p))
			}
			// As in nixpkgs, the interpreter and the packages carry their bytecode: importing compiles nothing.
			// First, before any run could write bytecode into the copied closure.
			out, err := exec.Command("chroot", dir, env+"/bin/python3", "-v", "-c", "import flask, ssl, json").CombinedOutput()
			if err != nil {
				t.Fatalf("chroot %s python3 -v: %v\n%s", dir, err, out)
			}
			if compiled, cached := importSources(string(out)); len(compiled) > 0 || cached < 50 {
				t.Errorf("import flask compiled %d modules from source (%v) and read %d from bytecode; want none compiled",
					len(compiled), compiled, cached)
			}
			out, err = exec.Command("chroot", dir, env+"/bin/python3", "-c",
				"import sys, ssl, sqlite3, json, zlib, flask; print(sys.version.split()[0], flask.Flask(__name__).name, ssl.OPENSSL_VERSION)").CombinedOutput()
			if err != nil {
				t.Fatalf("chroot %s python3: %v\n%s", dir, err, out)
			}
			if !strings.HasPrefix(string(out), py.version+" __main__ OpenSSL 3.") {
				t.Errorf("chroot python3 printed %q", out)
			}
			// The console script of a package sees its dependencies without the env.
			out, err = exec.Command("chroot", dir, env+"/bin/flask", "--version").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Flask "+py.flask) {
				t.Errorf("chroot flask --version: %v\n%s", err, out)
			}
		})
	}
}

// TestApplications builds applications from pyproject sources with hatchling and setuptools, with each
// interpreter's build backends, and runs their console scripts.
func TestApplications(t *testing.T) {
	for _, py := range interpreters {
		minor := py.version[:strings.LastIndex(py.version, ".")]
		for attr, want := range map[string]string{
			"hello-hatch":      "hello from hello-hatch (flask " + py.flask + ", OpenSSL, python " + py.version + ")",
			"hello-setuptools": "hello from setuptools",
		} {
			app := buildOne(t, apps, "-A", py.attr+"."+attr)
			if out := strings.TrimSpace(run(t, filepath.Join(app, "bin", attr))); out != want {
				t.Errorf("%s.%s printed %q, want %q", py.attr, attr, out, want)
			}
			site := filepath.Join(app, "lib", "python"+minor, "site-packages")
			if entries, err := os.ReadDir(site); err != nil || len(entries) == 0 {
				t.Errorf("%s.%s: nothing installed in %s (%v)", py.attr, attr, site, err)
			}
		}
	}
}

// TestReproducible rebuilds the whole set, the flask env, the applications and the test wheels and
// compares them bit for bit with nix-build --check.
func TestReproducible(t *testing.T) {
	for _, args := range [][]string{
		{"-E", wholeSet},
		{"-E", flaskEnv("python311")},
		{"-E", flaskEnv("python313")},
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

// importSources reads `python -v`'s trace: the modules compiled from their source and the number read from
// bytecode.
func importSources(trace string) (compiled []string, cached int) {
	for _, line := range strings.Split(trace, "\n") {
		from, ok := strings.CutPrefix(line, "# code object from ")
		switch {
		case !ok:
		case strings.HasSuffix(from, ".pyc'"):
			cached++
		default:
			compiled = append(compiled, from)
		}
	}
	return compiled, cached
}
