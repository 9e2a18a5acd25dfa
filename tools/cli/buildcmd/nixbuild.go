package buildcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/nixstore"
	"github.com/nixpy/rules_nixpy/tools/ociimage"
)

// runNixBuild is the nixpy_nix_build rule's action: nix-build with nixpkgs imported hermetically, the
// project's declared sources as src, and the result's closure written beside its store path.
func runNixBuild(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("nix-build", "--file FILE --nixpkgs DEFAULT_NIX --closure-out FILE --out-path-out FILE [flags] [REL FILE]...", stderr)
	file := fs.String("file", "", "the Nix file to build, a function of pkgs (and src, python) (required)")
	attr := fs.String("attr", "app", "the attribute to build")
	nixpkgs := fs.String("nixpkgs", "", "nixpkgs' default.nix or directory (required)")
	system := fs.String("system", "x86_64-linux", "the Nix system nixpkgs is imported for")
	config := fs.String("config", "", "a .nix file holding the nixpkgs config (default `{ }`: $NIXPKGS_CONFIG and ~/.config/nixpkgs are never read)")
	var overlays cli.ListFlag
	fs.Var(&overlays, "overlay", "a .nix file holding one nixpkgs overlay; repeat, in order (default none)")
	interpreter := fs.String("interpreter", "", "a nixpkgs attribute path passed as the expression's python argument, e.g. python312")
	srcRoot := fs.String("src-root", ".", "the directory, relative to the workspace, passed as src (that of pyproject.toml)")
	closureOut := fs.String("closure-out", "", "write the result's closure.json here (required)")
	outPathOut := fs.String("out-path-out", "", "write the built store path here (required)")
	var packages cli.ListFlag
	fs.Var(&packages, "package", "a nixpkgs attribute path (e.g. bashInteractive) built too, its closure joining the result's; repeat, in order")
	packagesOut := fs.String("packages-out", "", "write the --package attributes and their store paths here, as JSON (for nixpy plan --packages)")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case *file == "" || *nixpkgs == "" || *closureOut == "" || *outPathOut == "":
		return cli.UsageError(fs, "--file, --nixpkgs, --closure-out and --out-path-out are required")
	case len(rest)%2 != 0:
		return cli.UsageError(fs, "sources come in pairs, REL FILE: got %d arguments", len(rest))
	}
	b := nixstore.Build{
		NixFile: *file, Attr: *attr, Nixpkgs: *nixpkgs, System: *system, Config: *config, Overlays: overlays,
		Interpreter: *interpreter, SrcRoot: *srcRoot, Packages: packages,
	}
	for i := 0; i < len(rest); i += 2 {
		b.Sources = append(b.Sources, nixstore.Source{Rel: rest[i], File: rest[i+1]})
	}
	ctx := context.Background()
	var tools nixstore.Tools
	out, err := tools.Build(ctx, b, stderr)
	if err != nil {
		return err
	}
	pkgPaths, err := tools.BuildPackages(ctx, b, stderr)
	if err != nil {
		return err
	}
	nix, err := tools.Path("nix")
	if err != nil {
		return err
	}
	c, err := closure.Query(ctx, nix, tools.Environ(), append([]string{out}, pkgPaths...))
	if err != nil {
		return err
	}
	if err := c.Write(*closureOut); err != nil {
		return fmt.Errorf("--closure-out: %w", err)
	}
	if *packagesOut != "" {
		pkgs := make([]ociimage.Package, len(pkgPaths))
		for i, p := range pkgPaths {
			pkgs[i] = ociimage.Package{Attr: packages[i], Path: p}
		}
		if err := ociimage.WriteJSON(*packagesOut, pkgs); err != nil {
			return fmt.Errorf("--packages-out: %w", err)
		}
	}
	if err := renameio.WriteFile(*outPathOut, []byte(strings.TrimSpace(out)+"\n"), 0o644); err != nil {
		return fmt.Errorf("--out-path-out: %w", err)
	}
	return nil
}

// runGCRoot is the nixpy_nix_build rule's GC-root action: a link to the built path that Nix keeps as a root.
func runGCRoot(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("gcroot", "--out-path FILE --link LINK", stderr)
	outPath := fs.String("out-path", "", "the file holding the store path, from nixpy nix-build (required)")
	link := fs.String("link", "", "the link to make: a GC root while it exists, when the store holds the path (required)")
	if done, err := cli.Parse(fs, args, "out-path", "link"); done {
		return err
	}
	data, err := os.ReadFile(*outPath)
	if err != nil {
		return fmt.Errorf("--out-path: %w", err)
	}
	_, err = nixstore.Tools{}.AddRoot(context.Background(), strings.TrimSpace(string(data)), *link)
	return err
}
