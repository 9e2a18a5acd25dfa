// Package nixstore runs the Nix commands nixpy's build steps need: nix-build for an action, and the
// realisation of store paths that a step needs and this machine's store lacks. Bazel's caches outlive
// the Nix store: a result from a disk or remote cache, or from an output base older than a garbage
// collection, names store paths that may be gone here, and Nix, not Bazel, can bring them back.
package nixstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// searchPath is where Nix's commands are looked up after PATH: a multi-user install's default profile,
// NixOS's system profile and a distribution's package (Debian's nix-bin), for a Bazel action whose
// environment has no PATH or one that leaves them out.
var searchPath = []string{"/nix/var/nix/profiles/default/bin", "/run/current-system/sw/bin", "/usr/local/bin", "/usr/bin", "/bin"}

// Tools runs Nix's commands: found on PATH or in Nix's default profiles, talking to the Nix daemon
// unless NIX_REMOTE says otherwise (Bazel's sandbox leaves /nix/store read-only, as a multi-user
// install expects).
type Tools struct {
	// Env is the commands' environment; nil means this process's.
	Env []string
}

// command returns the command for a Nix program with the given arguments.
func (t Tools) command(ctx context.Context, program string, args ...string) (*exec.Cmd, error) {
	env := t.Environ()
	bin, err := lookPath(program, env)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	return cmd, nil
}

// Path is where a Nix program is, found as command finds it.
func (t Tools) Path(program string) (string, error) { return lookPath(program, t.Environ()) }

// Environ is the commands' environment, NIX_REMOTE included.
func (t Tools) Environ() []string {
	env := t.Env
	if env == nil {
		env = os.Environ()
	}
	if !hasVar(env, "NIX_REMOTE") {
		env = append(append([]string(nil), env...), "NIX_REMOTE=daemon")
	}
	return env
}

func lookPath(program string, env []string) (string, error) {
	dirs := filepath.SplitList(lookupVar(env, "PATH"))
	for _, dir := range append(dirs, searchPath...) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, program)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH (%s) nor in %s: install Nix", program, lookupVar(env, "PATH"),
		strings.Join(searchPath, ", "))
}

// run runs a Nix program and returns its standard output; an error carries its standard error.
func (t Tools) run(ctx context.Context, program string, args ...string) (string, error) {
	cmd, err := t.command(ctx, program, args...)
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", program, strings.Join(args, " "), err, lastLines(stderr.String(), 20))
	}
	return stdout.String(), nil
}

func hasVar(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

func lookupVar(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v
		}
	}
	return ""
}

// lastLines keeps the end of a command's error output, where Nix says what failed.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// logTo is w, or a writer that drops the log when there is none.
func logTo(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
