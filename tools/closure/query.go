package closure

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Query runs `nix path-info --json -r` on the given store paths and parses its output.
// nix names the nix binary to run ("nix" looks it up on PATH).
func Query(ctx context.Context, nix string, storePaths []string) (*Closure, error) {
	args := append([]string{"--extra-experimental-features", "nix-command", "path-info", "--json", "-r"}, storePaths...)
	cmd := exec.CommandContext(ctx, nix, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s path-info --json -r %s: %w: %s", nix, strings.Join(storePaths, " "), err, strings.TrimSpace(stderr.String()))
	}
	c, err := ParsePathInfo(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s path-info --json -r %s: %w", nix, strings.Join(storePaths, " "), err)
	}
	return c, nil
}
