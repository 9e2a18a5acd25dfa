// Package lockfile reads Python lock files into one model: uv.lock (version 1), poetry.lock
// (lock-version 1.1, 2.0, 2.1, and Poetry 0.12 and 1.0's without one), pdm.lock (lock_version 4.x), pylock.toml (PEP 751, lock-version
// 1.x) and requirements.txt with --hash pins. The kind is found from the content, so a lock
// file may have any name.
package lockfile

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep440"
	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

// Kind names a lock file format.
type Kind string

// The lock file formats this package reads.
const (
	UV           Kind = "uv.lock"
	Poetry       Kind = "poetry.lock"
	PDM          Kind = "pdm.lock"
	PyLock       Kind = "pylock.toml"
	Requirements Kind = "requirements.txt"
)

// Lock is a parsed lock file.
type Lock struct {
	File    string // the name used in errors
	Kind    Kind
	Version string // the format's own version field
	// Packages are sorted by name, then version.
	Packages []*Package
	// Flat is set when the lock lists what to install but not who needs what
	// (requirements.txt, pylock.toml): every package whose Marker holds is installed.
	Flat bool
	// RequiresPython is the interpreter range the lock was resolved for, as alternatives
	// (Poetry's "||"); nil when the lock does not say.
	RequiresPython []pep440.Specifier
	// DefaultGroups are the dependency groups a pylock.toml installs unless told otherwise
	// (PDM marks its packages with "'default' in dependency_groups").
	DefaultGroups []string
	// Conflicts are sets of extras (and groups) of the project that cannot be selected
	// together (uv's conflicts); each entry is "extra NAME" or "group NAME".
	Conflicts [][]string
}

// Package is one locked distribution.
type Package struct {
	Name    string // PEP 503 normalised
	Version string // normalised; may be empty for a project with a dynamic version
	// Source is "registry" for an index, or editable, virtual, directory, git, url.
	Source string
	// Index is the package index a registry package comes from, when the lock says.
	Index string
	// Root marks the project itself (uv's editable or virtual "." package).
	Root bool
	// Path is where a local package's source tree lies (a workspace member, an editable or
	// path dependency), relative to the lock file's directory, with slashes; "." is the
	// lock's own directory.
	Path string
	// Git pins a package built from a git repository.
	Git    *GitRef
	Sdist  *Artifact
	Wheels []Artifact
	Deps   []Dep
	// Optional maps an extra of this package to what it adds.
	Optional map[string][]Dep
	// Groups maps a dependency group of a local package to its locked edges (uv records
	// them for the project and workspace members).
	Groups map[string][]Dep
	// Marker, when set, says in which environments the package is installed at all.
	Marker pep508.Marker
	// ResolutionMarkers tells apart several locked versions of one name (uv's forks).
	ResolutionMarkers []pep508.Marker
	// Unsupported, when set, says why lock mode cannot fetch this package (a git source,
	// a custom index without file URLs); the error is raised only if the package is needed.
	Unsupported string
	// Invalid, when set, says what is wrong with the lock's record of the package's artifacts
	// (a malformed hash); like Unsupported, it matters only to lock mode, and only if the
	// package is needed.
	Invalid string
	// BadExtras holds, for an extra whose entries the lock spells in a way this tool cannot
	// read, the error naming file, package and field; it is raised only if the extra is
	// requested, as a lock's extras are mostly ones nobody asks for.
	BadExtras map[string]error
}

// GitRef is a commit of a git repository.
type GitRef struct {
	URL string // without the commit, query or fragment
	Rev string // the full commit hash
	// Subdirectory is where the package lies in the repository, if not at the top.
	Subdirectory string
}

// IsLocal reports whether the package is built from a source tree beside the lock.
func (p *Package) IsLocal() bool { return p.Path != "" }

// Artifact is one downloadable file of a package.
type Artifact struct {
	URL      string
	Filename string
	// SHA256 is lower-case hex; empty when the lock gives none.
	SHA256 string
	Size   int64
}

// Dep is an edge of the dependency graph.
type Dep struct {
	Name    string
	Version string // set when the lock pins which of several versions is meant
	Extras  []string
	Marker  pep508.Marker
}

