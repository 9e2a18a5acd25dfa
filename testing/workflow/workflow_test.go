package workflow

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var fixtureExpr = map[string]string{
	"github.sha":   "abc123",
	"github.actor": "octocat",
	"github.event_name == 'workflow_dispatch'": "false",
	"github.event_name == 'push'":              "true",
	"runner.temp":                              "/tmp/runner",
	"'a}}b'":                                   "a}}b",
	"false":                                    "false",
}

func TestRunSteps(t *testing.T) {
	fixture := filepath.Join("testdata", "steps.yml")
	for _, tc := range []struct {
		name, file, job string
		expr            map[string]string
		want            []Step
		wantErr         []string // substrings of the error
	}{{
		name: "env precedence, defaults, uses, if and expressions",
		file: fixture, job: "build", expr: fixtureExpr,
		want: []Step{{
			Uses: "actions/checkout@v6",
			Env:  map[string]string{"A": "workflow", "B": "job", "C": "job", "SHA": "abc123"},
		}, {
			Name:             "Greet",
			Run:              `echo "$A $B $C $WHO"`,
			Shell:            "bash",
			WorkingDirectory: "job-dir",
			Env:              map[string]string{"A": "workflow", "B": "job", "C": "step", "SHA": "abc123", "WHO": "octocat at abc123"},
		}, {
			Name:             "Braces",
			Run:              "echo a}}b",
			Shell:            "sh",
			WorkingDirectory: "/tmp/runner",
			Env:              map[string]string{"A": "workflow", "B": "job", "C": "job", "SHA": "abc123"},
		}},
	}, {
		name: "job IDs are case-insensitive",
		file: fixture, job: "BY-ID", expr: map[string]string{"github.sha": "abc123", "vars.X": "x"},
		want: []Step{{Run: `echo "$X"`, Shell: "bash", WorkingDirectory: "workflow-dir",
			Env: map[string]string{"A": "workflow", "B": "workflow", "SHA": "abc123", "X": "x"}}},
	}, {
		name: "a job whose if is false has no steps",
		file: fixture, job: "skipped", expr: fixtureExpr,
	}, {
		name: "missing expression in a run script",
		file: fixture, job: "missing", expr: fixtureExpr,
		wantErr: []string{fixture, "job missing", `step 2 "Uses an unknown expression" (line 42)`, "run", `no value for the expression "secrets.TOKEN"`},
	}, {
		name: "missing expression in an env value, step named by id",
		file: fixture, job: "by-id", expr: map[string]string{"github.sha": "abc123"},
		wantErr: []string{fixture, "job by-id", "step 1 (id tagged)", "env X", `no value for the expression "vars.X"`},
	}, {
		name: "missing expression in the workflow's env",
		file: fixture, job: "by-id", expr: map[string]string{"vars.X": "x"},
		wantErr: []string{"step 1 (id tagged)", "env SHA", `"github.sha"`},
	}, {
		name: "missing condition",
		file: fixture, job: "build", expr: map[string]string{"github.sha": "abc123", "github.actor": "octocat"},
		wantErr: []string{`step 3 "Skipped"`, `no value for the condition "github.event_name == 'workflow_dispatch'"`},
	}, {
		name: "condition neither true nor false",
		file: fixture, job: "skipped", expr: map[string]string{"false": "no"},
		wantErr: []string{"job skipped: if:", `is "no", want true or false`},
	}, {
		name: "env given as one expression",
		file: fixture, job: "mapped-env", expr: fixtureExpr,
		wantErr: []string{"job mapped-env", "step 1", "fromJSON(vars.ENV)", "cannot expand"},
	}, {
		name: "reusable workflow call",
		file: fixture, job: "reuse", expr: fixtureExpr,
		wantErr: []string{"job reuse", "./.github/workflows/other.yml"},
	}, {
		name: "unknown job",
		file: fixture, job: "deploy", expr: fixtureExpr,
		wantErr: []string{fixture, `no job "deploy"`, "build, by-id, mapped-env, missing, reuse, skipped"},
	}, {
		name: "workflow that does not parse",
		file: filepath.Join("testdata", "unparsable.yml"), job: "build", expr: fixtureExpr,
		wantErr: []string{"parsing workflow", "unparsable.yml:"},
	}, {
		name: "no such file",
		file: filepath.Join("testdata", "absent.yml"), job: "build", expr: fixtureExpr,
		wantErr: []string{"reading workflow", "absent.yml"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RunSteps(tc.file, tc.job, tc.expr)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("RunSteps = %+v, want an error", got)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("RunSteps =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

// TestExampleWorkflowSteps pins the expressions the example workflows' steps need, which the end-to-end test
// supplies, and shows their run steps come out ready to execute.
func TestExampleWorkflowSteps(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "monorepo", ".github", "workflows")
	push := map[string]string{"github.event.before": "1111111", "github.sha": "2222222",
		"vars.NIX_CACHE_UPLOAD != ''": "false", "vars.NIX_CACHE_UPLOAD": "", "secrets.NIX_SIGNING_KEY": ""}
	for _, tc := range []struct {
		file     string
		expr     map[string]string
		wantUses []string
		wantRun  []string // a line of each run step's script, in order
	}{{
		file:     "images-hosted.yml",
		expr:     push,
		wantUses: []string{"actions/checkout@v6", "cachix/install-nix-action@v31", "bazel-contrib/setup-bazel@0.18.0", "docker/login-action@v4"},
		wantRun:  []string{"bazel run @rules_nixpy//:nixpy -- ci \\"},
	}, {
		file: "images-nixos.yml",
		expr: map[string]string{
			"github.event.before":  "1111111",
			"github.sha":           "2222222",
			"github.actor":         "octocat",
			"secrets.GITHUB_TOKEN": "token",
			"runner.temp":          "/tmp/runner",
			"vars.BAZEL_DISK_CACHE || '/var/cache/bazel-disk'": "/tmp/disk-cache",
		},
		wantUses: []string{"actions/checkout@v6"},
		wantRun:  []string{`mkdir -p "$DOCKER_CONFIG"`, `bazel run --disk_cache="$BAZEL_DISK_CACHE" @rules_nixpy//:nixpy -- ci \`},
	}} {
		t.Run(tc.file, func(t *testing.T) {
			steps, err := RunSteps(filepath.Join(dir, tc.file), "images", tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			var uses, run []string
			for i, s := range steps {
				if s.Uses != "" {
					uses = append(uses, s.Uses)
					continue
				}
				if strings.Contains(s.Run, "${{") {
					t.Errorf("step %d still holds an expression: %s", i+1, s.Run)
				}
				for _, v := range s.Env {
					if strings.Contains(v, "${{") {
						t.Errorf("step %d: env still holds an expression: %s", i+1, v)
					}
				}
				run = append(run, s.Run)
			}
			if !reflect.DeepEqual(uses, tc.wantUses) {
				t.Errorf("uses: steps = %q, want %q", uses, tc.wantUses)
			}
			if len(run) != len(tc.wantRun) {
				t.Fatalf("%d run: steps, want %d:\n%s", len(run), len(tc.wantRun), strings.Join(run, "\n---\n"))
			}
			for i, w := range tc.wantRun {
				if !strings.Contains(run[i], w) {
					t.Errorf("run: step %d =\n%s\nwant a line %q", i+1, run[i], w)
				}
			}
			// The commits reach the push step through its env, the only way its script sees them.
			last := steps[len(steps)-1].Env
			if last["BASE_COMMIT"] != "1111111" || last["HEAD_COMMIT"] != "2222222" {
				t.Errorf("last step's env = %v, want BASE_COMMIT=1111111 HEAD_COMMIT=2222222", last)
			}
		})
	}
}
