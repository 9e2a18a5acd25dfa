package ci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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

// runfilesEnv are set when nixpy itself runs under `bazel run`; a push script it starts would
// otherwise look for its files in nixpy's runfiles.
var runfilesEnv = []string{"RUNFILES_DIR", "RUNFILES_MANIFEST_FILE", "RUNFILES_MANIFEST_ONLY", "JAVA_RUNFILES",
	"PYTHON_RUNFILES", "TEST_SRCDIR", "BUILD_WORKSPACE_DIRECTORY", "BUILD_WORKING_DIRECTORY"}

func (b *Bazel) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.Binary, args...)
	cmd.Dir = b.Workspace
	cmd.Env = b.environ()
	return cmd
}

// environ is this process's environment without the runfiles variables of nixpy's own `bazel run`.
func (b *Bazel) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(runfilesEnv, name) {
			env = append(env, kv)
		}
	}
	return env
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

// Executables returns the absolute path of each target's executable, as the build with the same flags
// wrote it, keyed by label.
func (b *Bazel) Executables(ctx context.Context, flags, targets []string) (map[string]string, error) {
	execRoot, err := b.info(ctx, "execution_root")
	if err != nil {
		return nil, err
	}
	args := append(append([]string{"cquery", "--output=starlark",
		"--starlark:expr=str(target.label) + ' ' + target.files_to_run.executable.path"}, flags...), b.Args...)
	stdout, err := b.query(ctx, "set("+strings.Join(quoteAll(targets), " ")+")", args)
	if err != nil {
		return nil, err
	}
	exes := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		label, path, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		// Bazel 7 writes main-repository labels as @@//pkg:name.
		exes["//"+strings.TrimPrefix(strings.TrimLeft(label, "@"), "//")] = filepath.Join(execRoot, path)
	}
	for _, t := range targets {
		if exes[t] == "" {
			return nil, fmt.Errorf("bazel cquery names no executable for %s", t)
		}
	}
	return exes, nil
}

func (b *Bazel) info(ctx context.Context, key string) (string, error) {
	cmd := b.command(ctx, "info", key)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("bazel info %s in %s: %w\n%s", key, b.Workspace, err, lastLines(stderr.String(), 20))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// RunExecutable runs a built executable with arguments as `bazel run` would, in its runfiles tree with
// BUILD_WORKSPACE_DIRECTORY set, but without Bazel: runs of several targets can then overlap, which
// `bazel run` (one command at a time per output base) cannot. Its output goes to out.
func (b *Bazel) RunExecutable(ctx context.Context, exe string, out io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir = b.Workspace
	if dir := exe + ".runfiles/_main"; isDir(dir) {
		cmd.Dir = dir
	}
	cmd.Env = append(b.environ(), "BUILD_WORKSPACE_DIRECTORY="+b.Workspace, "BUILD_WORKING_DIRECTORY="+b.Workspace)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", exe, err)
	}
	return nil
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
