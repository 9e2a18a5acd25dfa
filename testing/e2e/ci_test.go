package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

// TestMonorepoCI is issue 7 end to end on a copy of examples/monorepo (a uv workspace) in a Git repository of its
// own: Gazelle writes the members' BUILD files from nothing, then the run steps of the example's GitHub workflows
// (the hosted and the NixOS variant, with this rig standing in for their `uses:` steps) push the images to a local
// registry, first both, then after an edit of one app only that one, tagged with the commit; an edit of the
// library member both apps depend on pushes both again. The layers the apps share go up once.
func TestMonorepoCI(t *testing.T) {
	ws := monorepoCopy(t)
	reg := registrytest.Start(t, false)
	prefix := reg.Host + "/monorepo"
	replaceIn(t, filepath.Join(ws, "BUILD.bazel"), "nixpy_repository_prefix localhost:5000/monorepo", "nixpy_repository_prefix "+prefix)
	for _, member := range []string{"apps/api", "apps/worker", "libs/common"} {
		if err := os.Remove(filepath.Join(ws, member, "BUILD.bazel")); err != nil {
			t.Fatal(err)
		}
	}
	git(t, ws, "init", "-q", "-b", "main")
	commit(t, ws, "sources, no BUILD files for the members")

	bazel(t, ws, "run", "//:gazelle")
	api := readFile(t, filepath.Join(ws, "apps/api/BUILD.bazel"))
	for _, want := range []string{"py_nix_image(", `lock = "//:uv_lock"`, `local_packages = ["//libs/common:package"]`,
		`repository = "` + prefix + `/api"`, `remote_tags = ["{STABLE_GIT_COMMIT}"]`, `nixpkgs = "@rules_nixpy//testing/nixpkgs"`, "nixpy_load("} {
		if !strings.Contains(api, want) {
			t.Errorf("Gazelle wrote apps/api/BUILD.bazel without %s:\n%s", want, api)
		}
	}
	// The library has no scripts: no image, only its files for the apps' local_packages.
	lib := readFile(t, filepath.Join(ws, "libs/common/BUILD.bazel"))
	if !strings.Contains(lib, `name = "package"`) || strings.Contains(lib, "py_nix_image") {
		t.Errorf("Gazelle wrote libs/common/BUILD.bazel without the package filegroup, or with an image:\n%s", lib)
	}
	bazel(t, ws, "run", "//:gazelle")
	if status := git(t, ws, "status", "--porcelain", "--", "apps", "libs"); status != "?? apps/api/BUILD.bazel\n?? apps/worker/BUILD.bazel\n?? libs/common/BUILD.bazel\n" {
		t.Errorf("after the second Gazelle run, git status shows %q; want the three new BUILD files only", status)
	}
	c1 := commit(t, ws, "BUILD files by Gazelle")

	// The first run uploads what it built to a Nix binary cache (a file:// one here, as s3:// in earnest).
	secret, _ := binaryCacheKey(t, "nixpy-ci-1")
	nixCache := t.TempDir()
	first := runWorkflow(t, ws, "images-hosted.yml", strings.Repeat("0", 40), c1, map[string]string{
		"vars.NIX_CACHE_UPLOAD != ''": "true",
		"vars.NIX_CACHE_UPLOAD":       "file://" + nixCache,
		"secrets.NIX_SIGNING_KEY":     readFile(t, secret),
	})
	for _, app := range []string{"api", "worker"} {
		out := strings.TrimSpace(readFile(t, filepath.Join(strings.TrimSpace(bazel(t, ws, "info", "bazel-bin")), "apps", app, "image.closure.out_path")))
		narinfo := filepath.Join(nixCache, strings.SplitN(filepath.Base(out), "-", 2)[0]+".narinfo")
		if text, err := os.ReadFile(narinfo); err != nil || !strings.Contains(string(text), "Sig: nixpy-ci-1:") {
			t.Errorf("the workflow's upload step left no signed %s for %s's %s (%v)", narinfo, app, out, err)
		}
	}
	wantStatus(t, "first push", first, map[string]string{"//apps/api:push": "pushed", "//apps/worker:push": "pushed"})
	for _, app := range []string{"api", "worker"} {
		if got := registrytest.Crane(t, "digest", "--insecure", prefix+"/"+app+":"+c1); got != first["//apps/"+app+":push"].digest {
			t.Errorf("%s/%s:%s = %s, want the pushed %s", prefix, app, c1, got, first["//apps/"+app+":push"].digest)
		}
	}
	// Pushed second, the worker mounts the layers it shares with the api from the api's repository.
	if w, a := first["//apps/worker:push"].bytes, first["//apps/api:push"].bytes; w*10 > a {
		t.Errorf("the worker's first push uploaded %d bytes, the api's %d: the shared layers were not mounted", w, a)
	}
	workerLayout := filepath.Join(strings.TrimSpace(bazel(t, ws, "info", "bazel-bin")), "apps/worker/image.digest")
	workerBuilt := modTime(t, workerLayout)

	appendTo(t, filepath.Join(ws, "apps/api/src/api/__init__.py"), "\n# an edit of the api alone\n")
	c2 := commit(t, ws, "edit the api")
	second := runWorkflow(t, ws, "images-hosted.yml", c1, c2, nil)
	wantStatus(t, "api edited", second, map[string]string{"//apps/api:push": "pushed", "//apps/worker:push": "skipped"})
	apiPush := second["//apps/api:push"]
	if apiPush.digest == first["//apps/api:push"].digest {
		t.Errorf("the edited api has the digest it had before, %s", apiPush.digest)
	}
	// The interpreter and dependency layers are in the registry already: only the api's own layer, the config
	// and the manifest go up.
	if apiPush.bytes*10 > first["//apps/api:push"].bytes {
		t.Errorf("the edited api uploaded %d bytes, the first push %d: the shared layers went up again", apiPush.bytes, first["//apps/api:push"].bytes)
	}
	if got := registrytest.Crane(t, "digest", "--insecure", prefix+"/api:"+c2); got != apiPush.digest {
		t.Errorf("%s/api:%s = %s, want the pushed %s", prefix, c2, got, apiPush.digest)
	}
	if out, err := exec.Command("crane", "digest", "--insecure", prefix+"/worker:"+c2).CombinedOutput(); err == nil {
		t.Errorf("the unchanged worker was tagged %s: %s", c2, out)
	}
	if got := modTime(t, workerLayout); !got.Equal(workerBuilt) {
		t.Errorf("the unchanged worker's image was rebuilt (%s written at %v, then %v)", workerLayout, workerBuilt, got)
	}

	appendTo(t, filepath.Join(ws, "libs/common/src/common/__init__.py"), "\n# an edit of the library both apps depend on\n")
	c3 := commit(t, ws, "edit the shared library")
	third := runWorkflow(t, ws, "images-nixos.yml", c2, c3, nil)
	wantStatus(t, "library edited", third, map[string]string{"//apps/api:push": "pushed", "//apps/worker:push": "pushed"})
}

