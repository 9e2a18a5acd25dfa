// Command nixpy is the tool behind rules_nixpy's Bazel rules: it translates a Python project's
// pyproject.toml and lock file into Nix, turns a Nix closure into a layered OCI image, and pushes
// or loads that image. Each step is a subcommand so that each Bazel action runs one of them.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// version is set at link time (x_defs in BUILD.bazel, -ldflags -X elsewhere).
var version = "dev"

// command is one subcommand: run gets the arguments after the subcommand's name.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// errUsage marks an error whose message already told the user how to call the command.
var errUsage = errors.New("usage error")

func commands() map[string]command {
	return map[string]command{
		"version":   {"print the nixpy version", runVersion},
		"help":      {"list the subcommands, or show one's flags: nixpy help SUBCOMMAND", runHelp},
		"translate": {"translate pyproject.toml and its lock file into a Nix expression", runTranslate},
		"resolve":   {"find the files of a lock's hashes on a package index and write them beside the lock", runResolve},
		"closure":   {"write closure.json: store paths with narHash, narSize, references", runClosure},
		"image":     {"build a layered OCI image layout from closure.json", runImage},
		"plan":      {"nixpy image's first step: write the layer specs and the image config", runPlan},
		"layer":     {"nixpy image's second step: build one layer from its spec", runLayer},
		"assemble":  {"nixpy image's last step: write the image layout from the built layers", runAssemble},
		"push":      {"push an image layout to a registry, only the blobs it lacks", runPush},
		"load":      {"load an image layout into the local Docker engine", runLoad},
		"ci":        {"build and push the images changed between two commits, with the commit as tag", runCI},
		"stamp":     {"replace {KEY} in a file by Bazel's workspace status values (nixpy_push's remote tags)", runStamp},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one nixpy invocation and returns the process exit code:
// 0 on success, 2 on a usage error, 1 on any other failure.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nixpy: unknown subcommand %q\n\n", args[0])
		printUsage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "nixpy %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: nixpy SUBCOMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "subcommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for name := range cmds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, cmds[name].summary)
	}
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	if len(args) != 0 {
		fmt.Fprintln(stderr, "usage: nixpy version")
		return errUsage
	}
	fmt.Fprintf(stdout, "nixpy %s\n", version)
	return nil
}

func runHelp(args []string, stdout, stderr io.Writer) error {
	switch len(args) {
	case 0:
		printUsage(stdout)
		return nil
	case 1:
		cmd, ok := commands()[args[0]]
		if !ok {
			return fmt.Errorf("unknown subcommand %q", args[0])
		}
		if args[0] == "help" || args[0] == "version" {
			fmt.Fprintf(stdout, "nixpy %s: %s\n", args[0], cmd.summary)
			return nil
		}
		// Every other subcommand prints its flags for -h through the flag package.
		return cmd.run([]string{"-h"}, stdout, stdout)
	default:
		fmt.Fprintln(stderr, "usage: nixpy help [SUBCOMMAND]")
		return errUsage
	}
}
