package ci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Bazel runs one Bazel binary on one workspace.
type Bazel struct {
	// Binary is the bazel (or bazelisk) command.
	Binary string
	// Workspace is the workspace root Bazel runs in.
	Workspace string
	// Args go to every build and run, after the flags this package sets: --disk_cache=..., --config=ci.
	// Queries do not take them, as `bazel query` rejects build options.
	Args []string
	// Log receives Bazel's progress and what the pushes print.
	Log io.Writer
}

// runfilesEnv are set when nixpy itself runs under `bazel run`; a push script started by the
// nested `bazel run` would otherwise look for its files in nixpy's runfiles.
var runfilesEnv = []string{"RUNFILES_DIR", "RUNFILES_MANIFEST_FILE", "RUNFILES_MANIFEST_ONLY", "JAVA_RUNFILES",
	"PYTHON_RUNFILES", "TEST_SRCDIR", "BUILD_WORKSPACE_DIRECTORY", "BUILD_WORKING_DIRECTORY"}

func (b *Bazel) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.Binary, args...)
	cmd.Dir = b.Workspace
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(runfilesEnv, name) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// query runs Bazel with args (the command and its flags) on the expression and returns its stdout; a failure
// carries the end of Bazel's stderr, where it says why.
func (b *Bazel) query(ctx context.Context, expr string, args []string) (*bytes.Buffer, error) {
	cmd := b.command(ctx, append(args, "--", expr)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("bazel %s %q in %s: %w\n%s", args[0], expr, b.Workspace, err, lastLines(stderr.String(), 20))
	}
	return &stdout, nil
}

// Query evaluates a query expression and returns the labels it yields.
func (b *Bazel) Query(ctx context.Context, expr string, flags ...string) ([]string, error) {
	args := append([]string{"query", "--output=label", "--order_output=no"}, flags...)
	stdout, err := b.query(ctx, expr, args)
	if err != nil {
		return nil, err
	}
	return strings.Fields(stdout.String()), nil
}

// CQuery evaluates a configured query with the given flags and b.Args, and returns the labels it yields.
func (b *Bazel) CQuery(ctx context.Context, flags []string, expr string) ([]string, error) {
	stdout, err := b.query(ctx, expr, append(append([]string{"cquery", "--output=label"}, flags...), b.Args...))
	if err != nil {
		return nil, err
	}
	var labels []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		// "//app:push (3f2a1b0)": the label, then the configuration.
		if f := strings.Fields(line); len(f) > 0 {
			labels = append(labels, f[0])
		}
	}
	return labels, nil
}

// Rule is a rule target with its string attributes, as `bazel query --output=streamed_jsonproto` gives them.
type Rule struct {
	Label string
	Attrs map[string]string
}

// QueryRules evaluates a query expression and returns the rules it yields.
func (b *Bazel) QueryRules(ctx context.Context, expr string) ([]Rule, error) {
	stdout, err := b.query(ctx, expr, []string{"query", "--output=streamed_jsonproto", "--order_output=no"})
	if err != nil {
		return nil, err
	}
	var rules []Rule
	dec := json.NewDecoder(stdout)
	for dec.More() {
		var target struct {
			Type string `json:"type"`
			Rule struct {
				Name      string `json:"name"`
				Attribute []struct {
					Name        string `json:"name"`
					StringValue string `json:"stringValue"`
				} `json:"attribute"`
			} `json:"rule"`
		}
		if err := dec.Decode(&target); err != nil {
			return nil, fmt.Errorf("bazel query %q: reading its output: %w", expr, err)
		}
		if target.Type != "RULE" {
			continue
		}
		r := Rule{Label: target.Rule.Name, Attrs: map[string]string{}}
		for _, a := range target.Rule.Attribute {
			if a.StringValue != "" {
				r.Attrs[a.Name] = a.StringValue
			}
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// Build builds the targets, Bazel's output going to the log.
func (b *Bazel) Build(ctx context.Context, flags, targets []string) error {
	args := append(append(append([]string{"build"}, flags...), b.Args...), "--")
	cmd := b.command(ctx, append(args, targets...)...)
	cmd.Stdout, cmd.Stderr = b.Log, b.Log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bazel build %s in %s: %w (Bazel's output is above)", strings.Join(targets, " "), b.Workspace, err)
	}
	return nil
}

// Run runs an executable target with arguments, its output going to the log.
func (b *Bazel) Run(ctx context.Context, flags []string, target string, targetArgs ...string) error {
	args := append(append(append([]string{"run"}, flags...), b.Args...), "--", target)
	cmd := b.command(ctx, append(args, targetArgs...)...)
	cmd.Stdout, cmd.Stderr = b.Log, b.Log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bazel run %s: %w", target, err)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
