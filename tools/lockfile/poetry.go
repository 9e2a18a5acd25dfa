package lockfile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

type poetryFile struct {
	Package  []poetryPackage `toml:"package"`
	Metadata struct {
		LockVersion    string                     `toml:"lock-version"`
		PythonVersions string                     `toml:"python-versions"`
		ContentHash    string                     `toml:"content-hash"`
		Files          map[string][]poetryFileRef `toml:"files"` // lock-version 1.1
	} `toml:"metadata"`
}

type poetryPackage struct {
	Name         string              `toml:"name"`
	Version      string              `toml:"version"`
	Markers      any                 `toml:"markers"` // 2.1: a string, or a table by group
	Files        []poetryFileRef     `toml:"files"`   // 2.x
	Dependencies map[string]any      `toml:"dependencies"`
	Extras       map[string][]string `toml:"extras"`
	Source       *struct {
		Type string `toml:"type"`
		URL  string `toml:"url"`
	} `toml:"source"`
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
	case "1.1", "2.0", "2.1":
	default:
		return nil, fmt.Errorf("%s: metadata.lock-version: unsupported poetry.lock version %q (this tool reads 1.1, 2.0 and 2.1)", name, lv)
	}
	l := &Lock{File: name, Kind: Poetry, Version: lv}
	var err error
	if l.RequiresPython, err = pyproject.ParsePoetryConstraint(f.Metadata.PythonVersions); err != nil {
		return nil, fmt.Errorf("%s: metadata.python-versions: %w", name, err)
	}
	// In 1.1 the files sit under [metadata.files], keyed by the name as the lock spells it.
	files11 := map[string][]poetryFileRef{}
	for k, v := range f.Metadata.Files {
		files11[pep508.Normalize(k)] = v
	}
	for i, pp := range f.Package {
		p, err := poetryPackageOf(pp)
		if err != nil {
			return nil, fmt.Errorf("%s: package[%d] %q: %w", name, i, pp.Name, err)
		}
		files := pp.Files
		if lv == "1.1" {
			files = files11[p.Name]
		}
		for j, fr := range files {
			h, err := parseHash(fr.Hash)
			if err != nil {
				return nil, fmt.Errorf("%s: package %q: files[%d] %q: %w", name, pp.Name, j, fr.File, err)
			}
			a := Artifact{Filename: fr.File, SHA256: h, URL: fr.URL}
			switch {
			case a.URL != "":
			case pp.Source == nil:
				a.URL = pypiURL(p.Name, fr.File)
			case pp.Source.Type == "url":
				a.URL = pp.Source.URL
			}
			if a.URL != "" {
				p.addFile(a)
			}
		}
		l.Packages = append(l.Packages, p)
	}
	return l, nil
}

func poetryPackageOf(pp poetryPackage) (*Package, error) {
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
		switch pp.Source.Type {
		case "url":
			p.Source = "url"
		case "legacy":
			p.Unsupported = "from the index " + pp.Source.URL + ", for which poetry.lock records file names but no URLs"
		default:
			p.Source = pp.Source.Type
			p.Unsupported = "a " + pp.Source.Type + " source; lock mode fetches index artifacts only"
		}
	}
	if s, ok := pp.Markers.(string); ok {
		if p.Marker, err = pep508.ParseMarker(s); err != nil {
			return nil, fmt.Errorf("markers: %w", err)
		}
	}
	// Optional dependencies enter only through the package's extras.
	optional := map[string]Dep{}
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
		for _, e := range entries {
			d, opt, err := poetryLockDep(raw, e)
			if err != nil {
				return nil, fmt.Errorf("dependencies.%s: %w", raw, err)
			}
			if opt {
				optional[d.Name] = d
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
		for _, r := range reqs {
			d, err := depFromRequirement(r)
			if err != nil {
				return nil, fmt.Errorf("extras.%s: %w", extra, err)
			}
			if od, ok := optional[d.Name]; ok {
				d.Marker = od.Marker
				d.Extras = pep508.SortedUnique(append(d.Extras, od.Extras...))
			}
			p.Optional[ne] = append(p.Optional[ne], d)
		}
	}
	return p, nil
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
			return Dep{}, false, fmt.Errorf("want a constraint string or a table, got %T", v)
		}
		return d, false, nil
	}
	var markers []string
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
	if len(markers) > 0 {
		if d.Marker, err = pep508.ParseMarker(strings.Join(markers, " and ")); err != nil {
			return Dep{}, false, err
		}
	}
	if list, ok := t["extras"].([]any); ok {
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
