package lockfile

import (
	"fmt"
	"path"
	"path/filepath"
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
	Revision     string          `toml:"revision"` // the commit a git package is pinned to
	Subdirectory string          `toml:"subdirectory"`
	Path         string          `toml:"path"` // relative to the project's directory
	URL          string          `toml:"url"`
	Editable     bool            `toml:"editable"`
}

// pdmProjectRoot starts the URLs older PDM wrote for paths inside the project.
const pdmProjectRoot = "file:///${PROJECT_ROOT}/"

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
		if old, ok := oldFiles[p.Name+" "+p.Version]; ok {
			for _, a := range old.artifacts {
				p.addFile(a)
			}
			if p.Invalid == "" {
				p.Invalid = old.invalid
			}
		}
		byName[p.Name] = p
		l.Packages = append(l.Packages, p)
	}
	for _, pp := range extraEntries {
		n := pep508.Normalize(pp.Name)
		base, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("%s: package %q with extras %s: no entry for the package itself: lock the project again", name, pp.Name, strings.Join(pp.Extras, ", "))
		}
		var deps []Dep
		var bad error
		for _, r := range pp.Dependencies {
			d, err := depFromRequirement(r)
			if err != nil {
				bad = fmt.Errorf("%s: package %q with extras %s: dependencies: %w: lock the project again, or do not request these extras", name, pp.Name, strings.Join(pp.Extras, ", "), err)
				break
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
			if bad != nil {
				// Only who asks for the extra needs its entry read right.
				if base.BadExtras == nil {
					base.BadExtras = map[string]error{}
				}
				base.BadExtras[ne] = bad
			}
		}
	}
	return l, nil
}

// isArchive tells a path to a wheel or sdist from one to a source tree.
func isArchive(p string) bool {
	for _, ext := range []string{".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
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
	local := pp.Path
	if strings.HasPrefix(pp.URL, pdmProjectRoot) {
		local = strings.TrimPrefix(pp.URL, pdmProjectRoot)
	}
	switch {
	case pp.Git != "":
		if !isGitCommit(pp.Revision) {
			return nil, fmt.Errorf("revision: %q is not a full commit hash of %s: lock the project again", pp.Revision, pp.Git)
		}
		p.Source = "git"
		p.Git = &GitRef{URL: strings.TrimPrefix(pp.Git, "git+"), Rev: strings.ToLower(pp.Revision), Subdirectory: pp.Subdirectory}
	case local != "" && isArchive(local):
		p.Source = "path"
		p.Unsupported = "a local file " + local + " instead of a URL: publish it to an index or reference it by URL"
	case local != "":
		p.Source, p.Path = "directory", path.Clean(filepath.ToSlash(local))
		if pp.Editable {
			p.Source = "editable"
		}
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
	pkgURL := ""
	if p.Source == "url" {
		pkgURL = pp.URL
	}
	for i, fr := range pp.Files {
		a, err := pdmArtifact(n, fr, pkgURL)
		if err != nil {
			// As for uv.lock: a malformed artifact stops lock mode only, for a needed package.
			p.Invalid = fmt.Sprintf("files[%d]: %v", i, err)
			break
		}
		p.addFile(a)
	}
	return p, nil
}

// pdmFiles are the artifacts [metadata.files] records for one package version; invalid says
// what is wrong with them, which, as for uv.lock, stops lock mode only, for a needed package.
type pdmFiles struct {
	artifacts []Artifact
	invalid   string
}

// pdmMetadataFiles reads the [metadata.files] table of lock_version 4.0 to 4.2 by
// "name version", both normalised.
func pdmMetadataFiles(name string, files map[string][]poetryFileRef) (map[string]pdmFiles, error) {
	out := map[string]pdmFiles{}
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
		var pf pdmFiles
		for i, fr := range refs {
			a, err := pdmArtifact(n, fr, "")
			if err != nil {
				pf.invalid = fmt.Sprintf("metadata.files.%q[%d]: %v", key, i, err)
				break
			}
			pf.artifacts = append(pf.artifacts, a)
		}
		out[n+" "+v] = pf
	}
	return out, nil
}

// pdmArtifact reads one file entry: a URL (static URLs, lock_version 4.0 to 4.2), else the
// package's own URL, else a file name PyPI serves.
func pdmArtifact(project string, fr poetryFileRef, pkgURL string) (Artifact, error) {
	h, err := parseHash(fr.Hash)
	if err != nil {
		return Artifact{}, err
	}
	// lock_version 4.0 and 4.1 kept the index link's "#sha256=..." fragment, which no
	// download needs and a store path name may not hold.
	u, _, _ := strings.Cut(fr.URL, "#")
	a := Artifact{URL: u, Filename: fr.File, SHA256: h}
	switch {
	case a.URL != "" && a.Filename == "":
		a.Filename = filenameOf(a.URL)
	case a.URL == "" && pkgURL != "":
		a.URL = pkgURL
	case a.URL == "" && a.Filename != "":
		a.URL = pypiURL(project, a.Filename)
	case a.URL == "":
		return Artifact{}, fmt.Errorf("neither url nor file: lock the project again")
	}
	return a, nil
}
