package buildcmd

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
	"github.com/nixpy/rules_nixpy/tools/translate"
)

func runTranslate(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("translate", "--pyproject FILE [--lock FILE] --mode nixpkgs|lock -o OUT.nix", stderr)
	pyprojectFile := fs.String("pyproject", "", "the project's pyproject.toml (required)")
	lockFile := fs.String("lock", "", "the lock file: uv.lock, poetry.lock, pdm.lock, pylock.toml or requirements.txt with hashes (required in lock mode)")
	mode := fs.String("mode", "", "nixpkgs: dependencies from nixpkgs, constraints checked when Nix evaluates; lock: every package pinned to the lock's artifacts (required)")
	extras := fs.String("extras", "", "comma-separated extras of the project to install")
	groups := fs.String("groups", "", "comma-separated dependency groups to install (default none: dev groups are off unless named)")
	python := fs.String("python", "", "the CPython version markers, wheels and the interpreter (nixpkgs' pythonXY) are chosen for, X.Y or X.Y.Z (default: --python-version-file, else the newest CPython nixpkgs ships that requires-python allows)")
	pythonVersionFile := fs.String("python-version-file", "", "the project's .python-version (uv's convention): its version is used when --python is not given")
	system := fs.String("system", translate.DefaultSystem, "the Nix system: x86_64-linux, aarch64-linux, x86_64-darwin or aarch64-darwin")
	libc := fs.String("libc", translate.DefaultLibc, "on linux, the libc wheels must run on: glibc-2.Y (manylinux) or musl-1.Y (musllinux)")
	projectVersion := fs.String("project-version", "", "the project's version where pyproject.toml leaves it dynamic and version control computes it (setuptools-scm, hatch-vcs, pdm-backend's scm source): a Nix build has no .git")
	artifacts := fs.String("artifacts", "", "the file `nixpy resolve` wrote for the lock: file names and URLs of hashes the lock pins without them")
	var rewrites cli.ListFlag
	fs.Var(&rewrites, "url-rewrite", "fetch artifact URLs that start with FROM from TO instead, given as `FROM=TO` (repeatable; the longest FROM wins)")
	out := fs.String("o", "", "write the Nix expression here (required)")
	distsOut := fs.String("distributions-out", "", "also write the locked distributions (name, version, artifact URL and hash, the lock's edges) as JSON to this file, for nixpy sbom")
	nameOut := fs.String("project-name-out", "", "also write the project's PEP 503 name to this file (rules use it as a repository's default tail)")
	positional, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(positional) > 0:
		return cli.UsageError(fs, "unexpected argument %q", positional[0])
	case *pyprojectFile == "":
		return cli.UsageError(fs, "--pyproject is required")
	case *mode == "":
		return cli.UsageError(fs, "--mode is required")
	case *out == "":
		return cli.UsageError(fs, "-o is required")
	}
	opts := translate.Options{Mode: *mode, Extras: splitList(*extras), Groups: splitList(*groups), Python: *python, System: *system, Libc: *libc,
		ProjectVersion: *projectVersion, ReadFile: os.ReadFile}
	for _, r := range rewrites {
		from, to, ok := strings.Cut(r, "=")
		if !ok || from == "" || to == "" {
			return cli.UsageError(fs, "--url-rewrite %q: want FROM=TO", r)
		}
		opts.URLRewrites = append(opts.URLRewrites, translate.Rewrite{From: from, To: to})
	}
	py, err := readInput(*pyprojectFile)
	if err != nil {
		return err
	}
	if *pythonVersionFile != "" {
		in, err := readInput(*pythonVersionFile)
		if err != nil {
			return fmt.Errorf("--python-version-file: %w", err)
		}
		opts.PythonVersionFile = &in
	}
	var lock *translate.Input
	if *lockFile != "" {
		in, err := readInput(*lockFile)
		if err != nil {
			return err
		}
		lock = &in
	}
	if *artifacts != "" {
		in, err := readInput(*artifacts)
		if err != nil {
			return err
		}
		opts.Artifacts = &in
	}
	// One translation allocates about 35 bytes per input byte and the process then exits, so
	// collecting less often saves about a fifth of its CPU time; the soft limit still bounds
	// the heap of a huge lock.
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(256 << 20)
	result, err := translate.Run(py, lock, opts)
	if err != nil {
		return err
	}
	// renameio writes aside and renames a finished file into place: no partial output.
	if err := renameio.WriteFile(*out, result.Nix, 0o644); err != nil {
		return fmt.Errorf("-o %s: %w", *out, err)
	}
	if *distsOut != "" {
		if err := result.Distributions.Write(*distsOut); err != nil {
			return fmt.Errorf("--distributions-out %s: %w", *distsOut, err)
		}
	}
	if *nameOut != "" {
		// Translate has accepted the file, so it parses.
		project, err := pyproject.Parse(py.Name, py.Data)
		if err != nil {
			return err
		}
		if err := renameio.WriteFile(*nameOut, []byte(project.Name+"\n"), 0o644); err != nil {
			return fmt.Errorf("--project-name-out %s: %w", *nameOut, err)
		}
	}
	return nil
}

// readInput reads a file, naming it in errors and in the output's header by the path given.
func readInput(path string) (translate.Input, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return translate.Input{}, err
	}
	return translate.Input{Name: path, Data: data}, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
