package lockfile

import (
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep440"
	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

type poetryFile struct {
	Package  []poetryPackage `toml:"package"`
	Metadata struct {
		// LockVersion is absent from the locks of Poetry 1.0 and older.
		LockVersion    string `toml:"lock-version"`
		PythonVersions string `toml:"python-versions"`
		// Files, keyed by the name as the lock spells it, hold the artifacts up to lock-version
		// 1.1 (Poetry 1.0 and 1.1); Hashes, hashes without file names, are Poetry 0.12's.
		Files  map[string][]poetryFileRef `toml:"files"`
		Hashes map[string][]string        `toml:"hashes"`
	} `toml:"metadata"`
}

type poetryPackage struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	// Marker (Poetry 1.0) says where the package is needed, often not repeated on the edges
	// to it; Markers (2.1) is a string, or a table by group, that the edges repeat.
	Marker       string              `toml:"marker"`
	Markers      any                 `toml:"markers"`
	Files        []poetryFileRef     `toml:"files"` // 2.x
	Dependencies map[string]any      `toml:"dependencies"`
	Extras       map[string][]string `toml:"extras"`
	Source       *poetrySource       `toml:"source"`
}

type poetrySource struct {
	Type string `toml:"type"` // absent in Poetry 1.0, whose sources are all indexes
	// URL is an index, a git repository, an archive's URL, or a path relative to the lock's
	// directory (directory and file sources).
	URL       string `toml:"url"`
	Reference string `toml:"reference"`
	// ResolvedReference is the commit a git source is pinned to.
	ResolvedReference string `toml:"resolved_reference"`
	Subdirectory      string `toml:"subdirectory"`
}

type poetryFileRef struct {
	File string `toml:"file"`
	Hash string `toml:"hash"`
	URL  string `toml:"url"`
}

