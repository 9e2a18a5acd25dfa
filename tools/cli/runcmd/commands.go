// Package runcmd holds nixpy's subcommands that `bazel run` targets and users run: push, load, ci, sign and
// resolve, which talk to registries, the Docker engine, Bazel and package indexes.
package runcmd

import "github.com/nixpy/rules_nixpy/tools/cli"

// Commands are the run targets' subcommands.
func Commands() map[string]cli.Command {
	return map[string]cli.Command{
		"resolve": {Summary: "find the files of a lock's hashes on a package index and write them beside the lock", Run: runResolve},
		"push":    {Summary: "push an image layout to a registry, only the blobs it lacks", Run: runPush},
		"load":    {Summary: "load an image layout into the local Docker engine", Run: runLoad},
		"ci":      {Summary: "build and push the images changed between two commits, with the commit as tag", Run: runCI},
		"sign":    {Summary: "sign a pushed image with cosign and attest its SBOM and provenance (nixpy_sign)", Run: runSign},
	}
}
