package lockfile

import (
	"fmt"

	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

type uvFile struct {
	Version        int         `toml:"version"`
	RequiresPython string      `toml:"requires-python"`
	Revision       int         `toml:"revision"`
	Package        []uvPackage `toml:"package"`
}

type uvPackage struct {
	Name                 string             `toml:"name"`
	Version              string             `toml:"version"`
	Source               map[string]string  `toml:"source"`
	ResolutionMarkers    []string           `toml:"resolution-markers"`
	Dependencies         []uvDep            `toml:"dependencies"`
	OptionalDependencies map[string][]uvDep `toml:"optional-dependencies"`
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
	return l, nil
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
	switch {
	case up.Source["registry"] != "":
		p.Source = "registry"
	case up.Source["editable"] != "" || up.Source["virtual"] != "":
		p.Source = "editable"
		if up.Source["virtual"] != "" {
			p.Source = "virtual"
		}
		p.Root = up.Source["editable"] == "." || up.Source["virtual"] == "."
		if !p.Root {
			p.Unsupported = "a workspace member or local editable package (source " + fmt.Sprint(up.Source) + ")"
		}
	case up.Source["git"] != "":
		p.Source = "git"
		p.Unsupported = "a git source; lock mode fetches index artifacts only"
	case up.Source["url"] != "":
		p.Source = "url"
	case up.Source["path"] != "" || up.Source["directory"] != "":
		p.Source = "directory"
		p.Unsupported = "a local path source; lock mode fetches index artifacts only"
	default:
		return nil, fmt.Errorf("source: missing or unknown (%v)", up.Source)
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
	// A file with a local path instead of a URL (a find-links directory) cannot be fetched;
	// that matters only if lock mode needs the package.
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
	if up.Sdist != nil {
		a, err := uvArtifact(*up.Sdist)
		if err != nil {
			return nil, fmt.Errorf("sdist: %w", err)
		}
		p.Sdist = &a
	}
	for i, w := range up.Wheels {
		a, err := uvArtifact(w)
		if err != nil {
			return nil, fmt.Errorf("wheels[%d]: %w", i, err)
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
