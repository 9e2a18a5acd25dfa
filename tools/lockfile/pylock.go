package lockfile

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

type pylockFile struct {
	LockVersion    string          `toml:"lock-version"`
	RequiresPython string          `toml:"requires-python"`
	DefaultGroups  []string        `toml:"default-groups"`
	Packages       []pylockPackage `toml:"packages"`
}

type pylockPackage struct {
	Name         string `toml:"name"`
	Version      string `toml:"version"`
	Marker       string `toml:"marker"`
	Dependencies []struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
	} `toml:"dependencies"`
	Sdist   *pylockFileRef  `toml:"sdist"`
	Wheels  []pylockFileRef `toml:"wheels"`
	Archive *pylockFileRef  `toml:"archive"`
	VCS     *struct {
		Type         string `toml:"type"`
		URL          string `toml:"url"`
		Path         string `toml:"path"`
		CommitID     string `toml:"commit-id"`
		Subdirectory string `toml:"subdirectory"`
	} `toml:"vcs"`
	Directory *struct {
		Path         string `toml:"path"`
		Subdirectory string `toml:"subdirectory"`
	} `toml:"directory"`
}

type pylockFileRef struct {
	Name   string            `toml:"name"`
	URL    string            `toml:"url"`
	Path   string            `toml:"path"`
	Size   int64             `toml:"size"`
	Hashes map[string]string `toml:"hashes"`
}

func parsePyLock(name string, data []byte) (*Lock, error) {
	var f pylockFile
	if err := tomlfile.Decode(name, data, &f); err != nil {
		return nil, err
	}
	if f.LockVersion != "1" && !strings.HasPrefix(f.LockVersion, "1.") {
		return nil, fmt.Errorf("%s: lock-version: unsupported pylock.toml version %q (this tool reads 1.x)", name, f.LockVersion)
	}
	l := &Lock{File: name, Kind: PyLock, Version: f.LockVersion, Flat: true}
	var err error
	if l.RequiresPython, err = requiresPython(f.RequiresPython); err != nil {
		return nil, fmt.Errorf("%s: requires-python: %w", name, err)
	}
	for i, g := range f.DefaultGroups {
		ng, err := pep508.NormalizeValid(g)
		if err != nil {
			return nil, fmt.Errorf("%s: default-groups[%d]: %w", name, i, err)
		}
		l.DefaultGroups = append(l.DefaultGroups, ng)
	}
	for i, pp := range f.Packages {
		p, err := pylockPackageOf(pp)
		if err != nil {
			return nil, fmt.Errorf("%s: packages[%d] %q: %w", name, i, pp.Name, err)
		}
		l.Packages = append(l.Packages, p)
	}
	return l, nil
}

func pylockPackageOf(pp pylockPackage) (*Package, error) {
	n, err := pep508.NormalizeValid(pp.Name)
	if err != nil {
		return nil, fmt.Errorf("name: %w", err)
	}
	v, err := normalizeVersion(pp.Version)
	if err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	p := &Package{Name: n, Version: v, Source: "registry"}
	if p.Marker, err = pep508.ParseMarker(pp.Marker); err != nil {
		return nil, fmt.Errorf("marker: %w", err)
	}
	for _, d := range pp.Dependencies {
		dn, err := pep508.NormalizeValid(d.Name)
		if err != nil {
			return nil, fmt.Errorf("dependencies: %w", err)
		}
		dv, err := normalizeVersion(d.Version)
		if err != nil {
			return nil, fmt.Errorf("dependencies: %s: %w", d.Name, err)
		}
		p.Deps = append(p.Deps, Dep{Name: dn, Version: dv})
	}
	switch {
	case pp.VCS != nil:
		p.Source = pp.VCS.Type
		switch {
		case pp.VCS.Type != "git":
			p.Unsupported = "a " + pp.VCS.Type + " repository; lock mode builds from git repositories only"
		case !isGitCommit(pp.VCS.CommitID):
			return nil, fmt.Errorf("vcs: commit-id: %q is not a full commit hash", pp.VCS.CommitID)
		case pp.VCS.URL == "" && pp.VCS.Path == "":
			return nil, fmt.Errorf("vcs: url: missing (and no path)")
		default:
			u := pp.VCS.URL
			if u == "" {
				u = pp.VCS.Path
			}
			p.Git = &GitRef{URL: u, Rev: strings.ToLower(pp.VCS.CommitID), Subdirectory: pp.VCS.Subdirectory}
		}
	case pp.Directory != nil:
		if pp.Directory.Path == "" {
			return nil, fmt.Errorf("directory: path: missing")
		}
		p.Source, p.Path = "directory", path.Join(filepath.ToSlash(pp.Directory.Path), filepath.ToSlash(pp.Directory.Subdirectory))
		p.Root = p.Path == "."
	case pp.Archive != nil && pp.Archive.URL == "":
		p.Source, p.Unsupported = "directory", "a local archive "+pp.Archive.Path+" instead of a URL"
	case pp.Archive != nil:
		p.Source = "url"
		a, err := pylockArtifact(*pp.Archive)
		if err != nil {
			return nil, fmt.Errorf("archive: %w", err)
		}
		p.addFile(a)
	}
	// A file with a local path instead of a URL cannot be fetched; that matters only if lock
	// mode needs the package.
	refs := append([]pylockFileRef(nil), pp.Wheels...)
	if pp.Sdist != nil {
		refs = append(refs, *pp.Sdist)
	}
	for _, r := range refs {
		if r.URL == "" {
			p.Unsupported = "a local file " + r.Path + " instead of a URL"
			return p, nil
		}
	}
	if pp.Sdist != nil {
		a, err := pylockArtifact(*pp.Sdist)
		if err != nil {
			return nil, fmt.Errorf("sdist: %w", err)
		}
		p.Sdist = &a
	}
	for i, w := range pp.Wheels {
		a, err := pylockArtifact(w)
		if err != nil {
			return nil, fmt.Errorf("wheels[%d]: %w", i, err)
		}
		p.Wheels = append(p.Wheels, a)
	}
	return p, nil
}

func pylockArtifact(r pylockFileRef) (Artifact, error) {
	if r.URL == "" {
		return Artifact{}, fmt.Errorf("no url (a local path %q cannot be fetched)", r.Path)
	}
	a := Artifact{URL: r.URL, Filename: r.Name, Size: r.Size}
	if a.Filename == "" {
		a.Filename = filenameOf(r.URL)
	}
	if h, ok := r.Hashes["sha256"]; ok {
		var err error
		if a.SHA256, err = parseHash("sha256:" + h); err != nil {
			return Artifact{}, fmt.Errorf("hashes: %w", err)
		}
	}
	return a, nil
}
