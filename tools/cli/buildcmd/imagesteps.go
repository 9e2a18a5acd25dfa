package buildcmd

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layering"
	"github.com/nixpy/rules_nixpy/tools/nixstore"
	"github.com/nixpy/rules_nixpy/tools/ociimage"
)

// nixpy plan, layer and assemble are nixpy image cut into the three steps a build system runs as
// actions of their own: one plan, one layer per layer slot, one assemble. Each layer's action reads
// only its spec, so a build system caches each layer on its own and rebuilds only those whose store
// paths changed.

func runPlan(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("plan", "--closure closure.json --top-file FILE --config-out FILE --layer-out FILE... [flags]", stderr)
	f := addImageFlags(fs)
	configOut := fs.String("config-out", "", "write the image's config (values, history) to `FILE` (required)")
	var layerOuts cli.ListFlag
	fs.Var(&layerOuts, "layer-out", "write the next layer's spec to `FILE`; repeat once per layer slot, bottom first: slots the plan leaves unused get an empty spec (required)")
	explain := fs.Bool("explain", false, "print the layer plan: each layer, its paths, sizes and why it sits where it does")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case f.missing() || *configOut == "" || len(layerOuts) == 0:
		return cli.UsageError(fs, "--closure, --top (or --top-file), --config-out and --layer-out are required")
	}
	opts, err := f.options()
	if err != nil {
		return err
	}
	opts.Realise = realiser(*f.storeDir, stderr)
	p, err := ociimage.Plan(opts)
	if err != nil {
		return err
	}
	if len(p.Layers) > len(layerOuts) {
		return fmt.Errorf("the plan has %d layers, more than the %d --layer-out slots", len(p.Layers), len(layerOuts))
	}
	for i, file := range layerOuts {
		var spec ociimage.LayerSpec
		if i < len(p.Layers) {
			spec = p.Layers[i]
		}
		if err := ociimage.WriteJSON(file, spec); err != nil {
			return fmt.Errorf("--layer-out: %w", err)
		}
	}
	if err := ociimage.WriteJSON(*configOut, p.Config); err != nil {
		return fmt.Errorf("--config-out: %w", err)
	}
	if *explain {
		return explainPlan(stdout, p.Plan, p.RootLayer)
	}
	return nil
}

func runLayer(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("layer", "--spec FILE --blob FILE --descriptor FILE [--uncompressed] [--store-dir DIR]", stderr)
	specFile := fs.String("spec", "", "the layer's spec from nixpy plan (required)")
	blob := fs.String("blob", "", "write the compressed layer to `FILE` (required; empty for an unused slot)")
	descriptor := fs.String("descriptor", "", "write the layer's digest, diffID and size to `FILE` (required; null for an unused slot)")
	uncompressed := fs.Bool("uncompressed", false, "write the plain tar instead, for nixpy load: its digest is its diffID")
	storeDir := fs.String("store-dir", "", "read store paths from this directory (default: the spec's store directory)")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case *specFile == "" || *blob == "" || *descriptor == "":
		return cli.UsageError(fs, "--spec, --blob and --descriptor are required")
	}
	var spec ociimage.LayerSpec
	if err := ociimage.ReadJSON(*specFile, &spec); err != nil {
		return fmt.Errorf("--spec: %w", err)
	}
	build := ociimage.BuildLayer
	if *uncompressed {
		build = ociimage.BuildUncompressedLayer
	}
	desc, err := build(spec, *storeDir, *blob, realiser(*storeDir, stderr))
	if err != nil {
		return err
	}
	if err := ociimage.WriteJSON(*descriptor, desc); err != nil {
		return fmt.Errorf("--descriptor: %w", err)
	}
	return nil
}

// realiser realises missing store paths through the Nix daemon when the paths are read from the
// store itself; a --store-dir elsewhere (a copy, a test's fake store) is not Nix's to fill.
func realiser(storeDir string, log io.Writer) ociimage.Realise {
	if storeDir != "" {
		return nil
	}
	return func(missing []closure.Path) error {
		return nixstore.Tools{}.Realise(context.Background(), missing, log)
	}
}

func runAssemble(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("assemble", "--config FILE --descriptor FILE --blob FILE... --out DIR [flags]", stderr)
	configFile := fs.String("config", "", "the image's config from nixpy plan (required)")
	var descriptors, blobs cli.ListFlag
	fs.Var(&descriptors, "descriptor", "a layer's descriptor from nixpy layer; repeat for each slot, bottom first (required)")
	fs.Var(&blobs, "blob", "the layer's blob from nixpy layer; repeat in the order of --descriptor (required)")
	base := fs.String("base", "", "the OCI image layout the plan built on (default: an empty image)")
	out := fs.String("out", "", "write the OCI image layout to this directory (required; replaced atomically)")
	digestOut := fs.String("digest-out", "", "also write the manifest's digest to `FILE`")
	dockerArchive := fs.String("docker-archive", "", "also write a docker load tarball to `FILE`")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case *configFile == "" || len(descriptors) == 0 || *out == "":
		return cli.UsageError(fs, "--config, --descriptor, --blob and --out are required")
	case len(descriptors) != len(blobs):
		return cli.UsageError(fs, "%d --descriptor for %d --blob: give them in pairs", len(descriptors), len(blobs))
	}
	var cfg ociimage.ImageConfig
	if err := ociimage.ReadJSON(*configFile, &cfg); err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	layers, err := ociimage.ReadBuiltLayers(descriptors, blobs, false)
	if err != nil {
		return fmt.Errorf("--descriptor: %w", err)
	}
	digest, err := ociimage.Assemble(cfg, *base, layers, *out, *dockerArchive)
	if err != nil {
		return err
	}
	if *digestOut != "" {
		if err := os.WriteFile(*digestOut, []byte(digest.String()+"\n"), 0o644); err != nil {
			return fmt.Errorf("--digest-out: %w", err)
		}
	}
	fmt.Fprintf(stderr, "nixpy assemble: wrote %s: %d layers\n", *out, len(layers))
	fmt.Fprintln(stdout, digest)
	return nil
}

func runArchive(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("archive", "--layout DIR --out FILE", stderr)
	layout := fs.String("layout", "", "the OCI image layout to archive (required)")
	out := fs.String("out", "", "write the tar to `FILE` (required; replaced atomically)")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case *layout == "" || *out == "":
		return cli.UsageError(fs, "--layout and --out are required")
	}
	return ociimage.WriteOCIArchive(*layout, *out)
}

// explainPlan prints the layer plan and where the root entries went, for --explain.
func explainPlan(w io.Writer, plan *layering.Plan, rootLayer int) error {
	if err := plan.Explain(w); err != nil {
		return err
	}
	if rootLayer >= 0 {
		_, err := fmt.Fprintf(w, "root layer (layer %d): /tmp, /etc/passwd, /etc/group, /usr/bin/env and --symlink entries not into the top path, below the top so the store layers stay shared\n", rootLayer+1)
		return err
	}
	_, err := fmt.Fprintln(w, "root entries (/tmp, /etc/passwd, ...) share the top layer: --max-layers leaves no room for their own")
	return err
}
