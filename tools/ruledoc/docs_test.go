package ruledoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsUpToDate regenerates the reference from the repository's rules/ and fails when docs/
// differs. Under Bazel the files are found in the runfiles, which mirror the repository's layout
// when the go_test has go.mod, the .bzl files and docs/*.md as data.
func TestDocsUpToDate(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Generate(os.DirFS(root), "rules_nixpy")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := compareDocs(filepath.Join(root, "docs"), docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("docs/ is stale: run `go run ./tools/cmd/ruledoc -out docs`\n%s", strings.Join(problems, "\n"))
	}
}

// repoRoot walks up from the working directory, the package's, to the directory of go.mod.
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
