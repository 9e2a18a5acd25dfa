package runcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/dockerload"
	"github.com/nixpy/rules_nixpy/tools/ociimage"
)

func runLoad(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("load", "--image DIR | --config FILE --descriptor FILE --blob FILE... [--base DIR] [--tag T]...", stderr)
	image := fs.String("image", "", "OCI image layout `DIR` from nixpy image")
	configFile := fs.String("config", "", "instead of --image: the image's config from nixpy plan, with the layers of nixpy layer --uncompressed")
	var descriptors, blobs, tags cli.ListFlag
	fs.Var(&descriptors, "descriptor", "with --config: a layer's descriptor from nixpy layer --uncompressed; repeat for each slot, bottom first")
	fs.Var(&blobs, "blob", "with --config: the layer's tar from nixpy layer --uncompressed; repeat in the order of --descriptor")
	base := fs.String("base", "", "with --config: the OCI image layout the plan built on (default: an empty image)")
	fs.Var(&tags, "tag", "tag in the Docker engine, e.g. app:dev; repeatable (default: nixpy/image:ID12, of the image ID)")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case *image == "" && *configFile == "":
		return cli.UsageError(fs, "--image, or --config with the layers, is required")
	case *image != "" && *configFile != "":
		return cli.UsageError(fs, "give --image or --config, not both")
	case *image != "" && (len(descriptors) > 0 || len(blobs) > 0 || *base != ""):
		return cli.UsageError(fs, "--descriptor, --blob and --base go with --config, not --image")
	case len(descriptors) != len(blobs):
		return cli.UsageError(fs, "%d --descriptor for %d --blob: give them in pairs", len(descriptors), len(blobs))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var res *dockerload.Result
	source := *image
	if *image != "" {
		res, err = dockerload.LoadLayout(ctx, *image, tags)
	} else {
		source = *configFile
		var img v1.Image
		if img, err = uncompressedImage(*configFile, descriptors, blobs, *base); err != nil {
			return err
		}
		res, err = dockerload.Load(ctx, img, tags)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "nixpy load: loaded %s as %v: sent %d of %d layers, %d bytes\n", source, res.Tags, res.LayersSent, res.Layers, res.Bytes)
	fmt.Fprintln(stdout, res.ID)
	return nil
}

// uncompressedImage is the image nixpy assemble makes of the plan, built in memory from the plain
// layer tars: the same config, so the same image ID, with nothing compressed.
func uncompressedImage(configFile string, descriptors, blobs []string, base string) (v1.Image, error) {
	var cfg ociimage.ImageConfig
	if err := ociimage.ReadJSON(configFile, &cfg); err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	layers, err := ociimage.ReadBuiltLayers(descriptors, blobs, true)
	if err != nil {
		return nil, fmt.Errorf("--descriptor: %w", err)
	}
	return ociimage.Image(cfg, base, layers)
}
