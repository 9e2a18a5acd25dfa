package lockfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/wheeltags"
)

// parseRequirements reads a pip requirements file of pins with hashes, as written by
// `pip-compile --generate-hashes` or `uv pip compile --generate-hashes`. A pin "name==V"
// records hashes but no file names: Package.Hashes keeps them for `nixpy resolve` and
// Package.Unsupported says so until they are resolved. A direct reference,
// "name @ URL --hash=sha256:...", names its file. The "# via" annotations of pip-compile and
// uv give the dependency graph.
func parseRequirements(name string, data []byte) (*Lock, error) {
	l := &Lock{File: name, Kind: Requirements, Flat: true}
	var main string
	var extra []string
	// neededBy[i] are the names the annotations of Packages[i] say need it.
	var neededBy [][]string
	inVia := false
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := lines[i]
		// A trailing backslash continues the logical line.
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + " " + lines[i]
		}
		line, comment := splitComment(line)
		if strings.TrimSpace(line) == "" {
			// The names of a multi-line "# via" are indented comments below it.
			if !strings.HasPrefix(lines[i], " ") && !strings.HasPrefix(lines[i], "\t") || comment == "" {
				inVia = false
				continue
			}
			last := len(neededBy) - 1
			switch names, ok := via(comment); {
			case last < 0:
			case ok:
				neededBy[last] = append(neededBy[last], names...)
				inVia = len(names) == 0
			case inVia:
				neededBy[last] = append(neededBy[last], comment)
			}
			continue
		}
		inVia = false
		fields := strings.Fields(line)
		if strings.HasPrefix(fields[0], "-") {
			opt, value, hasValue := strings.Cut(fields[0], "=")
			switch opt {
			case "-i", "--index-url", "--extra-index-url":
				if !hasValue && len(fields) > 1 {
					value, hasValue = fields[1], true
				}
				if !hasValue {
					return nil, fmt.Errorf("%s:%d: option %s: want a URL", name, lineNo, opt)
				}
				if opt == "--extra-index-url" {
					extra = append(extra, value)
				} else {
					main = value
				}
				continue
			case "-f", "--find-links", "--trusted-host",
				"--no-binary", "--only-binary", "--prefer-binary", "--require-hashes", "--pre":
				continue
			}
			return nil, fmt.Errorf("%s:%d: option %s is not supported in a lock (only pins with --hash)", name, lineNo, fields[0])
		}
		var reqParts, hashes []string
		for j := 0; j < len(fields); j++ {
			f := fields[j]
			switch {
			case strings.HasPrefix(f, "--hash="):
				hashes = append(hashes, strings.TrimPrefix(f, "--hash="))
			case f == "--hash" && j+1 < len(fields):
				j++
				hashes = append(hashes, fields[j])
			case strings.HasPrefix(f, "--"):
				return nil, fmt.Errorf("%s:%d: option %s is not supported on a requirement line", name, lineNo, f)
			default:
				reqParts = append(reqParts, f)
			}
		}
		p, err := requirementPackage(strings.Join(reqParts, " "), hashes)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		p.Line = lineNo
		if p.Unsupported != "" {
			p.Unsupported = fmt.Sprintf("line %d: %s", p.Line, p.Unsupported)
		}
		l.Packages = append(l.Packages, p)
		// pip-compile's --annotation-style=line puts "# via a, b" on the requirement's line.
		names, _ := via(comment)
		neededBy = append(neededBy, names)
	}
	switch {
	case main != "":
		l.Indexes = append([]string{main}, extra...)
	case len(extra) > 0:
		// pip adds extra indexes to PyPI.
		l.Indexes = append([]string{"https://pypi.org/simple/"}, extra...)
	}
	addViaEdges(l.Packages, neededBy)
	return l, nil
}

