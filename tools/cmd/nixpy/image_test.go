package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/registry"
	"github.com/nixpy/rules_nixpy/tools/registrytest"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

func runNixpy(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runNixpy(t, args...)
	if code != 0 {
		t.Fatalf("nixpy %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// pathInfo writes what nix 2.34's `nix path-info --json -r` prints for the store's paths.
func pathInfo(t *testing.T, s *storetest.Store) string {
	t.Helper()
	byPath := map[string]any{}
	for _, p := range s.Closure(t).Paths {
		byPath[p.Path] = map[string]any{"narHash": p.NarHash, "narSize": p.NarSize, "references": p.References, "ca": nil}
	}
	data, err := json.Marshal(byPath)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "path-info.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestClosureImagePushLoadRun goes the whole way on the command line: closure, image, push to a
// real registry, load into Docker, and run.
func TestClosureImagePushLoadRun(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	s := storetest.New(t)
	bb := s.AddBusybox(t, "bbbbbbbb-busybox-static")
	top := s.Add(t, "aaaaaaaa-hello", []string{bb}, []storetest.File{{Name: "bin/hello", Data: "#!" + bb + "/bin/sh\necho hello from the nixpy CLI\n", Mode: 0o555}})
	work := t.TempDir()
	closureFile := filepath.Join(work, "closure.json")
	mustRun(t, "closure", "--from-json", pathInfo(t, s), top, "-o", closureFile)

	out := filepath.Join(work, "image")
	stdout := mustRun(t, "image", "--closure", closureFile, "--top", top, "--out", out, "--store-dir", s.Dir,
		"--entrypoint", top+"/bin/hello", "--env", "PATH="+bb+"/bin", "--symlink", "/bin="+bb+"/bin",
		"--label", "org.example=1", "--explain", "--docker-archive", filepath.Join(work, "image.tar"))
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	digest := lines[len(lines)-1]
	if !strings.HasPrefix(digest, "sha256:") || !strings.Contains(stdout, "top layer") || !strings.Contains(stdout, "root layer") {
		t.Fatalf("image printed:\n%s", stdout)
	}

	reg := registrytest.Start(t, false)
	repo := reg.Host + "/cli/hello"
	digestFile := filepath.Join(work, "digest")
	reportFile := filepath.Join(work, "report.json")
	pushed := strings.TrimSpace(mustRun(t, "push", "--image", out, "--repository", repo, "--tag", "v1", "--digest-file", digestFile,
		"--report-file", reportFile, "--insecure"))
	if pushed != repo+"@"+digest {
		t.Errorf("push printed %q, want %s@%s", pushed, repo, digest)
	}
	var report registry.Report
	if data, err := os.ReadFile(reportFile); err != nil || json.Unmarshal(data, &report) != nil {
		t.Errorf("report file: %v: %s", err, data)
	}
	if report.Digest != digest || report.Reference != pushed || report.BlobsUploaded < 2 || report.UploadedBytes <= 0 || report.BlobsExisting != 0 {
		t.Errorf("report of a first push = %+v, want digest %s and every blob uploaded", report, digest)
	}
	if got, _ := os.ReadFile(digestFile); strings.TrimSpace(string(got)) != digest {
		t.Errorf("digest file holds %q, want %s", got, digest)
	}
	if got := registrytest.Crane(t, "digest", repo+":v1"); got != digest {
		t.Errorf("crane digest = %s, want %s", got, digest)
	}

	const tag = "nixpy-test/cli-hello:latest"
	t.Cleanup(func() { exec.Command("docker", "rmi", "--force", tag).Run() })
	id := strings.TrimSpace(mustRun(t, "load", "--image", out, "--tag", tag))
	if !strings.HasPrefix(id, "sha256:") {
		t.Errorf("load printed %q", id)
	}
	got, err := exec.Command("docker", "run", "--rm", "--network", "none", tag).CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != "hello from the nixpy CLI" {
		t.Errorf("docker run: %v: %q", err, got)
	}
}

func TestBadInputLeavesNothing(t *testing.T) {
	s := storetest.New(t)
	lib := s.Add(t, "llllllll-lib", nil, []storetest.File{{Name: "lib/x", Data: "x"}})
	top := s.Add(t, "aaaaaaaa-app", []string{lib}, []storetest.File{{Name: "bin/app", Data: "x", Mode: 0o555}})
	inputs := t.TempDir()
	good := s.WriteClosure(t, inputs)
	write := func(name, content string) string {
		file := filepath.Join(inputs, name)
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
	malformed := write("malformed.json", `{"paths": [`)
	open := write("open.json", `{"paths":[{"path":"`+top+`","narHash":"sha256:1","narSize":1,"references":["`+lib+`"]}]}`)
	corruptBase := filepath.Join(inputs, "base")
	os.Mkdir(corruptBase, 0o755)
	write("base/index.json", "garbage")

	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"store path missing on disk", []string{"--closure", good, "--store-dir", filepath.Join(inputs, "empty")}, "missing on disk"},
		{"malformed closure", []string{"--closure", malformed}, malformed},
		{"closure not closed", []string{"--closure", open}, "references " + lib + ", which is missing"},
		{"max layers below 2", []string{"--closure", good, "--max-layers", "1"}, "--max-layers 1"},
		{"corrupt base", []string{"--closure", good, "--base", corruptBase}, "--base " + corruptBase},
		{"bad created", []string{"--closure", good, "--created", "yesterday"}, `--created "yesterday"`},
		{"bad symlink", []string{"--closure", good, "--symlink", "nolink"}, `--symlink "nolink"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "image")
			args := append([]string{"image", "--top", top, "--out", out, "--store-dir", s.Dir}, tt.args...)
			code, _, stderr := runNixpy(t, args...)
			if code != 1 || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit 1 naming %q", code, stderr, tt.wantErr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}

func TestPushRefusedCredentialsCLI(t *testing.T) {
	reg := registrytest.Start(t, true)
	s := storetest.New(t)
	top := s.Add(t, "aaaaaaaa-app", nil, []storetest.File{{Name: "bin/app", Data: "x", Mode: 0o555}})
	work := t.TempDir()
	out := filepath.Join(work, "image")
	mustRun(t, "image", "--closure", s.WriteClosure(t, work), "--top", top, "--out", out, "--store-dir", s.Dir)
	const secret = "not-the-password-42"
	config := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(registrytest.User + ":" + secret))
	os.WriteFile(filepath.Join(config, "config.json"), []byte(`{"auths":{"`+reg.Host+`":{"auth":"`+auth+`"}}}`), 0o600)
	t.Setenv("DOCKER_CONFIG", config)
	digestFile := filepath.Join(work, "digest")
	code, stdout, stderr := runNixpy(t, "push", "--image", out, "--repository", reg.Host+"/private/app", "--digest-file", digestFile)
	if code != 1 || !strings.Contains(stderr, reg.Host+"/private/app") || !strings.Contains(stderr, "refused the credentials nixpy sent") ||
		!strings.Contains(stderr, "`docker login "+reg.Host+"`") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming the repository, the refusal and how to log in", code, stderr)
	}
	if strings.Contains(stdout+stderr, secret) || strings.Contains(stdout+stderr, auth) {
		t.Errorf("output reveals the credential:\n%s%s", stdout, stderr)
	}
	if _, err := os.Stat(digestFile); err == nil {
		t.Error("a failed push wrote the digest file")
	}
}

func TestSubcommandHelpAndUsage(t *testing.T) {
	for _, name := range []string{"closure", "image", "base-links", "plan", "layer", "assemble", "push", "load", "stamp"} {
		t.Run(name, func(t *testing.T) {
			if code, _, stderr := runNixpy(t, name, "-h"); code != 0 || !strings.Contains(stderr, "usage: nixpy "+name) {
				t.Errorf("-h: exit %d, stderr %q", code, stderr)
			}
			if code, stdout, _ := runNixpy(t, "help", name); code != 0 || !strings.Contains(stdout, "usage: nixpy "+name) {
				t.Errorf("help: exit %d, stdout %q", code, stdout)
			}
			if code, _, stderr := runNixpy(t, name); code != 2 || !strings.Contains(stderr, "required") {
				t.Errorf("no flags: exit %d, stderr %q; want 2 and what is required", code, stderr)
			}
			if code, _, _ := runNixpy(t, name, "--no-such-flag"); code != 2 {
				t.Errorf("unknown flag: exit %d, want 2", code)
			}
		})
	}
}
