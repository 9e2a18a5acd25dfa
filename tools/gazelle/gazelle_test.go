package gazelle

import (
	"bytes"
	"flag"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/merger"
	"github.com/bazelbuild/bazel-gazelle/rule"
	"github.com/bazelbuild/bazel-gazelle/testtools"
	"github.com/bazelbuild/bazel-gazelle/walk"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*/**/BUILD.out from the generated files")

// runGazelle does what `gazelle update` does with this one language: walk the tree, apply
// directives, generate, merge into the existing BUILD files, fix loads, write what changed.
// It returns the BUILD files it wrote and what the extension logged.
func runGazelle(t *testing.T, root string) (written []string, logged string) {
	t.Helper()
	var logs bytes.Buffer
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)

	lang := NewLanguage()
	cexts := []config.Configurer{&config.CommonConfigurer{}, &walk.Configurer{}}
	c := testtools.NewTestConfig(t, cexts, []language.Language{lang}, []string{"-repo_root=" + root})
	cexts = append(cexts, lang)
	kinds := lang.Kinds()
	err := walk.Walk2(c, cexts, []string{root}, walk.VisitAllUpdateSubdirsMode, func(args walk.Walk2FuncArgs) walk.Walk2FuncResult {
		res := lang.GenerateRules(language.GenerateArgs{
			Config: args.Config, Dir: args.Dir, Rel: args.Rel, File: args.File,
			Subdirs: args.Subdirs, RegularFiles: args.RegularFiles, GenFiles: args.GenFiles,
		})
		f := args.File
		if f == nil {
			if len(res.Gen) == 0 {
				return walk.Walk2FuncResult{}
			}
			f = rule.EmptyFile(filepath.Join(args.Dir, "BUILD.bazel"), args.Rel)
		}
		merger.MergeFile(f, res.Empty, res.Gen, merger.PreResolve, kinds, nil)
		merger.FixLoads(f, lang.Loads())
		out := f.Format()
		if old, err := os.ReadFile(f.Path); err == nil && bytes.Equal(old, out) {
			return walk.Walk2FuncResult{}
		}
		if err := os.WriteFile(f.Path, out, 0o644); err != nil {
			return walk.Walk2FuncResult{Err: err}
		}
		written = append(written, args.Rel)
		return walk.Walk2FuncResult{}
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return written, logs.String()
}

// TestGolden runs the extension on each testdata/<case> tree (BUILD.in as the existing BUILD
// file), compares every BUILD file with BUILD.out, and checks that a second run changes nothing.
// A directory without BUILD.out must end up without a BUILD file; a case's want.log lists lines
// that the log must contain.
func TestGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name(), func(t *testing.T) {
			src := filepath.Join("testdata", tc.Name())
			root := t.TempDir()
			copyTree(t, src, root)

			_, logged := runGazelle(t, root)
			if want, err := os.ReadFile(filepath.Join(src, "want.log")); err == nil {
				for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
					if !strings.Contains(logged, line) {
						t.Errorf("log lacks %q; log:\n%s", line, logged)
					}
				}
			} else if logged != "" {
				t.Errorf("unexpected log:\n%s", logged)
			}
			compareTree(t, src, root)

			if written, _ := runGazelle(t, root); len(written) > 0 {
				t.Errorf("second run rewrote %q", written)
			}
		})
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		switch {
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case d.Name() == "BUILD.out" || d.Name() == "want.log":
			return nil
		case d.Name() == "BUILD.in":
			rel = filepath.Join(filepath.Dir(rel), "BUILD.bazel")
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

func compareTree(t *testing.T, src, root string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		golden := filepath.Join(p, "BUILD.out")
		got, gotErr := os.ReadFile(filepath.Join(root, rel, "BUILD.bazel"))
		if *updateGolden {
			if gotErr == nil {
				return os.WriteFile(golden, got, 0o644)
			}
			return nil
		}
		want, wantErr := os.ReadFile(golden)
		switch {
		case wantErr != nil && gotErr == nil:
			t.Errorf("%s: BUILD.bazel written, want none:\n%s", rel, got)
		case wantErr == nil && gotErr != nil:
			t.Errorf("%s: no BUILD.bazel, want:\n%s", rel, want)
		case wantErr == nil && !bytes.Equal(got, want):
			t.Errorf("%s/BUILD.bazel:\n%s\nwant:\n%s", rel, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
