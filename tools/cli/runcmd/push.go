package runcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/registry"
)

func runPush(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("push", "--image DIR --repository HOST/REPO [--tag T]... [--digest-file F] [--report-file F] [--insecure]", stderr)
	image := fs.String("image", "", "OCI image layout `DIR` from nixpy image (required)")
	repository := fs.String("repository", "", "HOST/REPO to push to (required); credentials come from the Docker config and its helpers")
	var tags cli.ListFlag
	fs.Var(&tags, "tag", "also tag the pushed manifest; repeatable")
	digestFile := fs.String("digest-file", "", "write the pushed manifest digest (sha256:...) to this file")
	reportFile := fs.String("report-file", "", "write what the push did (reference, digest, bytes and blobs uploaded) to this file as JSON")
	insecure := fs.Bool("insecure", false, "allow plain HTTP and unverified TLS")
	mountFrom := fs.String("mount-from", "", "HOST/REPO on the same registry to mount layers from instead of uploading them")
	jobs := fs.Int("jobs", 0, "blobs uploaded at once (default: go-containerregistry's 4)")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case *image == "" || *repository == "":
		return cli.UsageError(fs, "--image and --repository are required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := registry.Push(ctx, registry.Options{
		Image:      *image,
		Repository: *repository,
		Tags:       tags,
		MountFrom:  *mountFrom,
		Insecure:   *insecure,
		Progress:   stderr,
		Jobs:       *jobs,
	})
	if err != nil {
		return err
	}
	if *digestFile != "" {
		if err := renameio.WriteFile(*digestFile, []byte(res.Ref.DigestStr()+"\n"), 0o644); err != nil {
			return fmt.Errorf("--digest-file %s: %w", *digestFile, err)
		}
	}
	if *reportFile != "" {
		data, err := json.MarshalIndent(res.Report(), "", "  ")
		if err != nil {
			return err
		}
		if err := renameio.WriteFile(*reportFile, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("--report-file %s: %w", *reportFile, err)
		}
	}
	fmt.Fprintln(stdout, res.Ref)
	return nil
}
