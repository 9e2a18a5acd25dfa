package closure

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Query runs `nix path-info --json -r` on the given store paths and parses its output.
// nix names the nix binary to run ("nix" looks it up on PATH), env its environment (nil: this process's). It asks for --json-format 2 first,
// because nix 2.34 deprecates --json without it, and falls back to plain --json for nix versions
// that do not know the flag (2.8 and others before the format existed).
func Query(ctx context.Context, nix string, env []string, storePaths []string) (*Closure, error) {
	out, stderr, err := runPathInfo(ctx, nix, env, []string{"--json", "--json-format", "2"}, storePaths)
	if err != nil && strings.Contains(stderr, "json-format") {
		out, stderr, err = runPathInfo(ctx, nix, env, []string{"--json"}, storePaths)
	}
	what := fmt.Sprintf("%s path-info -r %s", nix, strings.Join(storePaths, " "))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", what, err, strings.TrimSpace(stderr))
	}
	c, err := ParsePathInfo(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return c, nil
}

func runPathInfo(ctx context.Context, nix string, env []string, jsonArgs, storePaths []string) ([]byte, string, error) {
	args := append([]string{"--extra-experimental-features", "nix-command", "path-info", "-r"}, jsonArgs...)
	cmd := exec.CommandContext(ctx, nix, append(args, storePaths...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}
