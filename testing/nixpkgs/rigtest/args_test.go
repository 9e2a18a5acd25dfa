package rigtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// argsTable is testdata/nixpkgs-args.json: nixpkgs' argument names and inputs nixpkgs rejects.
type argsTable struct {
	Functions []struct {
		Attr     string   `json:"attr"`
		Source   string   `json:"source"`
		Ellipsis bool     `json:"ellipsis"`
		Call     string   `json:"call"`
		Args     []string `json:"args"`
	} `json:"functions"`
	Rejected []struct {
		Source string `json:"source"`
		Expr   string `json:"expr"`
		Error  string `json:"error"`
	} `json:"rejected"`
}

func loadArgsTable(t *testing.T) argsTable {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(t), "testing", "nixpkgs", "testdata", "nixpkgs-args.json"))
	if err != nil {
		t.Fatal(err)
	}
	var table argsTable
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	return table
}

// withSet evaluates expr with the set's attributes in scope, from testing/nixpkgs.
func withSet(expr string) string {
	return "with import ./. { }; " + expr
}

func TestArgumentNames(t *testing.T) {
	needNix(t)
	dir := filepath.Join(root(t), "testing", "nixpkgs")
	for _, fn := range loadArgsTable(t).Functions {
		t.Run(fn.Attr, func(t *testing.T) {
			cmd := []string{"--eval", "--strict", "--json", "-E",
				withSet(fmt.Sprintf("builtins.attrNames (builtins.functionArgs %s)", fn.Attr))}
			out, stderr, err := tryIn(dir, "nix-instantiate", cmd...)
			if err != nil {
				t.Fatalf("functionArgs %s: %v\n%s", fn.Attr, err, stderr)
			}
			var have []string
			if err := json.Unmarshal([]byte(out), &have); err != nil {
				t.Fatal(err)
			}
			var missing []string
			for _, a := range fn.Args {
				if !slices.Contains(have, a) {
					missing = append(missing, a)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%s lacks arguments nixpkgs has (%s): %s", fn.Attr, fn.Source, strings.Join(missing, ", "))
			}

			// An unknown argument: an error where nixpkgs has no `...`, accepted where it has.
			call := fmt.Sprintf("builtins.seq (%s (%s // { nixpyUnknownArgument = \"x\"; })).drvPath true", fn.Attr, fn.Call)
			_, stderr, err = tryIn(dir, "nix-instantiate", "--eval", "-E", withSet(call))
			switch {
			case fn.Ellipsis && err != nil:
				t.Errorf("%s rejects an unknown argument, nixpkgs accepts it (%s):\n%s", fn.Attr, fn.Source, tail(stderr, 20))
			case !fn.Ellipsis && err == nil:
				t.Errorf("%s accepts an unknown argument, nixpkgs rejects it (%s)", fn.Attr, fn.Source)
			case !fn.Ellipsis && !strings.Contains(stderr, "called with unexpected argument 'nixpyUnknownArgument'"):
				t.Errorf("%s: unknown argument rejected with another error than nixpkgs':\n%s", fn.Attr, tail(stderr, 20))
			}
		})
	}
}

func TestRejectedLikeNixpkgs(t *testing.T) {
	needNix(t)
	dir := filepath.Join(root(t), "testing", "nixpkgs")
	for _, r := range loadArgsTable(t).Rejected {
		got := evalError(t, dir, withSet(fmt.Sprintf("builtins.seq (%s).drvPath true", r.Expr)))
		if !strings.Contains(got, r.Error) {
			t.Errorf("%s\nwant an error containing %q (as %s), got:\n%s", r.Expr, r.Error, r.Source, tail(got, 20))
		}
	}
}
