package workflow

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// lint runs actionlint on one workflow file with the configuration of the .github directory it sits in, if
// any: the examples are not repositories of their own, so actionlint would not find that file by itself.
func lint(t *testing.T, path string) []*actionlint.Error {
	t.Helper()
	opts := &actionlint.LinterOptions{}
	config := filepath.Join(filepath.Dir(filepath.Dir(path)), "actionlint.yaml")
	if _, err := os.Stat(config); err == nil {
		opts.ConfigFile = config
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatalf("actionlint: %v", err)
	}
	errs, err := l.LintFile(path, nil)
	if err != nil {
		t.Fatalf("actionlint %s: %v", path, err)
	}
	return errs
}

func messages(errs []*actionlint.Error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("\n" + e.Error())
	}
	return b.String()
}

// TestExampleWorkflowsLint lints every workflow of the examples, the files users copy.
func TestExampleWorkflowsLint(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", ".github", "workflows", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no workflow under examples/*/.github/workflows: the lint would pass on nothing")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if errs := lint(t, f); len(errs) > 0 {
				t.Errorf("actionlint reports %d errors:%s", len(errs), messages(errs))
			}
		})
	}
}

// TestRepositoryWorkflowsLint lints rules_nixpy's own workflows (the release).
func TestRepositoryWorkflowsLint(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", ".github", "workflows", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no workflow under .github/workflows: the lint would pass on nothing")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if errs := lint(t, f); len(errs) > 0 {
				t.Errorf("actionlint reports %d errors:%s", len(errs), messages(errs))
			}
		})
	}
}

// TestBrokenWorkflowIsReported proves the lint live: a workflow with known mistakes must be reported, each
// mistake by its own message.
func TestBrokenWorkflowIsReported(t *testing.T) {
	errs := lint(t, filepath.Join("testdata", "broken.yml"))
	got := messages(errs)
	for _, want := range []string{
		`property "sah" is not defined in object type`,          // github.sah for github.sha
		`label "nixoss" is unknown`,                             // a runner label no config declares
		`context "runner" is not allowed here`,                  // runner context in a job's env
		`the runner of "actions/checkout@v2" action is too old`, // outdated action
	} {
		if !strings.Contains(got, want) {
			t.Errorf("actionlint did not report %q; it reported:%s", want, got)
		}
	}
}
