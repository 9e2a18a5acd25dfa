package lockfile

import (
	"fmt"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

type pdmFile struct {
	Metadata struct {
		LockVersion string   `toml:"lock_version"`
		Groups      []string `toml:"groups"`
		// Targets (lock_version 4.5) are the environments the lock was resolved for.
		Targets []struct {
			RequiresPython string `toml:"requires_python"`
		} `toml:"targets"`
		// Files, keyed "name version", hold the artifacts up to lock_version 4.2, always with
		// URLs; later versions list them in each package.
		Files map[string][]poetryFileRef `toml:"files"`
	} `toml:"metadata"`
	Package []pdmPackage `toml:"package"`
}

type pdmPackage struct {
	Name         string          `toml:"name"`
	Version      string          `toml:"version"`
	Extras       []string        `toml:"extras"`
	Dependencies []string        `toml:"dependencies"`
	Marker       string          `toml:"marker"`
	Files        []poetryFileRef `toml:"files"`
	Git          string          `toml:"git"`
	Path         string          `toml:"path"`
	URL          string          `toml:"url"`
}

func parsePDM(name string, data []byte) (*Lock, error) {
	var f pdmFile
	if err := tomlfile.Decode(name, data, &f); err != nil {
		return nil, err
	}
	lv := f.Metadata.LockVersion
	if lv != "4" && !strings.HasPrefix(lv, "4.") {
		return nil, fmt.Errorf("%s: metadata.lock_version: unsupported pdm.lock version %q (this tool reads 4.x)", name, lv)
	}
	l := &Lock{File: name, Kind: PDM, Version: lv}
	for i, target := range f.Metadata.Targets {
		spec, err := requiresPython(target.RequiresPython)
		if err != nil {
			return nil, fmt.Errorf("%s: metadata.targets[%d].requires_python: %w", name, i, err)
		}
		if spec == nil {
			// A target without a bound admits every interpreter.
			l.RequiresPython = nil
			break
		}
		l.RequiresPython = append(l.RequiresPython, spec...)
	}
	oldFiles, err := pdmMetadataFiles(name, f.Metadata.Files)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Package{}
	// PDM writes a package with extras as a second entry, "name[extra]", whose dependencies
	// are the package itself plus what the extras add; they are folded into the first.
	var extraEntries []pdmPackage
	for i, pp := range f.Package {
		if len(pp.Extras) > 0 {
			extraEntries = append(extraEntries, pp)
			continue
		}
		p, err := pdmPackageOf(pp)
		if err != nil {
			return nil, fmt.Errorf("%s: package[%d] %q: %w", name, i, pp.Name, err)
		}
		for _, a := range oldFiles[p.Name+" "+p.Version] {
			p.addFile(a)
		}
		byName[p.Name] = p
		l.Packages = append(l.Packages, p)
	}
	for _, pp := range extraEntries {
		n := pep508.Normalize(pp.Name)
		base, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("%s: package %q with extras %v: no entry for the package itself", name, pp.Name, pp.Extras)
		}
		var deps []Dep
		for _, r := range pp.Dependencies {
			d, err := depFromRequirement(r)
			if err != nil {
				return nil, fmt.Errorf("%s: package %q extras %v: dependencies: %w", name, pp.Name, pp.Extras, err)
			}
			if d.Name != n {
				deps = append(deps, d)
			}
		}
		if base.Optional == nil {
			base.Optional = map[string][]Dep{}
		}
		for _, e := range pp.Extras {
			ne, err := pep508.NormalizeValid(e)
			if err != nil {
				return nil, fmt.Errorf("%s: package %q: extras: %w", name, pp.Name, err)
			}
			base.Optional[ne] = append(base.Optional[ne], deps...)
		}
	}
	return l, nil
}

func pdmPackageOf(pp pdmPackage) (*Package, error) {
	n, err := pep508.NormalizeValid(pp.Name)
	if err != nil {
		return nil, fmt.Errorf("name: %w", err)
	}
	v, err := normalizeVersion(pp.Version)
	if err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	p := &Package{Name: n, Version: v, Source: "registry"}
	switch {
	case pp.Git != "":
		p.Source, p.Unsupported = "git", "a git source; lock mode fetches index artifacts only"
	case pp.Path != "":
		p.Source, p.Unsupported = "directory", "a local path source; lock mode fetches index artifacts only"
	case pp.URL != "":
		p.Source = "url"
	}
	if p.Marker, err = pep508.ParseMarker(pp.Marker); err != nil {
		return nil, fmt.Errorf("marker: %w", err)
	}
	for _, r := range pp.Dependencies {
		d, err := depFromRequirement(r)
		if err != nil {
			return nil, fmt.Errorf("dependencies: %w", err)
		}
		p.Deps = append(p.Deps, d)
	}
	for i, fr := range pp.Files {
		h, err := parseHash(fr.Hash)
		if err != nil {
			return nil, fmt.Errorf("files[%d]: %w", i, err)
		}
		a := Artifact{URL: fr.URL, Filename: fr.File, SHA256: h}
		switch {
		case a.URL != "" && a.Filename == "":
			a.Filename = filenameOf(a.URL)
		case a.URL == "" && pp.URL != "":
			a.URL = pp.URL
		case a.URL == "" && a.Filename != "":
			a.URL = pypiURL(n, fr.File)
		case a.URL == "":
			return nil, fmt.Errorf("files[%d]: neither url nor file: lock the project again", i)
		}
		p.addFile(a)
	}
	return p, nil
}

// pdmMetadataFiles reads the [metadata.files] table of lock_version 4.0 to 4.2 into artifacts
// by "name version", both normalised.
func pdmMetadataFiles(name string, files map[string][]poetryFileRef) (map[string][]Artifact, error) {
	out := map[string][]Artifact{}
	for key, refs := range files {
		pkg, ver, ok := strings.Cut(key, " ")
		n, err := pep508.NormalizeValid(pkg)
		if !ok || err != nil {
			return nil, fmt.Errorf("%s: metadata.files.%q: want the key \"name version\"", name, key)
		}
		v, err := normalizeVersion(strings.TrimSpace(ver))
		if err != nil {
			return nil, fmt.Errorf("%s: metadata.files.%q: version: %w", name, key, err)
		}
		for i, fr := range refs {
			h, err := parseHash(fr.Hash)
			if err != nil {
				return nil, fmt.Errorf("%s: metadata.files.%q[%d]: %w", name, key, i, err)
			}
			a := Artifact{URL: fr.URL, Filename: fr.File, SHA256: h}
			switch {
			case a.URL != "" && a.Filename == "":
				a.Filename = filenameOf(a.URL)
			case a.URL == "" && a.Filename != "":
				a.URL = pypiURL(n, a.Filename)
			case a.URL == "":
				return nil, fmt.Errorf("%s: metadata.files.%q[%d]: neither url nor file: lock the project again", name, key, i)
			}
			out[n+" "+v] = append(out[n+" "+v], a)
		}
	}
	return out, nil
}
