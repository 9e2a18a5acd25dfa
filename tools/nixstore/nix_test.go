//go:build nix

package nixstore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nixpy/rules_nixpy/tools/closure"
)

// TestBuildRootRealise runs the real nix-build against testing/nixpkgs through the daemon: AddRoot's link is
// a GC root as long as it exists; once it is gone the path can be deleted, and Realise builds it again from
// its derivation, with the narHash it had. A path with no derivation and no substituter is refused, named;
// AddRoot of a path the store lacks only links it.
func TestBuildRootRealise(t *testing.T) {
	ctx := context.Background()
	nixpkgs, err := filepath.Abs("../../testing/nixpkgs/default.nix")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	nixFile := filepath.Join(dir, "app.nix")
	expr := `{ pkgs, src }: { app = pkgs.runCommand "nixpy-realise-test" { } "mkdir $out; cp ${src}/hello.txt $out/"; }`
	if err := os.WriteFile(nixFile, []byte(expr), 0o644); err != nil {
		t.Fatal(err)
	}
	hello := filepath.Join(dir, "hello.txt")
	// A path of this run only, so deleting it disturbs no other test.
	if err := os.WriteFile(hello, []byte(fmt.Sprintf("hello %d\n", time.Now().UnixNano())), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "app.gcroot")
	var tools Tools
	var log strings.Builder
	out, err := tools.Build(ctx, Build{NixFile: nixFile, Attr: "app", Nixpkgs: nixpkgs, System: "x86_64-linux",
		Sources: []Source{{Rel: "hello.txt", File: hello}}, SrcRoot: "."}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if rooted, err := tools.AddRoot(ctx, out, link); err != nil || !rooted {
		t.Fatalf("AddRoot(%s) = %v, %v; want a root", out, rooted, err)
	}
	if target, err := os.Readlink(link); err != nil || target != out {
		t.Fatalf("out link %s -> %q (%v), want %s", link, target, err, out)
	}
	nix, err := tools.Path("nix")
	if err != nil {
		t.Fatal(err)
	}
	c, err := closure.Query(ctx, nix, tools.Environ(), []string{out})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := c.Lookup(out)
	if !strings.HasSuffix(want.Deriver, ".drv") {
		t.Fatalf("closure.json records no derivation for %s: %+v", out, want)
	}

	if roots := nixStore(t, "--gc", "--print-roots"); !listsRoot(roots, link, out) {
		t.Errorf("nix-store --gc --print-roots does not list %s -> %s:\n%s", link, out, roots)
	}
	if err := nixStoreErr("--delete", out); err == nil {
		t.Fatalf("nix-store --delete %s succeeded while its out link exists", out)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	nixStore(t, "--delete", out)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("%s is still there after nix-store --delete: %v", out, err)
	}

	log.Reset()
	if err := tools.Realise(ctx, []closure.Path{want}, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if _, err := os.Stat(filepath.Join(out, "hello.txt")); err != nil {
		t.Errorf("after Realise: %v", err)
	}
	if !strings.Contains(log.String(), "1 from their derivations") {
		t.Errorf("Realise's log %q does not say it built from the derivation", log.String())
	}

	never := closure.Path{Path: filepath.Join(filepath.Dir(out), "00000000000000000000000000000000-nixpy-never-built"), NarHash: "sha256-x"}
	err = tools.Realise(ctx, []closure.Path{never}, nil)
	if err == nil || !strings.Contains(err.Error(), "could not be realised: "+never.Path) {
		t.Errorf("Realise of a path nothing can make: err = %v", err)
	}
	neverLink := filepath.Join(dir, "never.gcroot")
	if rooted, err := tools.AddRoot(ctx, never.Path, neverLink); err != nil || rooted {
		t.Errorf("AddRoot of a path the store lacks = %v, %v; want a plain link", rooted, err)
	}
	if target, err := os.Readlink(neverLink); err != nil || target != never.Path {
		t.Errorf("%s -> %q (%v), want %s", neverLink, target, err, never.Path)
	}
}

func nixStore(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("nix-store", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("nix-store %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// listsRoot says whether `nix-store --gc --print-roots` lists link as a root of path (Nix 2.34 quotes the link).
func listsRoot(roots, link, path string) bool {
	for _, line := range strings.Split(roots, "\n") {
		if line == link+` -> `+path || line == `"`+link+`" -> `+path {
			return true
		}
	}
	return false
}

func nixStoreErr(args ...string) error {
	return exec.Command("nix-store", args...).Run()
}

// TestBuildPackages builds nixpkgs attributes of testing/nixpkgs in order; a missing one, or one that is no
// package, fails when Nix evaluates, naming it.
func TestBuildPackages(t *testing.T) {
	ctx := context.Background()
	nixpkgs, err := filepath.Abs("../../testing/nixpkgs/default.nix")
	if err != nil {
		t.Fatal(err)
	}
	var tools Tools
	var log strings.Builder
	b := Build{Nixpkgs: nixpkgs, System: "x86_64-linux", Packages: []string{"cacert", "bashInteractive", "python311Packages.flask"}}
	paths, err := tools.BuildPackages(ctx, b, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for i, want := range []string{"-nss-cacert-", "-bash-interactive-", "-python3.11-flask-"} {
		if i >= len(paths) || !strings.Contains(paths[i], want) {
			t.Errorf("paths = %q, want %q at %d", paths, want, i)
		}
	}
	if _, err := os.Stat(filepath.Join(paths[1], "bin/sh")); err != nil {
		t.Errorf("bashInteractive has no bin/sh: %v", err)
	}
	for pkg, want := range map[string]string{
		"bashInteractivee":        "nixpkgs has no attribute bashInteractivee (no bashInteractivee)",
		"python311Packages.nope":  "nixpkgs has no attribute python311Packages.nope (no nope)",
		"lib":                     "nixpkgs' lib is not a package",
		"python311.version.major": "nixpkgs has no attribute python311.version.major (no major)",
	} {
		log.Reset()
		b.Packages = []string{"cacert", pkg}
		_, err := tools.BuildPackages(ctx, b, &log)
		if err == nil || !strings.Contains(log.String(), want) {
			t.Errorf("packages %q: err = %v, log %q; want it to say %q", b.Packages, err, log.String(), want)
		}
	}
}
