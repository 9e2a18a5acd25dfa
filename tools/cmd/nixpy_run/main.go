// Command nixpy_run is the half of nixpy that rules_nixpy's run targets execute (push, load, resolve,
// ci), built for the platform `bazel run` runs them on.
package main

import (
	"os"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/cli/runcmd"
)

// version is set at link time (x_defs in BUILD.bazel, -ldflags -X elsewhere).
var version = "dev"

func main() {
	os.Exit(cli.Tool{Name: "nixpy", Version: version, Commands: runcmd.Commands()}.Run(os.Args[1:], os.Stdout, os.Stderr))
}
