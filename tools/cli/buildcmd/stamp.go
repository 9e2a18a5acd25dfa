package buildcmd

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/stamp"
)

// addStampFlag defines --stamp, the workspace status files of a stamped build, for nixpy stamp, plan and image.
func addStampFlag(fs *flag.FlagSet, files *cli.ListFlag) {
	fs.Var(files, "stamp", "replace {KEY} by KEY's value in this workspace status `FILE` (Bazel's --stamp; repeatable); "+
		"with it a {KEY} no file gives a value is an error, without it the text stays as written")
}

// stampExpander is the expander of a build stamped with the status files (any), or of an unstamped one.
func stampExpander(files []string) (stamp.Expander, error) {
	vars, err := stamp.ReadStatus(files...)
	if err != nil {
		return stamp.Expander{}, fmt.Errorf("--stamp: %w", err)
	}
	return stamp.Expander{Vars: vars, Stamped: len(files) > 0}, nil
}

// runStamp is the action behind nixpy_push's remote tags in a stamped build: the template's {KEY}s replaced
// by the workspace status, line by line, so an error names the line.
func runStamp(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("stamp", "--in TEMPLATE --out FILE --stamp STATUS_FILE... [--name WHAT]", stderr)
	in := fs.String("in", "", "the template `FILE` (required)")
	out := fs.String("out", "", "write the stamped text to this `FILE` (required)")
	name := fs.String("name", "", "what the template's lines are, named in errors, e.g. the attribute they come from (default: the --in file)")
	var files cli.ListFlag
	addStampFlag(fs, &files)
	if done, err := cli.Parse(fs, args, "in", "out"); done {
		return err
	}
	x, err := stampExpander(files)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*in)
	if err != nil {
		return fmt.Errorf("--in: %w", err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	for i, line := range lines {
		if lines[i], err = x.Expand(line); err != nil {
			if *name != "" {
				return fmt.Errorf("%s %q: %w", *name, strings.TrimSuffix(line, "\n"), err)
			}
			return fmt.Errorf("%s:%d: %w", *in, i+1, err)
		}
	}
	if err := renameio.WriteFile(*out, []byte(strings.Join(lines, "")), 0o644); err != nil {
		return fmt.Errorf("--out %s: %w", *out, err)
	}
	return nil
}
