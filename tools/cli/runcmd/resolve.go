package runcmd

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/lockfile"
	"github.com/nixpy/rules_nixpy/tools/pyindex"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

func runResolve(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("resolve", "--lock FILE [--index-url URL] [--extra-index-url URL]... [-o FILE]", stderr)
	lockFile := fs.String("lock", "", "the lock file whose hashes to resolve: requirements.txt with hashes, poetry.lock or pdm.lock (required)")
	indexURL := fs.String("index-url", "", "the package index's simple API, e.g. https://pypi.org/simple/ (default: the lock's --index-url, else PyPI)")
	pyprojectFile := fs.String("pyproject", "", "the project's pyproject.toml, whose [[tool.poetry.source]] and [[tool.pdm.source]] indexes a lock that names none is resolved through")
	var extra cli.ListFlag
	fs.Var(&extra, "extra-index-url", "another index to look in after the main one (repeatable; adds to the lock's own)")
	cacheDir := fs.String("cache-dir", pyindex.DefaultCacheDir(), "keep index pages here between runs; empty for none")
	out := fs.String("o", "", "write the artifacts file here (default: beside the lock, requirements.txt -> requirements.resolved.toml)")
	positional, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(positional) > 0:
		return cli.UsageError(fs, "unexpected argument %q", positional[0])
	case *lockFile == "":
		return cli.UsageError(fs, "--lock is required")
	}
	if *out == "" {
		*out = lockfile.ResolvedPath(*lockFile)
	}
	data, err := os.ReadFile(*lockFile)
	if err != nil {
		return err
	}
	lock, err := lockfile.Parse(*lockFile, data)
	if err != nil {
		return err
	}
	indexes := lock.Indexes
	if *indexURL != "" {
		indexes = []string{*indexURL}
	}
	if len(indexes) == 0 && *pyprojectFile != "" {
		if indexes, err = projectIndexes(*pyprojectFile); err != nil {
			return err
		}
	}
	if len(indexes) == 0 {
		indexes = []string{pyindex.PyPI}
	}
	indexes = append(slices.Clone(indexes), extra...)

	// A stalled index fails the run instead of hanging it.
	client := &pyindex.Client{HTTP: &http.Client{Timeout: time.Minute}, CacheDir: *cacheDir}
	r := &lockfile.Resolved{Version: 1, Lock: relativeTo(*out, *lockFile)}
	for _, index := range indexes {
		// The file is committed: an index's token stays out of it.
		r.Indexes = append(r.Indexes, redacted(index))
	}
	packages := 0
	for _, p := range lock.Packages {
		sums := wanted(lock, p)
		if len(sums) > 0 {
			packages++
		}
		for _, sum := range sums {
			look := indexes
			if p.Index != "" && !slices.Contains(indexes, p.Index) {
				// The lock's own index for the package (a Poetry source) comes first.
				look = append([]string{p.Index}, indexes...)
			}
			f, err := client.Find(context.Background(), look, p.Name, sum)
			if err != nil {
				return fmt.Errorf("%s: %w", where(lock, p), err)
			}
			r.Artifacts = append(r.Artifacts, lockfile.ResolvedArtifact{Name: p.Name, Version: p.Version, Filename: f.Filename, URL: f.URL, SHA256: sum})
		}
	}
	text, err := r.Encode()
	if err != nil {
		return fmt.Errorf("-o %s: %w", *out, err)
	}
	if err := renameio.WriteFile(*out, text, 0o644); err != nil {
		return fmt.Errorf("-o %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "nixpy resolve: wrote %s: %d files for %d packages, from %s\n", *out, len(r.Artifacts), packages, strings.Join(r.Indexes, ", "))
	return nil
}

// projectIndexes are the package sources pyproject.toml declares for Poetry and PDM, whose locks
// do not record them, then PyPI, which both tools also search unless told not to.
func projectIndexes(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	type source struct {
		URL string `toml:"url"`
	}
	var f struct {
		Tool struct {
			Poetry struct {
				Source []source `toml:"source"`
			} `toml:"poetry"`
			PDM struct {
				Source []source `toml:"source"`
			} `toml:"pdm"`
		} `toml:"tool"`
	}
	if err := tomlfile.Decode(path, data, &f); err != nil {
		return nil, err
	}
	var urls []string
	for _, s := range slices.Concat(f.Tool.Poetry.Source, f.Tool.PDM.Source) {
		if s.URL != "" && !slices.Contains(urls, s.URL) {
			urls = append(urls, s.URL)
		}
	}
	if len(urls) > 0 && !slices.Contains(urls, pyindex.PyPI) {
		urls = append(urls, pyindex.PyPI)
	}
	return urls, nil
}

// wanted are the hashes of p to find on the index: a requirements pin's, and those of the files of a
// Poetry or PDM package whose URL the lock does not record.
func wanted(lock *lockfile.Lock, p *lockfile.Package) []string {
	if len(p.Hashes) > 0 {
		return p.Hashes
	}
	if lock.Kind != lockfile.Poetry && lock.Kind != lockfile.PDM {
		return nil
	}
	files := slices.Clone(p.Wheels)
	if p.Sdist != nil {
		files = append(files, *p.Sdist)
	}
	var sums []string
	for _, f := range files {
		if f.SHA256 != "" && lockfile.URLGuessed(p.Name, f) {
			sums = append(sums, f.SHA256)
		}
	}
	return sums
}

// where names a package in errors: by line in a requirements file, else by name and version.
func where(lock *lockfile.Lock, p *lockfile.Package) string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: package %s %s", lock.File, p.Line, p.Name, p.Version)
	}
	return fmt.Sprintf("%s: package %s %s", lock.File, p.Name, p.Version)
}

// redacted is an index URL without its user and password or token.
func redacted(index string) string {
	u, err := url.Parse(index)
	if err != nil || u.User == nil {
		return index
	}
	u.User = nil
	return u.String()
}

// relativeTo names the lock as seen from the artifacts file's directory.
func relativeTo(out, lock string) string {
	rel, err := filepath.Rel(filepath.Dir(out), lock)
	if err != nil {
		return lock
	}
	return filepath.ToSlash(rel)
}
