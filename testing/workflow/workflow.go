// Package workflow reads the GitHub Actions workflows of the examples so tests can check and run them.
//
// RunSteps turns one job into steps a test can execute on this machine: GitHub's runner is not here, so every
// ${{ }} expression must be given its value by the caller, and an expression it forgot is an error rather than
// an empty string, which would make a step run with a different meaning than on GitHub.
package workflow

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"
)

// Step is one step of a job, with every expression replaced.
type Step struct {
	// Name is the step's name as written ("" when it has none).
	Name string
	// Uses is the action of a `uses:` step (e.g. "actions/checkout@v6"), "" for a `run:` step. Its `with:`
	// inputs are not returned: the caller stands in for the action as it sees fit.
	Uses string
	// Run is the script of a `run:` step. GitHub runs it on Linux with `bash -e {0}` when Shell is "".
	Run string
	// Shell and WorkingDirectory are the step's `shell:` and `working-directory:`, or the job's or the
	// workflow's `defaults.run`, "" when none is set.
	Shell            string
	WorkingDirectory string
	// Env is the environment the workflow, the job and the step set, the step's value winning over the job's
	// and the job's over the workflow's, as on GitHub.
	Env map[string]string
}

// RunSteps parses a workflow file and returns the steps of one job in order.
//
// Every ${{ ... }} in env values, run scripts, shell and working-directory is replaced by expr[text], text being
// what stands between the braces with surrounding spaces trimmed (e.g. "github.sha"). An `if:` condition of the
// job or a step is looked up the same way (its text without ${{ }}) and must be "true" or "false"; a step whose
// condition is false is left out, a job whose condition is false has no steps. An expression missing from expr
// is an error naming the file, the job, the step and the expression.
func RunSteps(file, job string, expr map[string]string) ([]Step, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading workflow: %w", err)
	}
	w, errs := actionlint.Parse(src)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			e.Filepath = file
			msgs[i] = e.Error()
		}
		return nil, fmt.Errorf("parsing workflow:\n%s", strings.Join(msgs, "\n"))
	}
	// actionlint keys jobs by their lower-cased ID: job IDs are case-insensitive on GitHub.
	j, ok := w.Jobs[strings.ToLower(job)]
	if !ok {
		return nil, fmt.Errorf("%s: no job %q (jobs: %s)", file, job, strings.Join(jobIDs(w), ", "))
	}
	where := fmt.Sprintf("%s: job %s", file, j.ID.Value)
	if j.WorkflowCall != nil {
		return nil, fmt.Errorf("%s: calls the reusable workflow %s and has no steps of its own", where, j.WorkflowCall.Uses.Value)
	}
	if run, err := condition(j.If, expr); err != nil {
		return nil, fmt.Errorf("%s: if: %w", where, err)
	} else if !run {
		return nil, nil
	}

	var steps []Step
	for i, s := range j.Steps {
		step, run, err := resolveStep(w, j, s, expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", where, stepLabel(i, s), err)
		}
		if run {
			steps = append(steps, step)
		}
	}
	return steps, nil
}

// resolveStep returns the step with its expressions replaced, and whether its `if:` lets it run.
func resolveStep(w *actionlint.Workflow, j *actionlint.Job, s *actionlint.Step, expr map[string]string) (Step, bool, error) {
	run, err := condition(s.If, expr)
	if err != nil || !run {
		return Step{}, false, err
	}
	step := Step{Name: value(s.Name), Env: map[string]string{}}
	for _, env := range []*actionlint.Env{w.Env, j.Env, s.Env} {
		if err := mergeEnv(step.Env, env, expr); err != nil {
			return Step{}, false, err
		}
	}
	var shell, dir *actionlint.String
	for _, d := range []*actionlint.Defaults{w.Defaults, j.Defaults} {
		if d != nil && d.Run != nil {
			shell = firstSet(d.Run.Shell, shell)
			dir = firstSet(d.Run.WorkingDirectory, dir)
		}
	}
	switch e := s.Exec.(type) {
	case *actionlint.ExecAction:
		step.Uses = e.Uses.Value
		return step, true, nil
	case *actionlint.ExecRun:
		shell = firstSet(e.Shell, shell)
		dir = firstSet(e.WorkingDirectory, dir)
		for _, f := range []struct {
			name string
			in   *actionlint.String
			out  *string
		}{{"run", e.Run, &step.Run}, {"shell", shell, &step.Shell}, {"working-directory", dir, &step.WorkingDirectory}} {
			if *f.out, err = substitute(value(f.in), expr); err != nil {
				return Step{}, false, fmt.Errorf("%s: %w", f.name, err)
			}
		}
		return step, true, nil
	default:
		return Step{}, false, fmt.Errorf("neither run: nor uses:")
	}
}

