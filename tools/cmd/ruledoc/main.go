// Command ruledoc writes the Markdown reference of rules_nixpy's public .bzl files (docs/defs.md
// and the like) from their docstrings; see package ruledoc. Run it from the repository root:
//
//	go run github.com/nixpy/rules_nixpy/tools/cmd/ruledoc -out docs
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/nixpy/rules_nixpy/tools/ruledoc"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ruledoc:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("ruledoc", flag.ContinueOnError)
	root := fs.String("root", ".", "the repository root, which holds rules/")
	out := fs.String("out", "", "the directory to write the Markdown files to, e.g. docs")
	repo := fs.String("repo", "rules_nixpy", "the repository name in the load() lines of the docs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: ruledoc [-root DIR] [-repo NAME] -out DIR")
	}
	docs, err := ruledoc.Generate(os.DirFS(*root), *repo)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(*out, name)
		if err := os.WriteFile(p, docs[name], 0o644); err != nil {
			return err
		}
		fmt.Println(p)
	}
	return removeStale(*out, docs)
}

// removeStale deletes the generated files whose .bzl file is gone; hand-written ones stay.
func removeStale(dir string, docs map[string][]byte) error {
	existing, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return err
	}
	for _, p := range existing {
		if _, made := docs[filepath.Base(p)]; made {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if ruledoc.IsGenerated(data) {
			if err := os.Remove(p); err != nil {
				return err
			}
			fmt.Println("removed", p)
		}
	}
	return nil
}
