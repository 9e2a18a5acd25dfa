// Package testinputs lets tests that run other programs (Bazel, nix-build, Docker, docker-registry, tar) use
// Go's test cache honestly.
//
// go test replays a package's last passing result while its test binary is unchanged and so are the inputs
// the test process itself used, which the testing package logs for it: the files inside the module it opened
// (by size and mtime) or stat'ed, and the environment variables it read. It cannot see what a child process
// reads, so a test that runs Bazel on the checkout would be replayed after an edit of rules/defs.bzl that
// Bazel would have seen. Main, called from a package's TestMain, adds those inputs to the log:
//
//   - every file under the given trees of the module, and every directory's own stat (its mtime changes when
//     an entry is added, removed or renamed), except Git's data, Bazel's output symlinks and lock file, the
//     tests' scratch packages and the pinned .debs (see skip);
//   - the rig's fingerprint, .rig/fingerprint at the module's root: dev/test writes there the rig's set-up
//     state, package versions, Bazel and Nix configuration and Docker engine version, rewriting it only when
//     it changes. go test ignores files outside the module, such as the rig's own, hence this copy inside it.
//     The tools module's copy also holds the digests of the checkout's files outside it that its tests read
//     (the test package set and wheels under testing/), which go test would not see either;
//   - every environment variable, since child processes inherit them all.
//
// A result is therefore replayed only when none of these changed. Main appends to the log after the tests
// because the log starts inside m.Run, after TestMain has begun: files opened before it are not recorded.
// The log's format is private to the testing package and cmd/go; cmd/go refuses to cache a result whose log
// it cannot parse, so a change of format would cost the caching, not replay a stale result.
//
// Limits of go test itself: files compare by size and mtime, so a fresh clone reruns everything (as it
// should); inputs are compared as they are when the tests end, so an edit made while they run may be missed
// (`dev/test --fresh` or `go test -count=1` reruns all). A direct `dev/enter go test` sees a rig change only
// once dev/test has rewritten the fingerprint. Under `bazel test` there is no log and Main adds nothing:
// Bazel tracks inputs itself.
package testinputs

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fingerprint is where dev/test records the rig's state, relative to the module's root.
const Fingerprint = ".rig/fingerprint"

// Main runs the tests, then declares the inputs described in the package comment, with trees relative to
// the module's root ("." for all of it, none for only the rig and the environment), and exits with the tests'
// status, or 1 when the inputs cannot be declared: a result keyed on half of them could be replayed wrongly.
func Main(m *testing.M, trees ...string) {
	code := m.Run()
	if err := declare(trees); err != nil {
		fmt.Fprintf(os.Stderr, "testinputs: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

// declare appends the inputs to the log go test asked for with -test.testlogfile, if it did.
func declare(trees []string) error {
	logFlag := flag.Lookup("test.testlogfile")
	if logFlag == nil || logFlag.Value.String() == "" {
		return nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return err
	}
	lines, err := inputs(root, os.Environ(), trees)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(logFlag.Value.String(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.WriteString(l + "\n")
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// moduleRoot is the nearest directory from dir up holding a go.mod: go test considers only files under it.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// inputs lists the log lines declaring the inputs: "getenv NAME", "open FILE" (go test keys on its size and
// mtime, and refuses to cache when it is under 2 s old) and "stat DIR", with absolute paths.
func inputs(root string, environ, trees []string) ([]string, error) {
	var lines []string
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); name != "" {
			lines = append(lines, "getenv "+name)
		}
	}
	// A missing fingerprint (dev/test never ran in this checkout) is keyed as missing.
	lines = append(lines, "open "+filepath.Join(root, Fingerprint))
	for _, tree := range trees {
		err := filepath.WalkDir(filepath.Join(root, tree), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			switch {
			case skip(filepath.ToSlash(rel), d.Name()):
				if d.IsDir() {
					return filepath.SkipDir
				}
			case strings.Contains(path, "\n"): // The log is line-based: such a name cannot be declared.
				return fmt.Errorf("cannot declare %q: its name holds a newline", path)
			case d.IsDir():
				lines = append(lines, "stat "+path)
			default:
				lines = append(lines, "open "+path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return lines, nil
}

// skip reports the paths under a tree that are not inputs of the programs the tests run, all of them
// gitignored; some change on every run, so keying on them would only prevent reuse.
func skip(rel, name string) bool {
	switch {
	case name == ".git", name == ".rig": // Git's data; the rig's fingerprint is declared on its own.
		return true
	case strings.HasPrefix(name, "bazel-"): // Bazel's convenience symlinks into its output base.
		return true
	case name == "MODULE.bazel.lock": // Rewritten by every Bazel command, from the MODULE.bazel files.
		return true
	case strings.HasPrefix(name, "scratch_"): // The e2e tests' own scratch packages, removed when they end.
		return true
	case rel == "testing/nixpkgs/debs": // Pinned by sha256 in debs.lock (an input), checked by dev/setup.
		return true
	}
	return false
}
