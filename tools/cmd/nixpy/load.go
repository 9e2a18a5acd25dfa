package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/nixpy/rules_nixpy/tools/dockerload"
)

func runLoad(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", "--image DIR [--tag T]...", stderr)
	image := fs.String("image", "", "OCI image layout `DIR` from nixpy image (required)")
	var tags listFlag
	fs.Var(&tags, "tag", "tag in the Docker engine, e.g. app:dev; repeatable (default: nixpy/image:DIGEST12)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return helpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return usageError(fs, "unexpected arguments %q", rest)
	case *image == "":
		return usageError(fs, "--image is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := dockerload.Load(ctx, dockerload.Options{Image: *image, Tags: tags})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "nixpy load: loaded %s as %v\n", *image, res.Tags)
	fmt.Fprintln(stdout, res.ID)
	return nil
}
