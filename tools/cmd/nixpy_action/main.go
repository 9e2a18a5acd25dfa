// Command nixpy_action is the half of nixpy that rules_nixpy's build actions run (translate,
// nix-build, plan, layer, assemble): it depends on none of the packages of push, load and ci, so an
// edit of those reruns no build action.
package main

import (
	"os"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/cli/buildcmd"
)

// version is set at link time (x_defs in BUILD.bazel, -ldflags -X elsewhere).
var version = "dev"

func main() {
	os.Exit(cli.Tool{Name: "nixpy", Version: version, Commands: buildcmd.Commands()}.Run(os.Args[1:], os.Stdout, os.Stderr))
}
