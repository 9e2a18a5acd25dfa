package rigtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserConfigAndOverlays: like nixpkgs' impure.nix, the set reads $NIXPKGS_CONFIG,
// ~/.config/nixpkgs/config.nix and the user's overlays when the caller passes no config and no
// overlays, and none of them when it passes `config = { }; overlays = [ ];` (what rules_nixpy
// passes). Each user file here throws, so reading it fails the evaluation.
func TestUserConfigAndOverlays(t *testing.T) {
	needNix(t)
	dir := t.TempDir()
	write := func(rel, text string) string {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	envConfig := write("env/config.nix", `throw "read NIXPKGS_CONFIG"`)
	write("home-config/.config/nixpkgs/config.nix", `throw "read ~/.config/nixpkgs/config.nix"`)
	write("home-overlays-file/.config/nixpkgs/overlays.nix", `[ (final: prev: { python311 = throw "read ~/.config/nixpkgs/overlays.nix"; }) ]`)
	write("home-overlays-dir/.config/nixpkgs/overlays/a.nix", `final: prev: { python311 = throw "read ~/.config/nixpkgs/overlays/a.nix"; }`)
	write("home-both/.config/nixpkgs/overlays.nix", `[ ]`)
	write("home-both/.config/nixpkgs/overlays/a.nix", `final: prev: { }`)
	empty := filepath.Join(dir, "empty-home")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	const (
		implicit = `(import ./testing/nixpkgs { }).python311.version`
		explicit = `(import ./testing/nixpkgs { config = { }; overlays = [ ]; }).python311.version`
	)
	tests := []struct {
		name, home, nixpkgsConfig, expr string
		wantErr                         string // empty: evaluates to python311's version
	}{
		{"nothing to read", empty, "", implicit, ""},
		{"NIXPKGS_CONFIG", empty, envConfig, implicit, "read NIXPKGS_CONFIG"},
		{"NIXPKGS_CONFIG wins over the home directory", filepath.Join(dir, "home-config"), envConfig, implicit, "read NIXPKGS_CONFIG"},
		{"~/.config/nixpkgs/config.nix", filepath.Join(dir, "home-config"), "", implicit, "read ~/.config/nixpkgs/config.nix"},
		{"~/.config/nixpkgs/overlays.nix", filepath.Join(dir, "home-overlays-file"), "", implicit, "read ~/.config/nixpkgs/overlays.nix"},
		{"~/.config/nixpkgs/overlays/", filepath.Join(dir, "home-overlays-dir"), "", implicit, "read ~/.config/nixpkgs/overlays/a.nix"},
		{"overlays file and directory", filepath.Join(dir, "home-both"), "", implicit, "but not both"},
		{"explicit config and overlays ignore the environment", filepath.Join(dir, "home-config"), envConfig, explicit, ""},
		{"explicit config and overlays ignore home overlays", filepath.Join(dir, "home-overlays-dir"), "", explicit, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("nix-instantiate", "--eval", "-E", tt.expr)
			cmd.Dir = root(t)
			cmd.Env = append(os.Environ(), "HOME="+tt.home, "NIXPKGS_CONFIG="+tt.nixpkgsConfig)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("evaluation failed: %v\n%s", err, tail(stderr.String(), 20))
			case tt.wantErr == "" && strings.TrimSpace(stdout.String()) != `"3.11.2"`:
				t.Errorf("evaluated to %s, want \"3.11.2\"", stdout.String())
			case tt.wantErr != "" && err == nil:
				t.Fatalf("evaluated to %s; want an error containing %q", stdout.String(), tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(stderr.String(), tt.wantErr):
				t.Errorf("error:\n%s\nwant it to contain %q", tail(stderr.String(), 20), tt.wantErr)
			}
		})
	}
}
