// Command nixpy is the tool behind rules_nixpy's Bazel rules: it translates a Python project's
// pyproject.toml and lock file into Nix, turns a Nix closure into a layered OCI image, and pushes
// or loads that image. Each step is a subcommand so that each Bazel action runs one of them. The
// rules run two halves of it, nixpy_action and nixpy_run; this binary holds both, for users.
package main

import (
	"io"
	"maps"
	"os"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/cli/buildcmd"
	"github.com/nixpy/rules_nixpy/tools/cli/runcmd"
)

// version is set at link time (x_defs in BUILD.bazel, -ldflags -X elsewhere).
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one nixpy invocation and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmds := buildcmd.Commands()
	maps.Copy(cmds, runcmd.Commands())
	return cli.Tool{Name: "nixpy", Version: version, Commands: cmds}.Run(args, stdout, stderr)
}
