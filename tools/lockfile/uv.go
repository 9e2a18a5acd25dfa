package lockfile

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

type uvFile struct {
	Version        int         `toml:"version"`
	RequiresPython string      `toml:"requires-python"`
	Revision       int         `toml:"revision"`
	Package        []uvPackage `toml:"package"`
	// Conflicts lists sets of extras or groups that cannot be installed together.
	Conflicts [][]struct {
		Package string `toml:"package"`
		Extra   string `toml:"extra"`
		Group   string `toml:"group"`
	} `toml:"conflicts"`
}

type uvPackage struct {
	Name                 string             `toml:"name"`
	Version              string             `toml:"version"`
	Source               map[string]string  `toml:"source"`
	ResolutionMarkers    []string           `toml:"resolution-markers"`
	Dependencies         []uvDep            `toml:"dependencies"`
	OptionalDependencies map[string][]uvDep `toml:"optional-dependencies"`
	DevDependencies      map[string][]uvDep `toml:"dev-dependencies"`
	Sdist                *uvFileRef         `toml:"sdist"`
	Wheels               []uvFileRef        `toml:"wheels"`
}

type uvDep struct {
	Name    string   `toml:"name"`
	Version string   `toml:"version"`
	Extra   []string `toml:"extra"`
	Marker  string   `toml:"marker"`
}

type uvFileRef struct {
	URL  string `toml:"url"`
	Path string `toml:"path"`
	Hash string `toml:"hash"`
	Size int64  `toml:"size"`
}

func parseUV(name string, data []byte) (*Lock, error) {
	var f uvFile
	if err := tomlfile.Decode(name, data, &f); err != nil {
		return nil, err
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("%s: version: unsupported uv.lock version %d (this tool reads version 1)", name, f.Version)
	}
	l := &Lock{File: name, Kind: UV, Version: fmt.Sprintf("1 (revision %d)", f.Revision)}
	var err error
	if l.RequiresPython, err = requiresPython(f.RequiresPython); err != nil {
		return nil, fmt.Errorf("%s: requires-python: %w", name, err)
	}
	for i, up := range f.Package {
		p, err := uvPackageOf(up)
		if err != nil {
			return nil, fmt.Errorf("%s: package[%d] %q: %w", name, i, up.Name, err)
		}
		l.Packages = append(l.Packages, p)
	}
	for i, set := range f.Conflicts {
		var c []string
		for _, item := range set {
			kind, v := "extra", item.Extra
			if item.Group != "" {
				kind, v = "group", item.Group
			}
			nv, err := pep508.NormalizeValid(v)
			if err != nil {
				return nil, fmt.Errorf("%s: conflicts[%d]: %w", name, i, err)
			}
			c = append(c, kind+" "+nv)
		}
		l.Conflicts = append(l.Conflicts, c)
	}
	return l, nil
}

