package testinputs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestInputs(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"go.mod", "MODULE.bazel", "MODULE.bazel.lock", "rules/defs.bzl", ".git/HEAD", ".rig/fingerprint",
		"testing/e2e/scratch_x_1/BUILD.bazel", "testing/nixpkgs/debs.lock", "testing/nixpkgs/debs/a.deb",
		"examples/app/MODULE.bazel", "examples/app/bazel-out/k8/x",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(root, filepath.Join(root, "bazel-bin")); err != nil {
		t.Fatal(err)
	}

	got, err := inputs(root, []string{"HOME=/root", "CI=", "=C:=odd"}, []string{"."})
	if err != nil {
		t.Fatal(err)
	}
	p := func(rel string) string { return filepath.Join(root, rel) }
	want := []string{
		"getenv HOME", "getenv CI", "open " + p(".rig/fingerprint"),
		"stat " + root, "open " + p("MODULE.bazel"),
		"stat " + p("examples"), "stat " + p("examples/app"), "open " + p("examples/app/MODULE.bazel"),
		"open " + p("go.mod"), "stat " + p("rules"), "open " + p("rules/defs.bzl"),
		"stat " + p("testing"), "stat " + p("testing/e2e"), "stat " + p("testing/nixpkgs"),
		"open " + p("testing/nixpkgs/debs.lock"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("inputs =\n%q\nwant\n%q", got, want)
	}

	got, err = inputs(root, nil, []string{"rules"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"open " + p(".rig/fingerprint"), "stat " + p("rules"), "open " + p("rules/defs.bzl")}; !slices.Equal(got, want) {
		t.Errorf("inputs of rules =\n%q\nwant\n%q", got, want)
	}

	if r, err := moduleRoot(p("testing/e2e")); err != nil || r != root {
		t.Errorf("moduleRoot = %q, %v; want %q", r, err, root)
	}
}