// via reads an annotation comment "via a, b" (or a bare "via" that the next comment lines
// continue), returning the names in it and whether it is one.
func via(comment string) ([]string, bool) {
	rest, ok := strings.CutPrefix(comment, "via")
	if !ok || rest != "" && rest[0] != ' ' {
		return nil, false
	}
	var names []string
	for _, n := range strings.Split(rest, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names, true
}

// addViaEdges turns the annotations into edges: "x  # via y" makes x a dependency of y. Names
// that are no locked package are the roots: "-r requirements.in", "app (pyproject.toml)".
func addViaEdges(pkgs []*Package, neededBy [][]string) {
	byName := map[string][]*Package{}
	for _, p := range pkgs {
		byName[p.Name] = append(byName[p.Name], p)
	}
	for i, names := range neededBy {
		for _, n := range names {
			if strings.HasPrefix(n, "-") || strings.Contains(n, " (") {
				continue
			}
			// An extra may be named with its package ("requests[socks]"); the edge is to the package.
			n, _, _ = strings.Cut(n, "[")
			for _, parent := range byName[pep508.Normalize(n)] {
				if !slices.ContainsFunc(parent.Deps, func(d Dep) bool { return d.Name == pkgs[i].Name }) {
					parent.Deps = append(parent.Deps, Dep{Name: pkgs[i].Name})
				}
			}
		}
	}
}

// splitComment cuts a "#" comment that starts a line or follows a blank and returns the line
// before it and the comment's text; a "#" inside a URL (a fragment) stays.
func splitComment(line string) (string, string) {
	i := strings.Index(line, "#")
	for i > 0 && line[i-1] != ' ' && line[i-1] != '\t' {
		j := strings.Index(line[i+1:], "#")
		if j < 0 {
			return line, ""
		}
		i += 1 + j
	}
	if i < 0 {
		return line, ""
	}
	return line[:i], strings.TrimSpace(line[i+1:])
}

func requirementPackage(req string, hashes []string) (*Package, error) {
	r, err := pep508.ParseRequirement(req)
	if err != nil {
		return nil, err
	}
	p := &Package{Name: r.Name, Source: "registry", Marker: r.Marker}
	var sums []string
	for _, h := range hashes {
		s, err := parseHash(h)
		if err != nil {
			return nil, fmt.Errorf("%s: --hash: %w", r.Name, err)
		}
		sums = append(sums, s)
	}
	if r.URL != "" {
		p.Source = "url"
		a := Artifact{URL: r.URL, Filename: filenameOf(r.URL)}
		if i := strings.Index(r.URL, "#sha256="); i >= 0 {
			if a.SHA256, err = parseHash("sha256:" + r.URL[i+len("#sha256="):]); err != nil {
				return nil, fmt.Errorf("%s: url fragment: %w", r.Name, err)
			}
			a.URL = r.URL[:i]
		}
		switch {
		case a.SHA256 != "":
		case len(sums) == 1:
			a.SHA256 = sums[0]
		case len(sums) > 1:
			return nil, fmt.Errorf("%s: --hash: a direct URL needs exactly one hash, got %d", r.Name, len(sums))
		}
		p.addFile(a)
		// A direct reference states no version; its file name does.
		if p.Version, err = versionFromFilename(a.Filename); err != nil {
			return nil, fmt.Errorf("%s: url: %w", r.Name, err)
		}
		return p, nil
	}
	if len(r.Specifier) != 1 || r.Specifier[0].Op != "==" || r.Specifier[0].Wildcard {
		return nil, fmt.Errorf("%s: want a pin name==version or a direct reference name @ URL, got %q", r.Name, req)
	}
	p.Version = r.Specifier[0].Version.String()
	if len(sums) == 0 {
		p.Unsupported = "pinned without --hash: every artifact needs a hash"
		return p, nil
	}
	p.Hashes = sums
	p.Unsupported = fmt.Sprintf("%s==%s is pinned by version and hashes only, naming no file", r.Name, p.Version)
	return p, nil
}

// versionFromFilename reads the version in a wheel or sdist file name.
func versionFromFilename(file string) (string, error) {
	var v string
	if strings.HasSuffix(file, ".whl") {
		f, err := wheeltags.ParseFilename(file)
		if err != nil {
			return "", err
		}
		v = f.Version
	} else {
		base := file
		for _, ext := range []string{".tar.gz", ".zip", ".tar.bz2", ".tgz"} {
			base = strings.TrimSuffix(base, ext)
		}
		i := strings.LastIndex(base, "-")
		if i < 0 {
			return "", fmt.Errorf("file name %q: want name-version.tar.gz", file)
		}
		v = base[i+1:]
	}
	nv, err := normalizeVersion(v)
	if err != nil {
		return "", fmt.Errorf("file name %q: %w", file, err)
	}
	return nv, nil
}
