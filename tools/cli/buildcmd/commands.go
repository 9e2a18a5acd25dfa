// Package buildcmd holds nixpy's subcommands that Bazel's build actions run: translation, the Nix
// build and the image's plan, layers and assembly. It leaves out what only `bazel run` needs (push,
// load, ci, resolve, in runcmd), so an edit there changes no build action's tool.
package buildcmd

import "github.com/nixpy/rules_nixpy/tools/cli"

// Commands are the build actions' subcommands.
func Commands() map[string]cli.Command {
	return map[string]cli.Command{
		"translate":  {Summary: "translate pyproject.toml and its lock file into a Nix expression", Run: runTranslate},
		"nix-build":  {Summary: "build a Nix file's attribute against a nixpkgs and write its closure (the nixpy_nix_build rule's action)", Run: runNixBuild},
		"gcroot":     {Summary: "link a built store path as a GC root (the nixpy_nix_build rule's per-machine action)", Run: runGCRoot},
		"closure":    {Summary: "write closure.json: store paths with narHash, narSize, references", Run: runClosure},
		"image":      {Summary: "build a layered OCI image layout from closure.json", Run: runImage},
		"base-links": {Summary: "nixpy image's step before the plan, once per base image: write the base's symlinks, through which the plan places its entries", Run: runBaseLinks},
		"plan":       {Summary: "nixpy image's first step: write the layer specs and the image config", Run: runPlan},
		"layer":      {Summary: "nixpy image's second step: build one layer from its spec", Run: runLayer},
		"assemble":   {Summary: "nixpy image's last step: write the image layout from the built layers", Run: runAssemble},
		"stamp":      {Summary: "replace {KEY} in a file by Bazel's workspace status values (nixpy_push's remote tags)", Run: runStamp},
		"archive":    {Summary: "write an image layout as one OCI archive tar file", Run: runArchive},
		"sbom":       {Summary: "write an image's CycloneDX SBOM: its store paths, the locked Python distributions and their licenses", Run: runSBOM},
		"provenance": {Summary: "write the SLSA provenance predicate of an image (nixpy_sign attests it with cosign)", Run: runProvenance},
		"explain":    {Summary: "describe an image's layers (digests, sizes, store paths, why, what other images share) as JSON and Markdown", Run: runExplain},
	}
}