func parsePoetry(name string, data []byte) (*Lock, error) {
	var f poetryFile
	if err := tomlfile.Decode(name, data, &f); err != nil {
		return nil, err
	}
	lv := f.Metadata.LockVersion
	switch lv {
	case "", "1.1", "2.0", "2.1":
	default:
		return nil, fmt.Errorf("%s: metadata.lock-version: unsupported poetry.lock version %q (this tool reads 1.1, 2.0 and 2.1, and the older locks without lock-version)", name, lv)
	}
	hashesOnly := lv == "" && f.Metadata.Hashes != nil
	l := &Lock{File: name, Kind: Poetry, Version: lv}
	var err error
	if l.RequiresPython, err = pyproject.ParsePoetryConstraint(f.Metadata.PythonVersions); err != nil {
		return nil, fmt.Errorf("%s: metadata.python-versions: %w", name, err)
	}
	topFiles := map[string][]poetryFileRef{}
	for k, v := range f.Metadata.Files {
		topFiles[pep508.Normalize(k)] = v
	}
	neededWhere := map[string]pep508.Marker{}
	for i, pp := range f.Package {
		where := fmt.Sprintf("%s: package[%d] %q", name, i, pp.Name)
		p, err := poetryPackageOf(where, pp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if pp.Marker != "" {
			if neededWhere[p.Name], err = pep508.ParseMarker(pp.Marker); err != nil {
				return nil, fmt.Errorf("%s: marker: %w", where, err)
			}
			p.Marker = neededWhere[p.Name]
		}
		files := pp.Files
		field := "files"
		if lv == "" || lv == "1.1" {
			files, field = topFiles[p.Name], "metadata.files."+pp.Name
		}
		if len(topFiles) > 0 && p.Source == "registry" {
			// [metadata.files] lists the files of every locked version of a name under it.
			files = ofVersion(files, p.Version)
		}
		if hashesOnly && p.Unsupported == "" && p.Source == "registry" {
			p.Unsupported = "metadata.hashes: the lock records hashes but no file names (written by Poetry 0.12 or older, " +
				"without lock-version), so lock mode cannot pick a file: rewrite the lock with `poetry lock` from Poetry >= 1.1, or resolve it through an index (nixpy resolve)"
		}
		for j, fr := range files {
			h, err := parseHash(fr.Hash)
			if err != nil {
				// As for uv.lock: a malformed artifact stops lock mode only, for a needed package.
				p.Invalid = fmt.Sprintf("%s[%d] %q: hash: %v", field, j, fr.File, err)
				break
			}
			a := Artifact{Filename: fr.File, SHA256: h, URL: fr.URL}
			switch {
			case a.URL != "":
			case pp.Source == nil || pypiSource(pp.Source.Type, pp.Source.URL):
				a.URL = pypiURL(p.Name, fr.File)
			case pp.Source.Type == "url":
				a.URL = pp.Source.URL
			}
			// A file of another index keeps its name and hash without a URL, for resolution
			// through that index.
			p.addFile(a)
		}
		l.Packages = append(l.Packages, p)
	}
	foldNeededWhere(l.Packages, neededWhere)
	dropUnlocked(l.Packages)
	return l, nil
}

// poetryUnlocked are the packages Poetry before 1.4 kept out of its locks as the installer's
// own ("unsafe"): it left them to the virtual environment, so a lock may name them as
// dependencies without an entry of their own.
var poetryUnlocked = map[string]bool{"setuptools": true, "pip": true, "wheel": true, "distribute": true}

// dropUnlocked removes the edges to poetryUnlocked packages the lock has no entry for, which
// the graph walk would otherwise report as missing from the lock.
func dropUnlocked(pkgs []*Package) {
	locked := map[string]bool{}
	for _, p := range pkgs {
		locked[p.Name] = true
	}
	keep := func(deps []Dep) []Dep {
		out := deps[:0]
		for _, d := range deps {
			if locked[d.Name] || !poetryUnlocked[d.Name] {
				out = append(out, d)
			}
		}
		return out
	}
	for _, p := range pkgs {
		p.Deps = keep(p.Deps)
		for e, deps := range p.Optional {
			p.Optional[e] = keep(deps)
		}
	}
}

// ofVersion keeps the files whose names carry the version, and those whose names it cannot
// read.
func ofVersion(files []poetryFileRef, version string) []poetryFileRef {
	want, err := pep440.Parse(version)
	if err != nil {
		return files
	}
	var out []poetryFileRef
	for _, f := range files {
		if v, err := pep440.Parse(fileVersion(f.File)); err != nil || v.Compare(want) == 0 {
			out = append(out, f)
		}
	}
	return out
}

// fileVersion is the version in a wheel's or sdist's name: a wheel's second dash-separated
// part, an sdist's text after its last dash.
func fileVersion(file string) string {
	if base, ok := strings.CutSuffix(file, ".whl"); ok {
		if parts := strings.Split(base, "-"); len(parts) >= 5 {
			return parts[1]
		}
		return ""
	}
	for _, ext := range []string{".tar.gz", ".zip", ".tar.bz2", ".tgz"} {
		if base, ok := strings.CutSuffix(file, ext); ok {
			return base[strings.LastIndex(base, "-")+1:]
		}
	}
	return ""
}

// foldNeededWhere adds Poetry 1.0's package markers to the edges that lead to the package, so
// the graph walk drops them where they do not hold (ipython's edge to appnope, which only
// macOS needs, carries no marker of its own).
func foldNeededWhere(pkgs []*Package, neededWhere map[string]pep508.Marker) {
	if len(neededWhere) == 0 {
		return
	}
	fold := func(deps []Dep) {
		for i := range deps {
			if m, ok := neededWhere[deps[i].Name]; ok {
				deps[i].Marker = andMarkers(deps[i].Marker, m)
			}
		}
	}
	for _, p := range pkgs {
		fold(p.Deps)
		for _, deps := range p.Optional {
			fold(deps)
		}
	}
}

// andMarkers returns a marker that holds where both hold; nil holds everywhere.
func andMarkers(a, b pep508.Marker) pep508.Marker {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	m, err := pep508.ParseMarker("(" + a.String() + ") and (" + b.String() + ")")
	if err != nil {
		// Both parsed before, so their conjunction does: this is a bug in the marker printer.
		panic(fmt.Sprintf("marker %q and %q: %v", a.String(), b.String(), err))
	}
	return m
}

// pypiSource tells a Poetry index source that is PyPI itself, whose files are where pypiURL
// says. Poetry 1.0 wrote index sources without a type.
func pypiSource(typ, u string) bool {
	u = strings.TrimSuffix(u, "/")
	return (typ == "legacy" || typ == "") && (u == "https://pypi.org/simple" || u == "https://pypi.python.org/simple")
}

// poetrySourceOf fills in where a package of [package.source] comes from.
func poetrySourceOf(p *Package, s *poetrySource) error {
	switch {
	case s.Type == "url":
		p.Source = "url"
	case pypiSource(s.Type, s.URL):
	case s.Type == "legacy" || s.Type == "":
		p.Index = s.URL
		p.Unsupported = fmt.Sprintf("the index %s (source %q), for which poetry.lock records no file URLs, and PyPI's "+
			"would be a guess: resolve it through that index (nixpy resolve)", s.URL, s.Reference)
	case s.Type == "git":
		if !isGitCommit(s.ResolvedReference) {
			return fmt.Errorf("source.resolved_reference: %q is not a full commit hash: lock the project again", s.ResolvedReference)
		}
		p.Source = "git"
		p.Git = &GitRef{URL: strings.TrimPrefix(s.URL, "git+"), Rev: strings.ToLower(s.ResolvedReference), Subdirectory: s.Subdirectory}
	case s.Type == "directory":
		p.Source, p.Path = "directory", path.Clean(filepath.ToSlash(s.URL))
	case s.Type == "file":
		p.Source = "path"
		p.Unsupported = "a local file " + s.URL + " instead of a URL: publish it to an index or reference it by URL"
	default:
		return fmt.Errorf("source.type: %q is not one of legacy, url, git, directory or file", s.Type)
	}
	return nil
}

func poetryPackageOf(where string, pp poetryPackage) (*Package, error) {
	n, err := pep508.NormalizeValid(pp.Name)
	if err != nil {
		return nil, fmt.Errorf("name: %w", err)
	}
	v, err := normalizeVersion(pp.Version)
	if err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	p := &Package{Name: n, Version: v, Source: "registry"}
	if pp.Source != nil {
		if err := poetrySourceOf(p, pp.Source); err != nil {
			return nil, err
		}
	}
	if s, ok := pp.Markers.(string); ok {
		if p.Marker, err = pep508.ParseMarker(s); err != nil {
			return nil, fmt.Errorf("markers: %w", err)
		}
	}
	// Optional dependencies enter only through the package's extras.
	optional := map[string][]Dep{}
	names := make([]string, 0, len(pp.Dependencies))
	for k := range pp.Dependencies {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, raw := range names {
		entries, ok := pp.Dependencies[raw].([]any)
		if !ok {
			entries = []any{pp.Dependencies[raw]}
		}
		for j, e := range entries {
			d, opt, err := poetryLockDep(raw, e)
			if err != nil {
				if len(entries) > 1 {
					return nil, fmt.Errorf("dependencies.%s[%d]: %w", raw, j, err)
				}
				return nil, fmt.Errorf("dependencies.%s: %w", raw, err)
			}
			if opt {
				optional[d.Name] = append(optional[d.Name], d)
				continue
			}
			p.Deps = append(p.Deps, d)
		}
	}
	for extra, reqs := range pp.Extras {
		ne, err := pep508.NormalizeValid(extra)
		if err != nil {
			return nil, fmt.Errorf("extras: %w", err)
		}
		if p.Optional == nil {
			p.Optional = map[string][]Dep{}
		}
		p.Optional[ne] = []Dep{} // an extra that adds nothing is still one the package has
		for _, r := range reqs {
			d, err := poetryRequirement(r)
			if err != nil {
				// Only who asks for this extra needs it read right.
				if p.BadExtras == nil {
					p.BadExtras = map[string]error{}
				}
				p.BadExtras[ne] = fmt.Errorf("%s: extras.%s: %w: lock the project again with a current Poetry, or do not request the extra %q", where, extra, err, ne)
				break
			}
			ods, ok := optional[d.Name]
			if !ok {
				p.Optional[ne] = append(p.Optional[ne], d)
				continue
			}
			// The table in [package.dependencies] knows the markers and extras of the edge.
			for _, od := range ods {
				e := d
				e.Marker = andMarkers(d.Marker, od.Marker)
				e.Extras = pep508.SortedUnique(append(append([]string(nil), d.Extras...), od.Extras...))
				p.Optional[ne] = append(p.Optional[ne], e)
			}
		}
	}
	return p, nil
}

// poetryExtraRE splits Poetry's own form of an extra's entry, "name[extras] (constraint) ;
// marker", whose constraint may be a bare version ("mypy (0.780)", Poetry 1.1) or carry a "v".
var poetryExtraRE = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*(?:\s*\[[^\]]*\])?)\s*\(([^)]*)\)\s*(;.*)?$`)

// poetryRequirement reads an entry of [package.extras]: PEP 508, or Poetry's parenthesised
// form with a Poetry constraint.
func poetryRequirement(s string) (Dep, error) {
	m := poetryExtraRE.FindStringSubmatch(s)
	if m == nil {
		return depFromRequirement(s)
	}
	if _, err := pyproject.ParsePoetryConstraint(m[2]); err != nil {
		return Dep{}, fmt.Errorf("requirement %q: %w", s, err)
	}
	d, err := depFromRequirement(m[1] + " " + m[3])
	if err != nil {
		return Dep{}, fmt.Errorf("requirement %q: %w", s, err)
	}
	return d, nil
}

func poetryLockDep(raw string, v any) (Dep, bool, error) {
	n, err := pep508.NormalizeValid(raw)
	if err != nil {
		return Dep{}, false, err
	}
	d := Dep{Name: n}
	t, ok := v.(map[string]any)
	if !ok {
		if _, isStr := v.(string); !isStr {
			return Dep{}, false, fmt.Errorf("want a constraint string, a table or a list of tables")
		}
		return d, false, nil
	}
	var markers []string
	for _, key := range []string{"markers", "python", "platform"} {
		if val, ok := t[key]; ok {
			if _, isStr := val.(string); !isStr {
				return Dep{}, false, fmt.Errorf("%s: want a string", key)
			}
		}
	}
	if s, ok := t["markers"].(string); ok {
		markers = append(markers, "("+s+")")
	}
	if s, ok := t["python"].(string); ok {
		m, err := pyproject.PythonMarker(s)
		if err != nil {
			return Dep{}, false, fmt.Errorf("python: %w", err)
		}
		markers = append(markers, m)
	}
	if s, ok := t["platform"].(string); ok {
		markers = append(markers, fmt.Sprintf("sys_platform == %q", s))
	}
	if len(markers) > 0 {
		if d.Marker, err = pep508.ParseMarker(strings.Join(markers, " and ")); err != nil {
			return Dep{}, false, fmt.Errorf("markers: %w", err)
		}
	}
	if x, ok := t["extras"]; ok {
		list, ok := x.([]any)
		if !ok {
			return Dep{}, false, fmt.Errorf("extras: want a list of names")
		}
		for _, x := range list {
			s, _ := x.(string)
			ne, err := pep508.NormalizeValid(s)
			if err != nil {
				return Dep{}, false, fmt.Errorf("extras: %w", err)
			}
			d.Extras = append(d.Extras, ne)
		}
		d.Extras = pep508.SortedUnique(d.Extras)
	}
	opt, _ := t["optional"].(bool)
	return d, opt, nil
}
