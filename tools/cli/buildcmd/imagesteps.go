package buildcmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layering"
	"github.com/nixpy/rules_nixpy/tools/layerreport"
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
	explainJSON := fs.String("explain-json", "", "write the layer plan as JSON to `FILE`, without the layers' digests: nixpy explain adds them from the assembled image")
	baseLinks := fs.String("base-links", "", "the --base image's symlinks, a `FILE` from nixpy base-links (default: read the base's layers)")
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
	if *baseLinks != "" {
		var links baseLinksFile
		if err := ociimage.ReadJSON(*baseLinks, &links); err != nil {
			return fmt.Errorf("--base-links: %w", err)
		}
		opts.BaseLinks = links.Links
		if opts.BaseLinks == nil {
			opts.BaseLinks = map[string]string{}
		}
	}
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
	if *explainJSON != "" {
		if err := writeReport(*explainJSON, layerreport.FromPlan(p.Plan, p.RootLayer)); err != nil {
			return fmt.Errorf("--explain-json: %w", err)
		}
	}
	if *explain {
		return explainPlan(stdout, p.Plan, p.RootLayer)
	}
	return nil
}

// baseLinksFile is what nixpy base-links writes: the base image's symlinks by path, for nixpy plan.
type baseLinksFile struct {
	Links map[string]string `json:"links"`
}

// runBaseLinks reads a base image's layers once for the symlinks its filesystem ends with, so that the plan,
// which runs on every source edit, places its entries on the base without reading them again.
func runBaseLinks(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("base-links", "--base DIR --out FILE [--system SYSTEM]", stderr)
	base := fs.String("base", "", "the OCI image layout `DIR` the image builds on (required)")
	system := fs.String("system", "", "the Nix system of the image, which picks the base's platform (default: this machine's)")
	out := fs.String("out", "", "write the base's symlinks as JSON to `FILE` (required)")
	if done, err := cli.Parse(fs, args, "base", "out"); done {
		return err
	}
	links, err := ociimage.BaseSymlinks(*base, *system)
	if err != nil {
		return err
	}
	if err := ociimage.WriteJSON(*out, baseLinksFile{Links: links}); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// runExplain completes nixpy plan's --explain-json with the assembled image's digests, the base image's
// layers and the layers other images share, as JSON and as Markdown.
func runExplain(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("explain", "--plan FILE --layout DIR [--json-out FILE] [--markdown-out FILE] [flags]", stderr)
	planFile := fs.String("plan", "", "the layer plan `FILE` from nixpy plan --explain-json (required)")
	layoutDir := fs.String("layout", "", "the assembled image's OCI layout `DIR` (required)")
	name := fs.String("name", "", "the image's name in the report, e.g. its Bazel label (default: --layout)")
	var others cli.ListFlag
	fs.Var(&others, "other", "NAME=DIR: mark the layers the image shares with the image in OCI layout DIR; repeatable")
	jsonOut := fs.String("json-out", "", "write the report as JSON to `FILE` (default: stdout, unless --markdown-out)")
	mdOut := fs.String("markdown-out", "", "write the report as Markdown, a table per layer, to `FILE`")
	if done, err := cli.Parse(fs, args, "plan", "layout"); done {
		return err
	}
	data, err := os.ReadFile(*planFile)
	if err != nil {
		return fmt.Errorf("--plan: %w", err)
	}
	report, err := layerreport.ReadJSON(*planFile, data)
	if err != nil {
		return fmt.Errorf("--plan: %w", err)
	}
	if *name == "" {
		*name = *layoutDir
	}
	if err := completeReport(report, *name, *layoutDir); err != nil {
		return err
	}
	for _, o := range others {
		otherName, dir, ok := strings.Cut(o, "=")
		if !ok {
			return fmt.Errorf("--other %q: want NAME=DIR", o)
		}
		digests, err := layerDigests(dir)
		if err != nil {
			return fmt.Errorf("--other %s: %w", otherName, err)
		}
		report.MarkShared(otherName, digests)
	}
	if *mdOut != "" {
		if err := writeFile(*mdOut, report.WriteMarkdown); err != nil {
			return fmt.Errorf("--markdown-out: %w", err)
		}
	}
	switch {
	case *jsonOut != "":
		if err := writeReport(*jsonOut, report); err != nil {
			return fmt.Errorf("--json-out: %w", err)
		}
	case *mdOut == "":
		return report.WriteJSON(stdout)
	}
	return nil
}

// completeReport adds the digests of the image in the OCI layout dir to the report of its plan.
func completeReport(report *layerreport.Report, name, dir string) error {
	img, err := ociimage.ReadLayout(dir)
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if err := report.Complete(name, digest, m); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}

// layerDigests lists the layers of the image in the OCI layout dir.
func layerDigests(dir string) ([]v1.Hash, error) {
	img, err := ociimage.ReadLayout(dir)
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	digests := make([]v1.Hash, len(m.Layers))
	for i, d := range m.Layers {
		digests[i] = d.Digest
	}
	return digests, nil
}

func writeReport(file string, r *layerreport.Report) error {
	return writeFile(file, r.WriteJSON)
}

// writeFile writes what write gives to file, atomically.
func writeFile(file string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return renameio.WriteFile(file, buf.Bytes(), 0o644)
}

func runLayer(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("layer", "--spec FILE --blob FILE --descriptor FILE [--uncompressed] [--store-dir DIR]", stderr)
	specFile := fs.String("spec", "", "the layer's spec from nixpy plan (required)")
	blob := fs.String("blob", "", "write the compressed layer to `FILE` (required; empty for an unused slot)")
	descriptor := fs.String("descriptor", "", "write the layer's digest, diffID and size to `FILE` (required; null for an unused slot)")
	uncompressed := fs.Bool("uncompressed", false, "write the plain tar instead, for nixpy load: its digest is its diffID")
	storeDir := fs.String("store-dir", "", "read store paths from this directory (default: the spec's store directory)")
	if done, err := cli.Parse(fs, args, "spec", "blob", "descriptor"); done {
		return err
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
	if done, err := cli.Parse(fs, args, "layout", "out"); done {
		return err
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
