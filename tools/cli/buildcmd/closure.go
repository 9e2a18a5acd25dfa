package buildcmd

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/closure"
)

func runClosure(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("closure", "STOREPATH... -o closure.json", stderr)
	out := fs.String("o", "", "write the closure here (required)")
	nix := fs.String("nix", "nix", "the nix binary to run nix path-info --json -r with")
	fromJSON := fs.String("from-json", "", "read nix path-info --json -r output from `FILE` instead of running nix")
	paths, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	if *out == "" {
		return cli.UsageError(fs, "-o is required")
	}
	var c *closure.Closure
	if *fromJSON != "" {
		data, err := os.ReadFile(*fromJSON)
		if err != nil {
			return fmt.Errorf("--from-json: %w", err)
		}
		if c, err = closure.ParsePathInfo(data); err != nil {
			return fmt.Errorf("--from-json %s: %w", *fromJSON, err)
		}
		if len(paths) > 0 {
			if c, err = c.Of(paths); err != nil {
				return fmt.Errorf("--from-json %s: %w", *fromJSON, err)
			}
		}
	} else {
		if len(paths) == 0 {
			return cli.UsageError(fs, "give at least one STOREPATH")
		}
		if c, err = closure.Query(context.Background(), *nix, nil, paths); err != nil {
			return err
		}
	}
	if err := c.Write(*out); err != nil {
		return fmt.Errorf("-o %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "nixpy closure: %d store paths in %s\n", len(c.Paths), *out)
	return nil
}
