// Package rigtest tests testing/nixpkgs with a real Nix: it needs nix-build on PATH and a working
// nix-daemon (or a root store), i.e. the rig: dev/enter go test ./testing/nixpkgs/rigtest/.
// Without nix-build the tests fail; they never skip.
package rigtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// root is the checkout: three directories above this file.
func root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

func needNix(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"nix-build", "nix-instantiate", "nix-store"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: run these tests in the rig (dev/enter go test ./testing/nixpkgs/rigtest/)", tool)
		}
	}
}

// run runs a command in the checkout and returns its stdout; stderr goes to the log on failure.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, stderr, err := try(t, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(stderr, 60))
	}
	return out
}

// try runs a command in the checkout and returns stdout, stderr and its error.
func try(t testing.TB, name string, args ...string) (string, string, error) {
	t.Helper()
	return tryIn(root(t), name, args...)
}

// tryIn runs a command in dir and returns stdout, stderr and its error.
func tryIn(dir, name string, args ...string) (string, string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// build realises a Nix expression (file plus nix-build arguments) and returns its output paths.
func build(t testing.TB, args ...string) []string {
	t.Helper()
	needNix(t)
	out := run(t, "nix-build", append([]string{"--no-out-link"}, args...)...)
	return strings.Fields(out)
}

// buildOne is build for an expression with a single output path.
func buildOne(t testing.TB, args ...string) string {
	t.Helper()
	paths := build(t, args...)
	if len(paths) != 1 {
		t.Fatalf("nix-build %v: want one output path, got %v", args, paths)
	}
	return paths[0]
}

// closure is the runtime closure of store paths.
func closure(t testing.TB, paths ...string) []string {
	t.Helper()
	return strings.Fields(run(t, "nix-store", append([]string{"--query", "--requisites"}, paths...)...))
}

// evalError evaluates a Nix expression that must fail and returns nix-instantiate's error output.
func evalError(t testing.TB, dir, expr string) string {
	t.Helper()
	needNix(t)
	cmd := exec.Command("nix-instantiate", "--eval", "--strict", "-E", expr)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("expression evaluated, want an error:\n%s\n=> %s", expr, out)
	}
	return string(out)
}

// copyTree copies the set's Nix files (and, if withDebs, its .debs) into a temporary directory, for tests
// that break them.
func copyTree(t testing.TB, withDebs bool) string {
	t.Helper()
	src := filepath.Join(root(t), "testing", "nixpkgs")
	dst := filepath.Join(t.TempDir(), "nixpkgs")
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			if rel == "rigtest" || (rel == "debs" && !withDebs) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
