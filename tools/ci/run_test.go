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
	Log     string            `json:"log"`
	Queries map[string]string `json:"queries"`
	// FailPush names a target whose push fails.
	FailPush string `json:"fail_push"`
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
	case "run":
		target, report := "", ""
		for i, a := range args {
			if a == "--" {
				target = args[i+1]
			}
			if r, ok := strings.CutPrefix(a, "--report-file="); ok {
				report = r
			}
		}
		if target == spec.FailPush {
			fmt.Fprintln(os.Stderr, "nixpy push: registry said 500")
			return 1
		}
		pkg, _, _ := strings.Cut(strings.TrimPrefix(target, "//"), ":")
		r := fmt.Sprintf(`{"reference":"r.example/%s@sha256:aa","digest":"sha256:aa","uploaded_bytes":100,"total_bytes":300,"blobs_uploaded":1,"blobs_existing":2}`, pkg)
		if err := os.WriteFile(report, []byte(r), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
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
		{name: "a failed push does not stop the others", base: "", failPush: "//apps/monitor:push",
			want:    map[string]Status{"//apps/api:push": Pushed, "//apps/monitor:push": Failed, "//apps/worker:push": Pushed},
			wantErr: "1 of 3 pushes failed: //apps/monitor:push", wantRuns: 3},
		{name: "nothing changed", base: head, want: map[string]Status{
			"//apps/api:push": Skipped, "//apps/monitor:push": Skipped, "//apps/worker:push": Skipped}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := fakeBazel{Log: filepath.Join(dir, "log"), Queries: queries, FailPush: tc.failPush}
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
				Base: tc.base, Head: head, DryRun: tc.dryRun,
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
			var runs int
			for _, line := range strings.Split(string(logged), "\n") {
				if strings.HasPrefix(line, "run ") || strings.HasPrefix(line, "build ") || strings.HasPrefix(line, "cquery ") {
					if !strings.Contains(line, "--stamp --workspace_status_command=") || !strings.Contains(line, "--disk_cache=/c --") {
						t.Errorf("bazel %s: want --stamp, a workspace status and the extra args", line)
					}
				}
				if strings.HasPrefix(line, "run ") {
					// Every push mounts the shared layers from another app's repository on the registry.
					if !strings.Contains(line, " --mount-from=r.example/apps/") {
						t.Errorf("run %d: %s: no --mount-from", runs, line)
					}
					runs++
				}
			}
			if runs != tc.wantRuns {
				t.Errorf("%d bazel runs, want %d:\n%s", runs, tc.wantRuns, logged)
			}
		})
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
