package nixstore

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/nixexpr"
)

// Build is one nix-build of an attribute of a Nix file against a nixpkgs, as a Bazel action runs it.
type Build struct {
	// NixFile is a function of pkgs (and src, python when given).
	NixFile string
	Attr    string
	// Nixpkgs is nixpkgs' directory or its default.nix.
	Nixpkgs string
	System  string
	// Config is a .nix file holding the nixpkgs config; empty means `{ }`, never nixpkgs' impure default.
	Config string
	// Overlays are .nix files of one overlay each, in order; none means `[ ]`.
	Overlays []string
	// Interpreter is a nixpkgs attribute path passed as the expression's python argument; empty: none.
	Interpreter string
	// Sources are copied, each to its path in the workspace, into a directory named "source"; SrcRoot
	// (a directory in it) is passed as the src argument. So the source's store path depends on the
	// declared files alone, and workspace members beside the project are where the expression expects.
	Sources []Source
	SrcRoot string
	// Packages are nixpkgs attribute paths BuildPackages builds with the same nixpkgs, e.g. bashInteractive.
	Packages []string
}

// Source is one file of the project: File on disk, Rel its path in the workspace.
type Source struct{ Rel, File string }

var attrPathRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$`)

// Build stages the sources, runs nix-build and returns the built store path. nix-build's own output
// goes to log.
func (t Tools) Build(ctx context.Context, b Build, log io.Writer) (string, error) {
	args, cleanup, err := b.args()
	defer cleanup()
	if err != nil {
		return "", err
	}
	cmd, err := t.command(ctx, "nix-build", args...)
	if err != nil {
		return "", err
	}
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, logTo(log)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("nix-build %s -A %s: %w (its output is above)", b.NixFile, b.Attr, err)
	}
	lines := strings.Fields(stdout.String())
	if len(lines) != 1 {
		return "", fmt.Errorf("nix-build %s -A %s: want one store path, got %q", b.NixFile, b.Attr, stdout.String())
	}
	return lines[0], nil
}

// args returns nix-build's arguments, with the sources staged in a directory cleanup removes.
func (b Build) args() (args []string, cleanup func(), err error) {
	cleanup = func() {}
	if b.Interpreter != "" && !attrPathRE.MatchString(b.Interpreter) {
		return nil, cleanup, fmt.Errorf("interpreter %q: want a nixpkgs attribute path such as python312", b.Interpreter)
	}
	// Real paths, not the sandbox's symlinks: Nix copies a symlink as a symlink.
	nixFile, err := filepath.EvalSymlinks(b.NixFile)
	if err != nil {
		return nil, cleanup, err
	}
	pkgs, err := b.nixpkgsExpr()
	if err != nil {
		return nil, cleanup, err
	}
	args = []string{nixFile, "-A", b.Attr, "--no-out-link", "--arg", "pkgs", pkgs}
	if b.Interpreter != "" {
		// A second import of the same nixpkgs: --arg expressions cannot see each other.
		args = append(args, "--arg", "python", "("+pkgs+")."+b.Interpreter)
	}
	if len(b.Sources) > 0 {
		stage, err := os.MkdirTemp("", "nixpy-src.")
		if err != nil {
			return nil, cleanup, err
		}
		cleanup = func() { os.RemoveAll(stage) }
		root := filepath.Join(stage, "source")
		for _, s := range b.Sources {
			if err := copyFile(s.File, filepath.Join(root, filepath.FromSlash(s.Rel))); err != nil {
				return nil, cleanup, fmt.Errorf("staging the sources: %w", err)
			}
		}
		src := filepath.Join(root, filepath.FromSlash(b.SrcRoot))
		if err := os.MkdirAll(src, 0o755); err != nil {
			return nil, cleanup, err
		}
		args = append(args, "--arg", "src", pathExpr(src))
	}
	return args, cleanup, nil
}

// nixpkgsExpr is the hermetic import of nixpkgs: `import NIXPKGS { system; config; overlays; }`.
func (b Build) nixpkgsExpr() (string, error) {
	nixpkgs, err := filepath.EvalSymlinks(b.Nixpkgs)
	if err != nil {
		return "", fmt.Errorf("nixpkgs: %w", err)
	}
	if filepath.Base(nixpkgs) == "default.nix" {
		nixpkgs = filepath.Dir(nixpkgs)
	}
	config := "{ }"
	if b.Config != "" {
		if config, err = importOf(b.Config); err != nil {
			return "", fmt.Errorf("nixpkgs config: %w", err)
		}
	}
	overlays := make([]string, len(b.Overlays))
	for i, o := range b.Overlays {
		if overlays[i], err = importOf(o); err != nil {
			return "", fmt.Errorf("overlay: %w", err)
		}
	}
	return fmt.Sprintf("import %s { system = %s; config = %s; overlays = [ %s ]; }",
		pathExpr(nixpkgs), nixexpr.String(b.System), config, strings.Join(overlays, " ")), nil
}

// importOf is `(import PATH)` of a file's real path.
func importOf(file string) (string, error) {
	real, err := filepath.EvalSymlinks(file)
	if err != nil {
		return "", err
	}
	return "(import " + pathExpr(real) + ")", nil
}

// pathExpr is an absolute path as a Nix path value, whatever characters it holds.
func pathExpr(p string) string {
	return "(/. + " + nixexpr.String(p) + ")"
}

// copyFile copies a file's content (following links) to dst, creating dst's directory. Only the
// executable bit is kept, the one mode bit a store path records.
func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if info.Mode()&0o100 != 0 {
		mode = 0o755
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, mode)
}

// BuildPackages builds the nixpkgs attribute paths b.Packages (e.g. bashInteractive, python3Packages.ipython),
// with nixpkgs imported as for b, and returns their store paths in order. Each path is checked when Nix
// evaluates: one nixpkgs lacks, or one that is not a package, fails naming it.
func (t Tools) BuildPackages(ctx context.Context, b Build, log io.Writer) ([]string, error) {
	if len(b.Packages) == 0 {
		return nil, nil
	}
	args, err := b.packagesArgs()
	if err != nil {
		return nil, err
	}
	cmd, err := t.command(ctx, "nix-build", args...)
	if err != nil {
		return nil, err
	}
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, logTo(log)
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("nix-build of packages %s: %w (its output is above)", strings.Join(b.Packages, " "), err)
	}
	paths := strings.Fields(stdout.String())
	if len(paths) != len(b.Packages) {
		return nil, fmt.Errorf("nix-build of packages %s: want %d store paths, got %q", strings.Join(b.Packages, " "), len(b.Packages), stdout.String())
	}
	return paths, nil
}

// packagesArgs is nix-build's command line for b.Packages: a list of the attributes of nixpkgs, each
// looked up one name at a time so a missing one is named in the error rather than found by Nix's
// "attribute missing" with a position in a generated expression.
func (b Build) packagesArgs() ([]string, error) {
	pkgs, err := b.nixpkgsExpr()
	if err != nil {
		return nil, err
	}
	var list strings.Builder
	for _, p := range b.Packages {
		if !attrPathRE.MatchString(p) {
			return nil, fmt.Errorf("packages: %q: want a nixpkgs attribute path such as bashInteractive or python3Packages.ipython", p)
		}
		list.WriteString(" (get " + nixexpr.String(p) + " [")
		for _, name := range strings.Split(p, ".") {
			list.WriteString(" " + nixexpr.String(name))
		}
		list.WriteString(" ])")
	}
	expr := `let
  pkgs = ` + pkgs + `;
  get = attrPath: names:
    let
      value = builtins.foldl' (v: name:
        if builtins.isAttrs v && builtins.hasAttr name v then builtins.getAttr name v
        else throw "nixpy: packages: nixpkgs has no attribute ${attrPath} (no ${name})") pkgs names;
    in
    if builtins.isAttrs value && value ? outPath && (value.type or "") == "derivation" then value
    else throw "nixpy: packages: nixpkgs' ${attrPath} is not a package (a derivation)";
in [` + list.String() + ` ]`
	return []string{"--no-out-link", "-E", expr}, nil
}
