// Package rulesync checks that rules_nixpy's Starlark agrees with the Go tools: the rule reference in docs/ is
// generated from the .bzl files as tools/cmd/ruledoc writes it, and rules/private/defaults.bzl holds the Go
// constants it copies. The files of both modules are read from the checkout.
package rulesync

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/ruledoc"
)

// TestDocsUpToDate regenerates the reference from the repository's rules/ and fails when docs/ differs.
func TestDocsUpToDate(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ruledoc.Generate(os.DirFS(root), "rules_nixpy")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := ruledoc.Compare(filepath.Join(root, "docs"), docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("docs/ is stale: run `go run github.com/nixpy/rules_nixpy/tools/cmd/ruledoc -out docs`\n%s", strings.Join(problems, "\n"))
	}
}

// repoRoot walks up from the working directory, the package's, to the directory of the root go.mod.
func repoRoot() (string, error) {
	start, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := start; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", &os.PathError{Op: "find repository root", Path: start, Err: os.ErrNotExist}
		}
	}
}
