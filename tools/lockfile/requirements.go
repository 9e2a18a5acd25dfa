package lockfile

import (
	"fmt"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/wheeltags"
)

// parseRequirements reads a pip requirements file of pins with hashes, as written by
// `pip-compile --generate-hashes` or `uv pip compile --generate-hashes`. A pin "name==V"
// records hashes but no file names, so lock mode can only fetch it when the line is a direct
// reference, "name @ URL --hash=sha256:...": Package.Unsupported says so for the others.
func parseRequirements(name string, data []byte) (*Lock, error) {
	l := &Lock{File: name, Kind: Requirements, Flat: true}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := lines[i]
		// A trailing backslash continues the logical line.
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + " " + lines[i]
		}
		line = stripComment(line)
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Fields(line)
		if strings.HasPrefix(fields[0], "-") {
			switch opt, _, _ := strings.Cut(fields[0], "="); opt {
			case "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
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
		l.Packages = append(l.Packages, p)
	}
	return l, nil
}

// stripComment drops a "#" comment that starts a line or follows a blank; a "#" inside a
// URL (a fragment) stays.
func stripComment(line string) string {
	if strings.HasPrefix(strings.TrimSpace(line), "#") {
		return ""
	}
	if i := strings.Index(line, " #"); i >= 0 {
		return line[:i]
	}
	if i := strings.Index(line, "\t#"); i >= 0 {
		return line[:i]
	}
	return line
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
	p.Unsupported = "pinned by version and hashes only (" + fmt.Sprint(len(sums)) + " hashes, no file names); write it as \"" + r.Name + " @ URL --hash=sha256:...\" for lock mode"
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
