package runcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/nixpy/rules_nixpy/tools/ci"
	"github.com/nixpy/rules_nixpy/tools/cli"
)

func runCI(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("ci", "--base COMMIT --head COMMIT [--bazel-arg ARG]... [--jobs N] [--summary-json FILE] [--dry-run]", stderr)
	base := fs.String("base", "", "the commit compared against, e.g. github.event.before; empty or all zeros: every image (required, may be empty)")
	head := fs.String("head", "", "the commit built and pushed, normally the checkout's (required)")
	workspace := fs.String("workspace", "", "the Bazel workspace (default: where `bazel run` was called, else the current directory)")
	bazelBin := fs.String("bazel", "bazel", "the bazel or bazelisk command")
	var bazelArgs cli.ListFlag
	fs.Var(&bazelArgs, "bazel-arg", "passed to every bazel build and cquery, e.g. --bazel-arg=--disk_cache=/var/cache/bazel; repeatable")
	summaryJSON := fs.String("summary-json", "", "also write the summary to this file as JSON")
	dryRun := fs.Bool("dry-run", false, "list the images that would be pushed; build and push nothing")
	jobs := fs.Int("jobs", ci.DefaultJobs, "push up to this many images at once (the first image of each registry goes alone, so the others mount its layers)")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case *head == "":
		return cli.UsageError(fs, "--head is required")
	case *jobs < 1:
		return cli.UsageError(fs, "--jobs %d: want at least 1", *jobs)
	}
	ws := *workspace
	if ws == "" {
		ws = os.Getenv("BUILD_WORKSPACE_DIRECTORY")
	}
	if ws == "" {
		if ws, err = os.Getwd(); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, runErr := ci.Run(ctx, ci.Options{
		Base:   *base,
		Head:   *head,
		DryRun: *dryRun,
		Jobs:   *jobs,
		Bazel:  &ci.Bazel{Binary: *bazelBin, Workspace: ws, Args: bazelArgs, Log: stderr},
	})
	if res == nil {
		return runErr
	}
	err = errors.Join(runErr, res.WriteTable(stdout))
	if *summaryJSON != "" {
		err = errors.Join(err, writeWith(*summaryJSON, os.O_TRUNC, res.WriteJSON))
	}
	if file := os.Getenv("GITHUB_STEP_SUMMARY"); file != "" {
		err = errors.Join(err, writeWith(file, os.O_APPEND, res.WriteMarkdown))
	}
	return err
}

// writeWith opens file with flag (creating it), writes it with write and closes it.
func writeWith(file string, flag int, write func(io.Writer) error) error {
	f, err := os.OpenFile(file, flag|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", file, err)
	}
	return f.Close()
}
