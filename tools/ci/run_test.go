package ci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The test binary stands in for bazel when NIXPY_FAKE_BAZEL names a fakeBazel JSON file: it logs
// each command, answers queries from the file, and writes push reports for `run`.
func TestMain(m *testing.M) {
	if spec := os.Getenv("NIXPY_FAKE_BAZEL"); spec != "" {
		os.Exit(fakeBazelMain(spec, os.Args[1:]))
	}
	os.Exit(m.Run())
}

type fakeBazel struct {
	Log      string            `json:"log"`
	Queries  map[string]string `json:"queries"`
	ExecRoot string            `json:"exec_root"`
}

// pushPath is where a push target's executable is under the execution root.
func pushPath(label string) string {
	pkg, _, _ := strings.Cut(strings.TrimPrefix(label, "//"), ":")
	return "bazel-out/bin/" + pkg + "/push"
}

// pushScripts writes a push executable for each label: it logs its start and end to log, takes a
// moment so overlapping pushes show, and writes the push report, or fails for the failing label.
func pushScripts(t *testing.T, execRoot, log, failing string, labels []string) {
	t.Helper()
	for _, label := range labels {
		pkg, _, _ := strings.Cut(strings.TrimPrefix(label, "//"), ":")
		script := fmt.Sprintf(`#!/bin/sh
[ -z "$RUNFILES_DIR" ] || { echo "RUNFILES_DIR=$RUNFILES_DIR leaked into the push" >&2; exit 2; }
echo "start %[1]s $*" >> %[2]s
sleep 0.3
for a; do case $a in --report-file=*) report=${a#--report-file=} ;; esac; done
echo "end %[1]s" >> %[2]s
if [ %[3]q = %[4]q ]; then echo "nixpy push: registry said 500" >&2; exit 1; fi
echo '{"reference":"r.example/%[1]s@sha256:aa","digest":"sha256:aa","uploaded_bytes":100,"total_bytes":300,"blobs_uploaded":1,"blobs_existing":2}' > "$report"
`, pkg, log, label, failing)
		exe := filepath.Join(execRoot, pushPath(label))
		if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func fakeBazelMain(specFile string, args []string) int {
	data, err := os.ReadFile(specFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var spec fakeBazel
	if err := json.Unmarshal(data, &spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log, err := os.OpenFile(spec.Log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Fprintln(log, strings.Join(args, " "))
	log.Close()
	if dir := os.Getenv("RUNFILES_DIR"); dir != "" {
		fmt.Fprintf(os.Stderr, "RUNFILES_DIR=%s leaked into bazel\n", dir)
		return 2
	}
	switch args[0] {
	case "query", "cquery":
		expr := args[len(args)-1]
		if slices.Contains(args, "--output=starlark") {
			// The executables' paths, under the execution root, as the test's pushScripts wrote them.
			for _, label := range strings.Fields(strings.NewReplacer("set(", "", ")", "", `"`, "").Replace(expr)) {
				fmt.Printf("@@%s %s\n", label, pushPath(label))
			}
			return 0
		}
		answer, ok := spec.Queries[expr]
		if !ok {
			fmt.Fprintf(os.Stderr, "ERROR: unexpected query %s\n", expr)
			return 7
		}
		if slices.Contains(args, "--output=streamed_jsonproto") {
			// Every push target here pushes to r.example/<package>.
			for _, label := range strings.Fields(answer) {
				pkg, _, _ := strings.Cut(strings.TrimPrefix(label, "//"), ":")
				fmt.Printf(`{"type":"RULE","rule":{"name":%q,"ruleClass":"nixpy_push","attribute":[{"name":"repository","type":"STRING","stringValue":"r.example/%s"}]}}`+"\n", label, pkg)
			}
			return 0
		}
		if args[0] == "cquery" {
			// cquery follows each label with its configuration.
			answer = strings.ReplaceAll(answer, "\n", " (3f2a1b0)\n")
		}
		fmt.Print(answer)
	case "info":
		fmt.Println(spec.ExecRoot)
	}
	return 0
}

func TestRun(t *testing.T) {
	r := newGitRepo(t)
	base := r.commit(map[string]string{
		"MODULE.bazel":             "module(name = \"m\")",
		"BUILD.bazel":              "# root",
		"apps/api/BUILD.bazel":     "# api",
		"apps/api/app.py":          "v1",
		"apps/api/notes.txt":       "v1",
		"apps/worker/BUILD.bazel":  "# worker",
		"apps/worker/worker.py":    "v1",
		"apps/monitor/BUILD.bazel": "# monitor",
	})
	head := r.commit(map[string]string{"apps/api/app.py": "v2", "apps/api/notes.txt": "v2"})
	allPushes := `kind("^nixpy_push rule$", //...)`
	queries := map[string]string{
		allPushes:        "//apps/worker:push\n//apps/api:push\n//apps/monitor:push\n",
		`"//apps/api:*"`: "//apps/api:BUILD.bazel\n//apps/api:app.py\n//apps/api:image\n//apps/api:push\n",
		`kind("^nixpy_push rule$", rdeps(set("//apps/api:push" "//apps/monitor:push" "//apps/worker:push"), "//apps/api:app.py"))`: "//apps/api:push\n",
	}

	tests := []struct {
		name     string
		base     string
		dryRun   bool
		failPush string
		jobs     int
		want     map[string]Status
		wantErr  string
		wantRuns int
	}{
		{name: "one app changed", base: base, want: map[string]Status{
			"//apps/api:push": Pushed, "//apps/monitor:push": Skipped, "//apps/worker:push": Skipped}, wantRuns: 1},
		{name: "dry run", base: base, dryRun: true, want: map[string]Status{
			"//apps/api:push": WouldPush, "//apps/monitor:push": Skipped, "//apps/worker:push": Skipped}},
		{name: "no base: every image", base: "", want: map[string]Status{
			"//apps/api:push": Pushed, "//apps/monitor:push": Pushed, "//apps/worker:push": Pushed}, wantRuns: 3},
		{name: "one at a time", base: "", jobs: 1, want: map[string]Status{
			"//apps/api:push": Pushed, "//apps/monitor:push": Pushed, "//apps/worker:push": Pushed}, wantRuns: 3},
		{name: "a failed push does not stop the others", base: "", failPush: "//apps/monitor:push",
			want:    map[string]Status{"//apps/api:push": Pushed, "//apps/monitor:push": Failed, "//apps/worker:push": Pushed},
			wantErr: "1 of 3 pushes failed: //apps/monitor:push", wantRuns: 3},
		{name: "nothing changed", base: head, want: map[string]Status{
			"//apps/api:push": Skipped, "//apps/monitor:push": Skipped, "//apps/worker:push": Skipped}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := fakeBazel{Log: filepath.Join(dir, "log"), Queries: queries, ExecRoot: filepath.Join(dir, "execroot")}
			pushLog := filepath.Join(dir, "pushes")
			pushScripts(t, spec.ExecRoot, pushLog, tc.failPush, []string{"//apps/api:push", "//apps/monitor:push", "//apps/worker:push"})
			data, _ := json.Marshal(spec)
			specFile := filepath.Join(dir, "spec.json")
			if err := os.WriteFile(specFile, data, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("NIXPY_FAKE_BAZEL", specFile)
			t.Setenv("RUNFILES_DIR", "/outer/runfiles") // must not reach the push scripts
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			res, err := Run(context.Background(), Options{
				Base: tc.base, Head: head, DryRun: tc.dryRun, Jobs: tc.jobs,
				Bazel: &Bazel{Binary: self, Workspace: r.dir, Args: []string{"--disk_cache=/c"}, Log: &log},
			})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Run: error %v, want %q\n%s", err, tc.wantErr, log.String())
			}
			got := map[string]Status{}
			for _, img := range res.Images {
				got[img.Target] = img.Status
				if img.Status == Pushed && (img.Digest != "sha256:aa" || img.UploadedBytes != 100 || img.BlobsExisting != 2) {
					t.Errorf("%s: report not read: %+v", img.Target, img)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("statuses = %v, want %v", got, tc.want)
			}
			logged, _ := os.ReadFile(spec.Log)
			for _, line := range strings.Split(string(logged), "\n") {
				if strings.HasPrefix(line, "build ") || strings.HasPrefix(line, "cquery ") {
					if !strings.Contains(line, "--stamp --workspace_status_command=") || !strings.Contains(line, "--disk_cache=/c --") {
						t.Errorf("bazel %s: want --stamp, a workspace status and the extra args", line)
					}
				}
				if strings.HasPrefix(line, "run ") {
					t.Errorf("bazel %s: the pushes run without Bazel, so that they can overlap", line)
				}
			}
			pushed, _ := os.ReadFile(pushLog)
			checkPushes(t, strings.Split(strings.TrimSpace(string(pushed)), "\n"), tc.wantRuns, tc.jobs)
		})
	}
}

// checkPushes reads the push scripts' log: each push mounts the shared layers from another app's
// repository, the first push ends before any other starts, and the others overlap unless jobs is 1.
func checkPushes(t *testing.T, lines []string, wantRuns, jobs int) {
	t.Helper()
	var starts, ends []int
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "start "):
			if !strings.Contains(line, " --mount-from=r.example/apps/") {
				t.Errorf("push %s: no --mount-from", line)
			}
			starts = append(starts, i)
		case strings.HasPrefix(line, "end "):
			ends = append(ends, i)
		}
	}
	if len(starts) != wantRuns {
		t.Fatalf("%d pushes ran, want %d:\n%s", len(starts), wantRuns, strings.Join(lines, "\n"))
	}
	if wantRuns < 3 {
		return
	}
	if !strings.HasPrefix(lines[0], "start apps/api ") || !strings.HasPrefix(lines[1], "end apps/api") {
		t.Errorf("the registry's first image is not pushed alone, before the others:\n%s", strings.Join(lines, "\n"))
	}
	overlap := starts[2] < ends[1]
	if overlap != (jobs != 1) {
		t.Errorf("with jobs %d, the second and third pushes overlap = %v:\n%s", jobs, overlap, strings.Join(lines, "\n"))
	}
}

func TestWriteTable(t *testing.T) {
	res := &Result{Base: "b", Head: "h", Images: []Image{
		{Target: "//apps/api:push", Status: Pushed, Digest: "sha256:aa", UploadedBytes: 1234},
		{Target: "//apps/worker:push", Status: Skipped},
	}}
	var table, md bytes.Buffer
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	wantTable := `TARGET              DIGEST     RESULT   BYTES UPLOADED
//apps/api:push     sha256:aa  pushed   1234
//apps/worker:push  -          skipped  -
1 pushed, 1 skipped; 1234 bytes uploaded
`
	if table.String() != wantTable {
		t.Errorf("table:\n%s\nwant:\n%s", table.String(), wantTable)
	}
	if !strings.Contains(md.String(), "| `//apps/api:push` | `sha256:aa` | pushed | 1234 |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

func TestMountSource(t *testing.T) {
	images := []Image{{Target: "//a:push"}, {Target: "//b:push"}, {Target: "//c:push"}, {Target: "//d:push"}}
	repositories := map[string]string{
		"//a:push": "ghcr.io/acme/", // completed at push time: its name is not known here
		"//b:push": "ghcr.io/acme/b",
		"//c:push": "quay.io/acme/c", // another registry
		"//d:push": "ghcr.io/acme/d",
	}
	tests := []struct{ target, want string }{
		{"//b:push", "ghcr.io/acme/d"},
		{"//d:push", "ghcr.io/acme/b"},
		{"//a:push", "ghcr.io/acme/b"},
		{"//c:push", ""},
	}
	for _, tc := range tests {
		host := registryOf(repositories[tc.target])
		if got := sibling(images, repositories, tc.target, host); got != tc.want {
			t.Errorf("sibling(%s) = %q, want %q", tc.target, got, tc.want)
		}
	}
	for repo, want := range map[string]string{"ghcr.io/acme/": "ghcr.io", "127.0.0.1:5000/x": "127.0.0.1:5000", "app": "index.docker.io", "": ""} {
		if got := registryOf(repo); got != want {
			t.Errorf("registryOf(%q) = %q, want %q", repo, got, want)
		}
	}
}