// monorepoCopy copies examples/monorepo, pointed at this checkout, to a scratch workspace of its own.
func monorepoCopy(t *testing.T) string {
	t.Helper()
	ws := exampleCopy(t, "monorepo", "monorepo_ci")
	replaceIn(t, filepath.Join(ws, "MODULE.bazel"), `path = "../.."`, "path = "+strconv.Quote(workspace(t)))
	replaceIn(t, filepath.Join(ws, "MODULE.bazel"), `path = "../../tools"`, "path = "+strconv.Quote(filepath.Join(workspace(t), "tools")))
	return ws
}

// scratchWorkspace empties and returns examples/scratch_NAME (gitignored, and ignored by the checkout's own
// Bazel like every example), for a test's workspace of its own. Beside the examples rather than in a temporary
// directory: the rig's Bazel sandbox gives actions an empty /tmp, which would hide this checkout from a workspace
// outside it when the checkout itself sits under /tmp. The same path on every run keeps its output base warm.
func scratchWorkspace(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(workspace(t), "examples", "scratch_"+name)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pushRow is one row of nixpy ci's summary table.
type pushRow struct {
	digest, status string
	bytes          int64
}

// runWorkflow runs the run steps of the workflow's images job in ws with base and head as GitHub would give them,
// and returns nixpy ci's summary table by target. The rig stands in for the uses: steps: the checkout is ws,
// Nix, Bazel and the registry are the rig's.
func runWorkflow(t *testing.T, ws, file, base, head string, vars map[string]string) map[string]pushRow {
	t.Helper()
	runnerTemp := t.TempDir()
	expr := map[string]string{
		"github.event.before":  base,
		"github.sha":           head,
		"github.workflow":      "images",
		"github.actor":         "ci",
		"github.ref":           "refs/heads/main",
		"secrets.GITHUB_TOKEN": "token",
		"runner.temp":          runnerTemp,
		"vars.BAZEL_DISK_CACHE || '/var/cache/bazel-disk'": filepath.Join(runnerTemp, "disk-cache"),
		// No Nix binary cache to upload to unless the caller gives one.
		"vars.NIX_CACHE_UPLOAD != ''": "false",
		"vars.NIX_CACHE_UPLOAD":       "",
		"secrets.NIX_SIGNING_KEY":     "",
	}
	for k, v := range vars {
		expr[k] = v
	}
	steps := workflowSteps(t, filepath.Join(ws, ".github/workflows", file), "images", expr)
	summary := filepath.Join(runnerTemp, "step-summary.md")
	var stdout strings.Builder
	ran := 0
	for _, s := range steps {
		if s.Uses != "" {
			continue
		}
		ran++
		cmd := exec.Command("bash", "-e", "-c", s.Run)
		cmd.Dir = ws
		cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY="+summary)
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s, step %q: %v\n%s\n%s", file, s.Name, err, stdout.String(), tail(stderr.String(), 40))
		}
	}
	if ran == 0 {
		t.Fatalf("%s: no run steps in job images", file)
	}
	t.Logf("%s %s..%s:\n%s", file, base[:8], head[:8], stdout.String())
	if md := readFile(t, summary); !strings.Contains(md, "| Target | Digest | Result | Bytes uploaded |") {
		t.Errorf("$GITHUB_STEP_SUMMARY holds no summary table:\n%s", md)
	}
	rows := map[string]pushRow{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || !strings.HasPrefix(f[0], "//") {
			continue
		}
		var n int64
		if f[3] != "-" {
			var err error
			if n, err = strconv.ParseInt(f[3], 10, 64); err != nil {
				t.Fatalf("summary row %q: %v", line, err)
			}
		}
		rows[f[0]] = pushRow{digest: f[1], status: f[2], bytes: n}
	}
	return rows
}