// mergeEnv sets the variables of env in dst, replacing what an outer level set.
func mergeEnv(dst map[string]string, env *actionlint.Env, expr map[string]string) error {
	if env == nil {
		return nil
	}
	if env.Expression != nil {
		// env: ${{ fromJSON(...) }} yields a mapping, which no string in expr can stand for.
		return fmt.Errorf("env is the expression %s, which RunSteps cannot expand", env.Expression.Value)
	}
	for _, v := range env.Vars {
		val, err := substitute(value(v.Value), expr)
		if err != nil {
			return fmt.Errorf("env %s: %w", v.Name.Value, err)
		}
		dst[v.Name.Value] = val
	}
	return nil
}

// substitute replaces every ${{ ... }} of s by its value in expr.
func substitute(s string, expr map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		rest := s[i+len("${{"):]
		// actionlint's lexer finds the closing }} past any '}}' inside a string literal of the expression.
		_, end, lexErr := actionlint.LexExpression(rest)
		if lexErr != nil {
			return "", fmt.Errorf("expression %q: %s", strings.TrimSpace(rest), lexErr.Message)
		}
		text := strings.TrimSpace(rest[:end-len("}}")])
		v, ok := expr[text]
		if !ok {
			return "", fmt.Errorf("no value for the expression %q", text)
		}
		b.WriteString(v)
		s = rest[end:]
	}
}

// condition evaluates an `if:` through expr; no condition means run.
func condition(cond *actionlint.String, expr map[string]string) (bool, error) {
	if cond == nil {
		return true, nil
	}
	// `if:` may be written with or without ${{ }}; GitHub evaluates both alike.
	text := strings.TrimSpace(cond.Value)
	if strings.HasPrefix(text, "${{") && strings.HasSuffix(text, "}}") {
		text = strings.TrimSpace(text[len("${{") : len(text)-len("}}")])
	}
	switch v, ok := expr[text]; {
	case !ok:
		return false, fmt.Errorf("no value for the condition %q", text)
	case v == "true":
		return true, nil
	case v == "false":
		return false, nil
	default:
		return false, fmt.Errorf("the condition %q is %q, want true or false", text, v)
	}
}

// stepLabel names a step in errors: its position, name or ID, and line.
func stepLabel(i int, s *actionlint.Step) string {
	label := fmt.Sprintf("step %d", i+1)
	if s.Name != nil {
		label += fmt.Sprintf(" %q", s.Name.Value)
	} else if s.ID != nil {
		label += " (id " + s.ID.Value + ")"
	}
	if s.Pos != nil {
		label += fmt.Sprintf(" (line %d)", s.Pos.Line)
	}
	return label
}

func jobIDs(w *actionlint.Workflow) []string {
	ids := make([]string, 0, len(w.Jobs))
	for _, j := range w.Jobs {
		ids = append(ids, j.ID.Value)
	}
	sort.Strings(ids)
	return ids
}

func firstSet(a, b *actionlint.String) *actionlint.String {
	if a != nil {
		return a
	}
	return b
}

func value(s *actionlint.String) string {
	if s == nil {
		return ""
	}
	return s.Value
}