// Parse reads a lock file; name is used in errors and, for requirements files, to tell them
// from malformed TOML.
func Parse(name string, data []byte) (*Lock, error) {
	// The probe reads only the keys that tell the formats apart; its fields take any value, so
	// an error from it is malformed TOML, which may still be a requirements file.
	var probe struct {
		Version     any `toml:"version"`
		LockVersion any `toml:"lock-version"`
		Metadata    struct {
			LockVersion      any `toml:"lock-version"`
			LockVersionUnder any `toml:"lock_version"`
			// Poetry wrote no lock-version before 1.1, but always a content-hash.
			ContentHash any `toml:"content-hash"`
		} `toml:"metadata"`
	}
	if err := tomlfile.Decode(name, data, &probe); err != nil {
		if looksLikeRequirements(name, data) {
			return parseRequirements(name, data)
		}
		return nil, err
	}
	var l *Lock
	var err error
	switch {
	case probe.LockVersion != nil:
		l, err = parsePyLock(name, data)
	case probe.Version != nil:
		l, err = parseUV(name, data)
	case probe.Metadata.LockVersion != nil || probe.Metadata.ContentHash != nil:
		l, err = parsePoetry(name, data)
	case probe.Metadata.LockVersionUnder != nil:
		l, err = parsePDM(name, data)
	case len(bytes.TrimSpace(data)) == 0 || looksLikeRequirements(name, data):
		return parseRequirements(name, data)
	default:
		return nil, fmt.Errorf("%s: not a lock file this tool reads (uv.lock, poetry.lock, pdm.lock, pylock.toml or requirements.txt)", name)
	}
	if err != nil {
		return nil, err
	}
	sort.SliceStable(l.Packages, func(i, j int) bool {
		a, b := l.Packages[i], l.Packages[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Version < b.Version
	})
	return l, nil
}

func looksLikeRequirements(name string, data []byte) bool {
	return strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".in") || bytes.Contains(data, []byte("--hash"))
}

// isSHA256Hex reports whether s is 64 lower-case hex digits. A loop, not a regexp: a large lock
// has thousands of hashes and the regexp was a tenth of translating it.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseHash accepts "sha256:<hex>"; other algorithms are kept out because fetchurl here is
// given a sha256. An empty hash stays empty for the caller to report.
func parseHash(h string) (string, error) {
	if h == "" {
		return "", nil
	}
	algo, hex, ok := strings.Cut(h, ":")
	if !ok {
		algo, hex, ok = strings.Cut(h, "=")
	}
	if !ok || algo != "sha256" {
		return "", fmt.Errorf("hash %q: want sha256:<64 hex digits>", h)
	}
	hex = strings.ToLower(hex)
	if !isSHA256Hex(hex) {
		return "", fmt.Errorf("hash %q: want 64 hex digits", h)
	}
	return hex, nil
}

// addFile sorts a file into a package's sdist or wheels by its name.
func (p *Package) addFile(a Artifact) {
	if strings.HasSuffix(a.Filename, ".whl") {
		p.Wheels = append(p.Wheels, a)
		return
	}
	if p.Sdist == nil || sdistRank(a.Filename) < sdistRank(p.Sdist.Filename) {
		p.Sdist = &a
	}
}

// sdistRank prefers the modern .tar.gz sdist when a lock lists several (.zip, .tar.bz2).
func sdistRank(file string) int {
	if strings.HasSuffix(file, ".tar.gz") {
		return 0
	}
	return 1
}

// pypiURL is where PyPI serves a file by its name alone, for locks that record file names
// but no URLs (poetry.lock, pdm.lock): files.pythonhosted.org redirects
// /packages/{python tag or "source"}/{first letter}/{project}/{file} to the stored file.
func pypiURL(project, file string) string {
	dir := "source"
	if strings.HasSuffix(file, ".whl") {
		parts := strings.Split(strings.TrimSuffix(file, ".whl"), "-")
		if len(parts) >= 5 {
			dir = parts[len(parts)-3]
		}
	}
	return "https://files.pythonhosted.org/packages/" + dir + "/" + project[:1] + "/" + project + "/" + file
}

// filenameOf returns the last path segment of a URL, without query or fragment.
func filenameOf(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return path.Base(u)
}

func normalizeVersion(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	pv, err := pep440.Parse(v)
	if err != nil {
		return "", err
	}
	return pv.String(), nil
}

func depFromRequirement(s string) (Dep, error) {
	r, err := pep508.ParseRequirement(s)
	if err != nil {
		return Dep{}, err
	}
	return Dep{Name: r.Name, Extras: r.Extras, Marker: r.Marker}, nil
}

func requiresPython(s string) ([]pep440.Specifier, error) {
	spec, err := pep440.ParseSpecifier(s)
	if err != nil || len(spec) == 0 {
		return nil, err
	}
	return []pep440.Specifier{spec}, nil
}
