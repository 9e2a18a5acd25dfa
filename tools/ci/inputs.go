package ci

import (
	"path"
	"sort"
	"strings"
)

// Inputs is a change in Bazel's terms, what the queries start from.
type Inputs struct {
	// All is set when every image counts as changed: no base commit, or a change to what every
	// package depends on (MODULE.bazel, WORKSPACE, .bazelrc, .bazelversion, .bazelignore).
	All bool
	// Why names the file that set All, for the log.
	Why string
	// Files are the labels of changed files, where a package holds them. Some may not be targets
	// (files no rule names); the caller keeps those that are.
	Files []string
	// Bzl are the labels of changed .bzl files: the packages loading them count as changed.
	Bzl []string
	// Packages are packages whose BUILD file changed or that lost a file: all their targets count.
	Packages []string
}

// Inputs maps the changed files onto the head commit's packages.
func (c *Change) Inputs() Inputs {
	if c.All {
		return Inputs{All: true, Why: "no base commit"}
	}
	var in Inputs
	packages := map[string]bool{}
	for _, f := range c.Files {
		if global(f) {
			return Inputs{All: true, Why: f + " changed"}
		}
		pkg, ok := c.packageOf(f)
		if !ok || strings.ContainsAny(f, "\"\n") {
			continue // no package holds it, or it cannot be a label: no target depends on it
		}
		name := strings.TrimPrefix(strings.TrimPrefix(f, pkg), "/")
		base := path.Base(f)
		switch {
		case c.Deleted[f], (base == "BUILD" || base == "BUILD.bazel") && name == base:
			packages[pkg] = true
		case strings.HasSuffix(f, ".bzl"):
			in.Bzl = append(in.Bzl, label(pkg, name))
			in.Files = append(in.Files, label(pkg, name))
		default:
			in.Files = append(in.Files, label(pkg, name))
		}
	}
	for pkg := range packages {
		in.Packages = append(in.Packages, pkg)
	}
	sort.Strings(in.Files)
	sort.Strings(in.Bzl)
	sort.Strings(in.Packages)
	return in
}

// global tells whether a change to the file at the workspace root reaches every package.
func global(f string) bool {
	switch f {
	case "MODULE.bazel", "MODULE.bazel.lock", "WORKSPACE", "WORKSPACE.bazel", "WORKSPACE.bzlmod",
		".bazelversion", ".bazelignore":
		return true
	}
	return !strings.Contains(f, "/") && (f == ".bazelrc" || strings.HasSuffix(f, ".bazelrc"))
}

// packageOf is the package holding the file: its nearest directory with a BUILD file.
func (c *Change) packageOf(f string) (string, bool) {
	for d := dirOf(f); ; d = dirOf(d) {
		if c.Packages[d] {
			return d, true
		}
		if d == "" {
			return "", false
		}
	}
}

func label(pkg, name string) string {
	return "//" + pkg + ":" + name
}
