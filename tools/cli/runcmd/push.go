package runcmd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/registry"
	"github.com/nixpy/rules_nixpy/tools/stamp"
)

func runPush(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("push", "--image DIR --repository HOST/REPO [--tag T]... [--tags-file F] [--digest-file F] [--report-file F] [--sbom F] [--insecure]", stderr)
	image := fs.String("image", "", "OCI image layout `DIR` from nixpy image (required)")
	repository := fs.String("repository", "", "HOST/REPO to push to (required); credentials come from the Docker config and its helpers")
	var tags cli.ListFlag
	fs.Var(&tags, "tag", "also tag the pushed manifest; repeatable")
	tagsFile := fs.String("tags-file", "", "also tag with each line of `FILE` (nixpy_push's remote_tags); a tag that still holds a {KEY}, left by a build without --stamp, is skipped with a note")
	digestFile := fs.String("digest-file", "", "write the pushed manifest digest (sha256:...) to this file")
	reportFile := fs.String("report-file", "", "write what the push did (reference, digest, bytes and blobs uploaded) to this file as JSON")
	sbom := fs.String("sbom", "", "push this CycloneDX JSON `FILE` as an OCI 1.1 referrer of the image (Referrers API, or the sha256-HEX referrers tag where the registry lacks it)")
	insecure := fs.Bool("insecure", false, "allow plain HTTP and unverified TLS")
	mountFrom := fs.String("mount-from", "", "HOST/REPO on the same registry to mount layers from instead of uploading them")
	jobs := fs.Int("jobs", 0, "blobs uploaded at once (default: go-containerregistry's 4)")
	if done, err := cli.Parse(fs, args, "image", "repository"); done {
		return err
	}
	if *tagsFile != "" {
		fileTags, err := readTagsFile(*tagsFile, stderr)
		if err != nil {
			return fmt.Errorf("--tags-file: %w", err)
		}
		tags = append(fileTags, tags...)
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
		SBOM:       *sbom,
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

// readTagsFile reads tags one a line, skipping empty lines. A tag that still holds a {KEY} comes from a build
// without --stamp, which keeps the text (package stamp's rule): no value can stand for it, so it is skipped
// with a note rather than pushed as written or failing the push.
func readTagsFile(path string, stderr io.Writer) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var tags []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		switch t := strings.TrimSpace(sc.Text()); {
		case t == "":
		case stamp.HasKey(t):
			fmt.Fprintf(stderr, "nixpy_push: not stamped, skipping tag %s (build with --stamp)\n", t)
		default:
			tags = append(tags, t)
		}
	}
	return tags, sc.Err()
}
