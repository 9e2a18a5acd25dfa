// Package ruledoc generates the Markdown reference of rules_nixpy's public Starlark API from
// its docstrings, as stardoc would, without Bazel: it parses the .bzl files with buildtools.
//
// A public file's public names (no leading underscore) are documented when they are bound,
// directly or through load()s of files of this repository, to a rule(), repository_rule(),
// provider() or module_extension() call, or to a def. Other names are constants and are left
// out, as are private attributes and parameters.
package ruledoc

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// publicFiles are the .bzl files users load, in the order their docs are generated.
func publicFiles() []string {
	return []string{"rules/defs.bzl", "rules/providers.bzl", "rules/repositories.bzl", "rules/extensions.bzl", "rules/toolchains.bzl"}
}

// Generate documents the public .bzl files of the repository in fsys that exist. It returns the
// Markdown by file name, e.g. "defs.md" for rules/defs.bzl. repo is the repository's name in the
// load() lines shown to users.
func Generate(fsys fs.FS, repo string) (map[string][]byte, error) {
	l := newLoader(fsys, repo)
	out := map[string][]byte{}
	for _, p := range publicFiles() {
		if _, err := fs.Stat(fsys, p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		d, err := l.extract(p)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(path.Base(p), ".bzl")+".md"] = render(d, repo)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("none of %s exists", strings.Join(publicFiles(), ", "))
	}
	return out, nil
}

// IsGenerated reports whether a Markdown file was written by Generate, so that a check can
// tell a generated file whose .bzl file is gone from a hand-written one.
func IsGenerated(content []byte) bool {
	return strings.HasPrefix(string(content), header)
}