// uvSource fills in where a package comes from. uv writes one key: registry (an index URL),
// editable, virtual, directory or path (local, relative to the lock), git or url.
func uvSource(p *Package, src map[string]string) error {
	local := func(kind, dir string) {
		p.Source, p.Path = kind, path.Clean(filepath.ToSlash(dir))
		p.Root = p.Path == "."
	}
	switch {
	case src["registry"] != "":
		p.Source, p.Index = "registry", src["registry"]
	case src["editable"] != "":
		local("editable", src["editable"])
	case src["virtual"] != "":
		local("virtual", src["virtual"])
	case src["directory"] != "":
		local("directory", src["directory"])
	case src["path"] != "":
		// A path to an archive or wheel file rather than a source tree.
		if strings.HasSuffix(src["path"], ".whl") || strings.HasSuffix(src["path"], ".tar.gz") || strings.HasSuffix(src["path"], ".zip") {
			p.Source = "path"
			p.Unsupported = "a local file " + src["path"] + " instead of a URL: publish it to an index or reference it by URL"
			return nil
		}
		local("directory", src["path"])
	case src["git"] != "":
		ref, err := parseGitURL(src["git"])
		if err != nil {
			return fmt.Errorf("source: git: %w", err)
		}
		p.Source, p.Git = "git", ref
	case src["url"] != "":
		p.Source = "url"
	default:
		keys := make([]string, 0, len(src))
		for k := range src {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fmt.Errorf("source: missing or of an unknown kind (keys: %s; want registry, editable, virtual, directory, path, git or url)", strings.Join(keys, ", "))
	}
	return nil
}

// parseGitURL reads uv's and pip's pinned git URL form, "URL?rev=R&subdirectory=D#COMMIT"
// (a "git+" prefix allowed), or "URL@COMMIT".
func parseGitURL(s string) (*GitRef, error) {
	s = strings.TrimPrefix(s, "git+")
	rest, commit, ok := strings.Cut(s, "#")
	if !ok {
		// pip's form: the commit after the last "@" of the path.
		i := strings.LastIndex(s, "@")
		if i < 0 || i < strings.Index(s, "://")+3 || strings.Contains(s[i:], "/") {
			return nil, fmt.Errorf("%q pins no commit (want URL#COMMIT or URL@COMMIT)", s)
		}
		rest, commit = s[:i], s[i+1:]
	}
	u, err := url.Parse(rest)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	if !isGitCommit(commit) {
		return nil, fmt.Errorf("%q: commit %q is not a full hexadecimal commit hash", s, commit)
	}
	ref := &GitRef{Rev: strings.ToLower(commit), Subdirectory: u.Query().Get("subdirectory")}
	u.RawQuery, u.Fragment = "", ""
	ref.URL = u.String()
	return ref, nil
}

func isGitCommit(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range strings.ToLower(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func uvPackageOf(up uvPackage) (*Package, error) {
	n, err := pep508.NormalizeValid(up.Name)
	if err != nil {
		return nil, fmt.Errorf("name: %w", err)
	}
	v, err := normalizeVersion(up.Version)
	if err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	p := &Package{Name: n, Version: v}
	if err := uvSource(p, up.Source); err != nil {
		return nil, err
	}
	for _, m := range up.ResolutionMarkers {
		pm, err := pep508.ParseMarker(m)
		if err != nil {
			return nil, fmt.Errorf("resolution-markers: %w", err)
		}
		p.ResolutionMarkers = append(p.ResolutionMarkers, pm)
	}
	if p.Deps, err = uvDeps(up.Dependencies); err != nil {
		return nil, fmt.Errorf("dependencies: %w", err)
	}
	if p.Optional, err = uvDepTable(up.OptionalDependencies); err != nil {
		return nil, fmt.Errorf("optional-dependencies: %w", err)
	}
	if p.Groups, err = uvDepTable(up.DevDependencies); err != nil {
		return nil, fmt.Errorf("dev-dependencies: %w", err)
	}
	// A file with a local path instead of a URL (a find-links directory) cannot be fetched;
	// that matters only if lock mode needs the package.
	if p.Source == "url" && up.Sdist != nil && up.Sdist.URL == "" && up.Sdist.Path == "" {
		// A direct URL to an archive: uv records the URL as the source and only the hash here.
		up.Sdist.URL = up.Source["url"]
	}
	refs := append([]uvFileRef(nil), up.Wheels...)
	if up.Sdist != nil {
		refs = append(refs, *up.Sdist)
	}
	for _, r := range refs {
		if r.URL == "" {
			p.Unsupported = "a local file " + r.Path + " instead of a URL"
			return p, nil
		}
	}
	// A malformed artifact matters only to lock mode, and only if the package is needed:
	// nixpkgs mode reads the lock for its graph alone.
	if up.Sdist != nil {
		a, err := uvArtifact(*up.Sdist)
		if err != nil {
			p.Invalid = "sdist: " + err.Error()
			return p, nil
		}
		p.Sdist = &a
	}
	for i, w := range up.Wheels {
		a, err := uvArtifact(w)
		if err != nil {
			p.Invalid = fmt.Sprintf("wheels[%d]: %v", i, err)
			return p, nil
		}
		p.Wheels = append(p.Wheels, a)
	}
	return p, nil
}

func uvArtifact(r uvFileRef) (Artifact, error) {
	h, err := parseHash(r.Hash)
	if err != nil {
		return Artifact{}, err
	}
	return Artifact{URL: r.URL, Filename: filenameOf(r.URL), SHA256: h, Size: r.Size}, nil
}

func uvDeps(in []uvDep) ([]Dep, error) {
	var out []Dep
	for _, d := range in {
		n, err := pep508.NormalizeValid(d.Name)
		if err != nil {
			return nil, err
		}
		dep := Dep{Name: n}
		if dep.Version, err = normalizeVersion(d.Version); err != nil {
			return nil, fmt.Errorf("%s: version: %w", d.Name, err)
		}
		for _, e := range d.Extra {
			ne, err := pep508.NormalizeValid(e)
			if err != nil {
				return nil, fmt.Errorf("%s: extra: %w", d.Name, err)
			}
			dep.Extras = append(dep.Extras, ne)
		}
		dep.Extras = pep508.SortedUnique(dep.Extras)
		if dep.Marker, err = pep508.ParseMarker(d.Marker); err != nil {
			return nil, fmt.Errorf("%s: %w", d.Name, err)
		}
		out = append(out, dep)
	}
	return out, nil
}

func uvDepTable(in map[string][]uvDep) (map[string][]Dep, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string][]Dep, len(in))
	for k, deps := range in {
		nk, err := pep508.NormalizeValid(k)
		if err != nil {
			return nil, err
		}
		if out[nk], err = uvDeps(deps); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return out, nil
}
