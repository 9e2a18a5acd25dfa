package buildcmd

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/provenance"
	"github.com/nixpy/rules_nixpy/tools/stamp"
)

// runProvenance writes the SLSA provenance predicate that nixpy_sign attests: a build action, so that a
// stamped build can name the commit.
func runProvenance(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("provenance", "--out FILE --builder-id URI --image LABEL --image-digest-file FILE [--pyproject F] [--lock F] [--nixpkgs-revision REV] [--commit T] [--source T] [--stamp STATUS_FILE]...", stderr)
	out := fs.String("out", "", "write the predicate (JSON) to this `FILE` (required)")
	builder := fs.String("builder-id", "", "the builder's id, a URI (required)")
	image := fs.String("image", "", "the image's name, its Bazel label (required)")
	digestFile := fs.String("image-digest-file", "", "`FILE` holding the image manifest's digest, sha256:... (required)")
	pyproject := fs.String("pyproject", "", "the project's pyproject.toml, hashed")
	lock := fs.String("lock", "", "the project's lock file, hashed")
	nixpkgs := fs.String("nixpkgs-revision", "", "the nixpkgs commit the image was built with")
	commit := fs.String("commit", "{STABLE_GIT_COMMIT}", "the source commit; {KEY} is a workspace status value, and a value still holding one (an unstamped build) is left out")
	source := fs.String("source", "", "the source repository's URL, e.g. https://github.com/acme/app; {KEY} as for --commit")
	var files cli.ListFlag
	addStampFlag(fs, &files)
	if done, err := cli.Parse(fs, args, "out", "builder-id", "image", "image-digest-file"); done {
		return err
	}
	x, err := stampExpander(files)
	if err != nil {
		return err
	}
	digest, err := os.ReadFile(*digestFile)
	if err != nil {
		return fmt.Errorf("--image-digest-file: %w", err)
	}
	opts := provenance.Options{BuilderID: *builder, Image: *image, ImageDigest: strings.TrimSpace(string(digest)), NixpkgsRevision: *nixpkgs}
	if opts.Commit, err = stampedValue(x, "--commit", *commit); err != nil {
		return err
	}
	if opts.Source, err = stampedValue(x, "--source", *source); err != nil {
		return err
	}
	for _, in := range []provenance.Input{{Role: "pyproject", Name: *pyproject, Path: *pyproject}, {Role: "lock", Name: *lock, Path: *lock}} {
		if in.Path != "" {
			opts.Inputs = append(opts.Inputs, in)
		}
	}
	p, err := provenance.New(opts)
	if err != nil {
		return err
	}
	data, err := p.JSON()
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(*out, data, 0o644); err != nil {
		return fmt.Errorf("--out %s: %w", *out, err)
	}
	return nil
}

// stampedValue expands a flag's {KEY}s; what still holds one comes from an unstamped build and is left out.
func stampedValue(x stamp.Expander, flag, text string) (string, error) {
	v, err := x.Expand(text)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", flag, text, err)
	}
	if stamp.HasKey(v) {
		return "", nil
	}
	return v, nil
}
