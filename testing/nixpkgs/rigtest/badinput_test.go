package rigtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A .deb missing from testing/nixpkgs/debs/: evaluation stops naming the package and the fix.
func TestMissingDeb(t *testing.T) {
	dir := copyTree(t, false)
	got := evalError(t, dir, "(import ./. { }).python3.drvPath")
	if !regexp.MustCompile(`the \.deb of [a-z0-9.+-]+ \S+ \(\S+\.deb\) is missing from testing/nixpkgs/debs/: run testing/nixpkgs/fetch-debs \(dev/setup does\)`).MatchString(got) {
		t.Errorf("missing .deb: unexpected error:\n%s", tail(got, 20))
	}
}

// A .deb whose bytes differ from the pin in debs.lock.
func TestDebHashMismatch(t *testing.T) {
	dir := copyTree(t, true)
	lock := filepath.Join(dir, "debs.lock")
	data, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^(trixie python3-flask \S+ \S+ )[0-9a-f]{64}`)
	if !re.Match(data) {
		t.Fatal("debs.lock has no trixie python3-flask line")
	}
	data = re.ReplaceAll(data, []byte("${1}"+strings.Repeat("0", 64)))
	if err := os.WriteFile(lock, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got := evalError(t, dir, "(import ./. { }).python313Packages.flask.drvPath")
	if !strings.Contains(got, "(python3-flask) does not have the sha256 pinned in debs.lock: run testing/nixpkgs/fetch-debs") {
		t.Errorf("hash mismatch: unexpected error:\n%s", tail(got, 20))
	}
}

// An attribute the set lacks fails like nixpkgs, naming the attribute.
func TestMissingAttribute(t *testing.T) {
	got := evalError(t, root(t), "(import ./testing/nixpkgs { }).python3Packages.requests.drvPath")
	if !strings.Contains(got, "attribute 'requests' missing") {
		t.Errorf("missing attribute: unexpected error:\n%s", tail(got, 20))
	}
	got = evalError(t, root(t), `(import ./testing/nixpkgs { system = "aarch64-linux"; }).python3.drvPath`)
	if !strings.Contains(got, `it has only system "x86_64-linux"`) {
		t.Errorf("other system: unexpected error:\n%s", tail(got, 20))
	}
}

// Overlays apply like nixpkgs': final sees the overlay, prev the set before it; packageOverrides reach
// the packages that depend on the overridden one.
func TestOverlaysAndOverrides(t *testing.T) {
	needNix(t)
	expr := `let
	  pkgs = import ./testing/nixpkgs { overlays = [
	    (final: prev: { greeting = "hello"; })
	    (final: prev: { greeting = prev.greeting + " world"; shout = final.greeting + "!"; })
	  ]; };
	  py = pkgs.python3.override { packageOverrides = self: super: {
	    markupsafe = super.markupsafe.overrideAttrs (old: { passthru = old.passthru // { marker = true; }; });
	  }; };
	in [ pkgs.shout (py.pkgs.markupsafe.marker or false)
	     (builtins.elem py.pkgs.markupsafe.outPath (map (d: d.outPath) py.pkgs.flask.requiredPythonModules)) ]`
	got := strings.TrimSpace(run(t, "nix-instantiate", "--eval", "--strict", "-E", expr))
	if got != `[ "hello world!" true true ]` {
		t.Errorf("overlays/packageOverrides: got %s", got)
	}
}

// TestRestrictedEvaluation evaluates the set with restrict-eval: only the checkout and the store are
// readable, no URL is allowed, so nothing comes from <nixpkgs>, the host or the network.
func TestRestrictedEvaluation(t *testing.T) {
	needNix(t)
	dir := root(t)
	run(t, "nix-instantiate", "--option", "restrict-eval", "true", "--option", "allowed-uris", "", "-I", dir, "-E",
		`with import `+dir+`/testing/nixpkgs { }; [ (python3.withPackages (ps: [ ps.flask ])) cacert
		  (import `+dir+`/testing/nixpkgs/testdata/apps.nix { }).python313.hello-hatch ]`)
}