// workflowStep is one step of testing/workflow's RunSteps, as its cmd/runsteps prints it.
type workflowStep struct {
	Name, Uses, Run, Shell, WorkingDirectory string
	Env                                      map[string]string
}

// workflowSteps returns the steps of a workflow's job with every expression replaced by its value in expr.
// testing/workflow is a Go module of its own (it needs actionlint, which this module's go.mod must not name),
// so its command runs with `go run` rather than being imported.
func workflowSteps(t *testing.T, file, job string, expr map[string]string) []workflowStep {
	t.Helper()
	in, err := json.Marshal(expr)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "./cmd/runsteps", file, job)
	cmd.Dir = filepath.Join(workspace(t), "testing", "workflow")
	cmd.Stdin = strings.NewReader(string(in))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run ./cmd/runsteps in %s: %v\n%s", cmd.Dir, err, stderr.String())
	}
	var steps []workflowStep
	if err := json.Unmarshal(out, &steps); err != nil {
		t.Fatalf("runsteps printed no JSON list of steps: %v\n%s", err, out)
	}
	return steps
}

func wantStatus(t *testing.T, step string, rows map[string]pushRow, want map[string]string) {
	t.Helper()
	if len(rows) != len(want) {
		t.Errorf("%s: summary has %d rows, want %d: %v", step, len(rows), len(want), rows)
	}
	for target, status := range want {
		if rows[target].status != status {
			t.Errorf("%s: %s %q, want %q", step, target, rows[target].status, status)
		}
	}
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=ci", "-c", "user.email=ci@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func commit(t *testing.T, dir, message string) string {
	t.Helper()
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", message)
	return strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	text := readFile(t, path)
	if !strings.Contains(text, old) {
		t.Fatalf("%s does not hold %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(text, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func modTime(t *testing.T, path string) time.Time {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.ModTime()
}
