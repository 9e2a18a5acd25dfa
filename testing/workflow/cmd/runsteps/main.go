// Command runsteps prints the steps of one job of a GitHub Actions workflow, with every ${{ }} expression
// replaced, as JSON: workflow.RunSteps for a test outside this module. testing/workflow is a Go module of its
// own so that actionlint, which parses the workflows, stays out of rules_nixpy's go.mod (and so out of every
// user's go_deps); the end-to-end tests in the main module run this command instead of importing the package:
//
//	go run ./cmd/runsteps WORKFLOW_FILE JOB < expressions.json > steps.json
//
// expressions.json is a JSON object mapping each expression's text (e.g. "github.sha") to its value; the
// output is a JSON array of workflow.Step. Errors go to stderr with exit status 1, usage errors with 2.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/nixpy/rules_nixpy/testing/workflow"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: runsteps WORKFLOW_FILE JOB < expressions.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "runsteps:", err)
		os.Exit(1)
	}
}

func run(file, job string, stdin io.Reader, stdout io.Writer) error {
	var expr map[string]string
	if err := json.NewDecoder(stdin).Decode(&expr); err != nil {
		return fmt.Errorf("reading the expressions (a JSON object of strings) from stdin: %w", err)
	}
	steps, err := workflow.RunSteps(file, job, expr)
	if err != nil {
		return err
	}
	if steps == nil {
		steps = []workflow.Step{}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(steps)
}
