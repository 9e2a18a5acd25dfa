package runcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/dockerload"
)

func runLoad(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("load", "--image DIR [--tag T]...", stderr)
	image := fs.String("image", "", "OCI image layout `DIR` from nixpy image (required)")
	var tags cli.ListFlag
	fs.Var(&tags, "tag", "tag in the Docker engine, e.g. app:dev; repeatable (default: nixpy/image:DIGEST12)")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case *image == "":
		return cli.UsageError(fs, "--image is required")
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
