package gazelle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/nixpy/rules_nixpy/tools/lockfile"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

// uvWorkspace is a uv workspace: a directory whose pyproject.toml has [tool.uv.workspace] and
// whose uv.lock locks every member. Its members' targets use that lock and the local packages
// they depend on.
type uvWorkspace struct {
	rel string // the root's directory, relative to the repository root
	// members maps a local package's directory (relative to the repository root) to it.
	members map[string]*member
}

type member struct {
	name string
	// needs are the directories of the local packages it depends on, directly or not, sorted.
	needs []string
	// needed is set when another local package depends on it: it then gets a filegroup of
	// its files for the dependants' local_packages.
	needed bool
}

// lockLabel is the workspace's uv.lock, through the root's filegroup that makes it visible to
// the members' packages.
func (w *uvWorkspace) lockLabel() string { return "//" + w.rel + ":" + lockTarget }

// lockTarget names the filegroup of a workspace's uv.lock.
const lockTarget = "uv_lock"

// packageLabel is the filegroup of a local package's files.
func packageLabel(dir string) string { return "//" + dir + ":" + packageTarget }

// packageTarget names the filegroup of a local package's files.
const packageTarget = "package"

// readWorkspace returns the uv workspace rooted at dir (rel from the repository root), or nil
// when dir is not the root of one.
func readWorkspace(dir, rel string) (*uvWorkspace, error) {
	pyName := path.Join(rel, pyprojectFile)
	data, err := os.ReadFile(filepath.Join(dir, pyprojectFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var probe struct {
		Tool struct {
			UV struct {
				Workspace *struct{} `toml:"workspace"`
			} `toml:"uv"`
		} `toml:"tool"`
	}
	if err := tomlfile.Decode(pyName, data, &probe); err != nil || probe.Tool.UV.Workspace == nil {
		// A pyproject.toml that does not parse is reported when its directory is generated.
		return nil, nil
	}
	lockName := path.Join(rel, "uv.lock")
	data, err = os.ReadFile(filepath.Join(dir, "uv.lock"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: a uv workspace without uv.lock: run uv lock", pyName)
	} else if err != nil {
		return nil, err
	}
	lock, err := lockfile.Parse(lockName, data)
	if err != nil {
		return nil, err
	}
	w := &uvWorkspace{rel: rel, members: map[string]*member{}}
	byName := map[string]string{}
	for _, p := range lock.Packages {
		if p.IsLocal() {
			d := path.Join(rel, p.Path)
			w.members[d] = &member{name: p.Name}
			byName[p.Name] = d
		}
	}
	direct := map[string][]string{}
	for _, p := range lock.Packages {
		if !p.IsLocal() {
			continue
		}
		d := path.Join(rel, p.Path)
		edges := append([]lockfile.Dep(nil), p.Deps...)
		for _, deps := range p.Optional {
			edges = append(edges, deps...)
		}
		for _, e := range edges {
			if dep, ok := byName[e.Name]; ok && dep != d {
				direct[d] = append(direct[d], dep)
			}
		}
	}
	for d, m := range w.members {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(from string) {
			for _, dep := range direct[from] {
				if !seen[dep] && dep != d {
					seen[dep] = true
					w.members[dep].needed = true
					walk(dep)
				}
			}
		}
		walk(d)
		for dep := range seen {
			m.needs = append(m.needs, dep)
		}
		sort.Strings(m.needs)
	}
	return w, nil
}
