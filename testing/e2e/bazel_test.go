// Package e2e drives the real Bazel of the rig on this workspace: it builds images of the test projects under
// testing/e2e, pushes them to a real docker-registry, loads and runs them in the real Docker engine, and reads
// Bazel's execution log to check what each edit reruns. Run it inside the rig: dev/enter go test ./testing/e2e.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// workspace is the root of the rules_nixpy checkout (two levels above this package).
func workspace(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(wd))
}

// bazel runs the rig's Bazel in dir and returns its stdout; it fails the test when Bazel fails. The
// startup options come first, so callers pass them as part of args when they need them.
func bazel(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := bazelResult(dir, args...)
	if err != nil {
		t.Fatalf("bazel %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func bazelResult(dir string, args ...string) (string, error) {
	stdout, _, err := bazelStreams(dir, args...)
	return stdout, err
}

// bazelStreams runs Bazel and returns its stdout and stderr, where Bazel shows what actions printed.
func bazelStreams(dir string, args ...string) (string, string, error) {
	if _, err := exec.LookPath("bazel"); err != nil {
		return "", "", errors.New("bazel not on PATH: run this test inside the rig (dev/enter go test ./testing/e2e)")
	}
	cmd := exec.Command("bazel", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), stderr.String(), errors.New(err.Error() + "\n" + tail(stderr.String(), 60))
	}
	return stdout.String(), stderr.String(), nil
}

// tail keeps the last n lines of s: Bazel's failures end with the useful part.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// bazelBin reads a file under bazel-bin of the workspace in dir.
func bazelBin(t *testing.T, dir, rel string, startup ...string) string {
	t.Helper()
	bin := strings.TrimSpace(bazel(t, dir, append(startup, "info", "bazel-bin")...))
	data, err := os.ReadFile(filepath.Join(bin, rel))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// spawn is the part of Bazel's execution log (--execution_log_json_file) these tests read.
type spawn struct {
	Mnemonic string `json:"mnemonic"`
	CacheHit bool   `json:"cacheHit"`
	Runner   string `json:"runner"`
}

// executed lists the mnemonics of the spawns Bazel really ran (not served from a cache) in a log.
func executed(t *testing.T, logPath string) []string {
	t.Helper()
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ran []string
	dec := json.NewDecoder(bufio.NewReader(f))
	for {
		var s spawn
		if err := dec.Decode(&s); errors.Is(err, io.EOF) {
			return ran
		} else if err != nil {
			t.Fatalf("reading execution log %s: %v", logPath, err)
		}
		if !s.CacheHit {
			ran = append(ran, s.Mnemonic)
		}
	}
}

func count(list []string, want string) int {
	n := 0
	for _, s := range list {
		if s == want {
			n++
		}
	}
	return n
}
