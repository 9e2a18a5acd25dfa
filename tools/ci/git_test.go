package ci

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// gitRepo is a scratch repository; commit writes files (content "" deletes, "-> T" makes a symlink to T).
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *gitRepo) commit(files map[string]string) string {
	r.t.Helper()
	for name, content := range files {
		p := filepath.Join(r.dir, name)
		os.Remove(p)
		if content == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			r.t.Fatal(err)
		}
	}
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", "change")
	return r.git("rev-parse", "HEAD")
}

func TestDiff(t *testing.T) {
	r := newGitRepo(t)
	base := r.commit(map[string]string{
		"outside.txt":                           "not in the workspace",
		"ws/MODULE.bazel":                       "module(name = \"ws\")",
		"ws/BUILD.bazel":                        "# root",
		"ws/README.md":                          "hello",
		"ws/apps/api/BUILD.bazel":               "# api",
		"ws/apps/api/src/api/app.py":            "v1",
		"ws/apps/api/src/api/old.py":            "old",
		"ws/apps/api/src/common":                "-> ../../../libs/common/src/common",
		"ws/apps/worker/BUILD.bazel":            "# worker",
		"ws/apps/worker/src/common":             "-> ../../../libs/common/src/common",
		"ws/libs/common/src/common/__init__.py": "v1",
		"ws/libs/common/src/common/util.py":     "v1",
		"ws/tools/defs.bzl":                     "v1",
		"ws/tools/BUILD":                        "# tools",
		"ws/.bazelignore":                       "# not Bazel's\nnode_modules\n/vendor/\n",
		"ws/node_modules/x/BUILD.bazel":         "# ignored",
		"ws/vendor/y/BUILD":                     "# ignored",
		"ws/examples/demo/MODULE.bazel":         "module(name = \"demo\")",
		"ws/examples/demo/BUILD.bazel":          "# a workspace of its own",
	})
	head := r.commit(map[string]string{
		"outside.txt":                       "changed, but outside",
		"ws/README.md":                      "changed, in no package",
		"ws/apps/api/src/api/old.py":        "",
		"ws/apps/api/src/api/new.py":        "renamed",
		"ws/libs/common/src/common/util.py": "v2",
		"ws/tools/defs.bzl":                 "v2",
		"ws/apps/worker/BUILD.bazel":        "# worker, edited",
		"ws/node_modules/x/x.js":            "ignored",
		"ws/examples/demo/app.py":           "in a nested workspace",
	})
	c, err := Diff(context.Background(), filepath.Join(r.dir, "ws"), base, head)
	if err != nil {
		t.Fatal(err)
	}
	if c.Base != base || c.Head != head || c.All {
		t.Errorf("Diff: base %s head %s all %v, want %s %s false", c.Base, c.Head, c.All, base, head)
	}
	files := append([]string{}, c.Files...)
	sort.Strings(files)
	wantFiles := []string{
		"README.md",
		"apps/api/src/api/new.py",
		"apps/api/src/api/old.py",
		"apps/api/src/common/util.py",
		"apps/worker/BUILD.bazel",
		"apps/worker/src/common/util.py",
		"examples/demo/app.py",
		"libs/common/src/common/util.py",
		"node_modules/x/x.js",
		"tools/defs.bzl",
	}
	if !reflect.DeepEqual(files, wantFiles) {
		t.Errorf("Files:\n got %q\nwant %q", files, wantFiles)
	}
	if !reflect.DeepEqual(c.Deleted, map[string]bool{"apps/api/src/api/old.py": true}) {
		t.Errorf("Deleted = %v", c.Deleted)
	}
	wantPackages := map[string]bool{"": true, "apps/api": true, "apps/worker": true, "tools": true}
	if !reflect.DeepEqual(c.Packages, wantPackages) {
		t.Errorf("Packages = %v, want %v", c.Packages, wantPackages)
	}
	in := c.Inputs()
	want := Inputs{
		Files: []string{
			"//:README.md",
			"//:examples/demo/app.py",
			"//:libs/common/src/common/util.py",
			"//:node_modules/x/x.js",
			"//apps/api:src/api/new.py",
			"//apps/api:src/common/util.py",
			"//apps/worker:src/common/util.py",
			"//tools:defs.bzl",
		},
		Bzl:      []string{"//tools:defs.bzl"},
		Packages: []string{"apps/api", "apps/worker"},
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("Inputs:\n got %+v\nwant %+v", in, want)
	}
}

func TestDiffNoBase(t *testing.T) {
	r := newGitRepo(t)
	head := r.commit(map[string]string{"BUILD.bazel": "#", "a.py": "x"})
	for _, base := range []string{"", strings.Repeat("0", 40)} {
		c, err := Diff(context.Background(), r.dir, base, head)
		if err != nil {
			t.Fatal(err)
		}
		if in := c.Inputs(); !in.All || in.Why != "no base commit" {
			t.Errorf("base %q: Inputs = %+v, want every image", base, in)
		}
	}
}

func TestDiffUnknownCommit(t *testing.T) {
	r := newGitRepo(t)
	head := r.commit(map[string]string{"BUILD.bazel": "#"})
	_, err := Diff(context.Background(), r.dir, "1234567890abcdef1234567890abcdef12345678", head)
	if err == nil || !strings.Contains(err.Error(), "--base 1234567890abcdef") || !strings.Contains(err.Error(), "depth 0") {
		t.Errorf("Diff with a missing base: error %v, want one naming --base and the shallow clone", err)
	}
}

func TestInputsGlobal(t *testing.T) {
	for _, f := range []string{"MODULE.bazel", "WORKSPACE", ".bazelrc", "ci.bazelrc", ".bazelversion", "MODULE.bazel.lock"} {
		c := &Change{Files: []string{"apps/api/x.py", f}, Packages: map[string]bool{"apps/api": true}}
		if in := c.Inputs(); !in.All || in.Why != f+" changed" {
			t.Errorf("%s changed: Inputs = %+v, want every image", f, in)
		}
	}
	c := &Change{Files: []string{"apps/api/.bazelrc"}, Packages: map[string]bool{"apps/api": true}}
	if in := c.Inputs(); in.All {
		t.Errorf("a .bazelrc below the root is an ordinary file, got every image")
	}
}
