package translate

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/lockfile"
	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
)

// findRoot finds the lock's entry for the project (uv records the project and each workspace
// member as local packages), checks the selection against the lock's conflicts, and reads the
// versions the root's edges pin.
func (t *translation) findRoot() error {
	for _, p := range t.lock.Packages {
		if p.Name == t.proj.Name && (p.IsLocal() || p.Root) {
			t.root = p
			break
		}
	}
	selected := map[string]bool{}
	for _, e := range t.env.Extras {
		selected["extra "+e] = true
		t.conflictExtras = append(t.conflictExtras, uvConflictName("extra", t.proj.Name, e))
	}
	for _, g := range t.env.Groups {
		selected["group "+g] = true
		t.conflictExtras = append(t.conflictExtras, uvConflictName("group", t.proj.Name, g))
	}
	for _, set := range t.lock.Conflicts {
		var both []string
		for _, item := range set {
			if selected[item] {
				both = append(both, item)
			}
		}
		if len(both) > 1 {
			return fmt.Errorf("%s: conflicts: %s cannot be installed together (the lock resolved them apart): select one of %s",
				t.lock.File, strings.Join(both, " and "), strings.Join(set, ", "))
		}
	}
	if t.root == nil {
		return nil
	}
	edges := append([]lockfile.Dep(nil), t.root.Deps...)
	for _, e := range t.env.Extras {
		edges = append(edges, t.root.Optional[e]...)
	}
	for _, g := range t.env.Groups {
		edges = append(edges, t.root.Groups[g]...)
	}
	env := t.env.WithExtras(append(append([]string(nil), t.env.Extras...), t.conflictExtras...)...)
	t.pins = map[string]string{}
	ambiguous := map[string]bool{}
	for _, e := range edges {
		if e.Version == "" {
			continue
		}
		ok, err := pep508.EvalMarker(e.Marker, env)
		if err != nil {
			return fmt.Errorf("%s: package %s: dependency %s: %w", t.lock.File, t.root.Name, e.Name, err)
		}
		if !ok {
			continue
		}
		if prev, seen := t.pins[e.Name]; seen && prev != e.Version {
			ambiguous[e.Name] = true
		}
		t.pins[e.Name] = e.Version
	}
	for name := range ambiguous {
		// find reports the candidates.
		delete(t.pins, name)
	}
	return nil
}

// uvConflictName is how uv names an extra or group in the markers it writes for conflicts:
// "extra-8-nanochat-cpu" for the extra cpu of nanochat.
func uvConflictName(kind, project, name string) string {
	return fmt.Sprintf("%s-%d-%s-%s", kind, len(project), project, name)
}

// addDynamic adds the project's dependencies from the lock's entry for the project when
// pyproject.toml leaves them to the build backend.
func (t *translation) addDynamic(selected []pyproject.Dependency) ([]pyproject.Dependency, error) {
	if !t.proj.DynamicDependencies && !t.proj.DynamicOptional {
		return selected, nil
	}
	if t.root == nil {
		what := "dependencies"
		if !t.proj.DynamicDependencies {
			what = "optional-dependencies"
		}
		lock := "no lock file is given"
		if t.lock != nil {
			lock = t.lock.File + " has no entry for " + t.proj.Name
		}
		return nil, fmt.Errorf("%s: project.dynamic: %s are computed by the build backend and %s: list them in [project] or lock the project with uv, which records them",
			t.pyIn.Name, what, lock)
	}
	var edges []lockfile.Dep
	if t.proj.DynamicDependencies {
		edges = append(edges, t.root.Deps...)
	}
	if t.proj.DynamicOptional {
		for _, e := range t.env.Extras {
			edges = append(edges, t.root.Optional[e]...)
		}
	}
	for _, e := range edges {
		selected = append(selected, pyproject.Dependency{Name: e.Name, Extras: e.Extras, Marker: e.Marker})
	}
	return selected, nil
}

// ambiguous explains why several locked versions of one name fit: they come from different
// indexes or forks, and the root's edges (or extras) choose among them.
func (t *translation) ambiguous(name, from string, cands []*lockfile.Package) error {
	var vs []string
	for _, p := range cands {
		v := p.Version
		if p.Index != "" {
			v += " from " + p.Index
		}
		vs = append(vs, v)
	}
	sort.Strings(vs)
	hint := "select the extras or groups that choose one (--extras, --groups)"
	if t.root != nil {
		var picks []string
		for e, deps := range t.root.Optional {
			for _, d := range deps {
				if d.Name == name && d.Version != "" {
					picks = append(picks, fmt.Sprintf("--extras %s picks %s", e, d.Version))
				}
			}
		}
		sort.Strings(picks)
		if len(picks) > 0 {
			hint = strings.Join(picks, "; ")
		}
	}
	return fmt.Errorf("%s: package %s (needed by %s): %d locked versions fit the target (%s): %s",
		t.lock.File, name, from, len(cands), strings.Join(vs, ", "), hint)
}

// readLocal reads a local package's pyproject.toml: its build system and, for a dynamic
// version, whether one is known.
func (t *translation) readLocal(n *node) error {
	p := n.pkg
	dir := path.Join(path.Dir(t.lock.File), p.Path)
	file := path.Join(dir, "pyproject.toml")
	where := fmt.Sprintf("%s: package %s (source %s)", t.lock.File, p.Name, p.Path)
	if t.opts.ReadFile == nil {
		return fmt.Errorf("%s: a local package: its pyproject.toml %s is needed (nixpy translate reads it beside the lock; in Bazel, list it in local_packages)", where, file)
	}
	data, err := t.opts.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s: a local package: %w (in Bazel, list its files in local_packages)", where, err)
	}
	proj, err := pyproject.Parse(file, data)
	if err != nil {
		return err
	}
	if proj.Name != p.Name {
		return fmt.Errorf("%s: %s names the project %s: lock the project again", where, file, proj.Name)
	}
	rel, err := relPath(path.Dir(t.pyIn.Name), dir)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	n.local, n.srcPath = proj, rel
	return nil
}

// relPath is target relative to base, both slash-separated paths relative to one directory.
func relPath(base, target string) (string, error) {
	b := splitPath(base)
	tg := splitPath(target)
	i := 0
	for i < len(b) && i < len(tg) && b[i] == tg[i] {
		i++
	}
	for _, s := range b[i:] {
		if s == ".." {
			return "", fmt.Errorf("cannot reach %s from %s", target, base)
		}
	}
	parts := make([]string, 0, len(b)-i+len(tg)-i)
	for range b[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, tg[i:]...)
	if len(parts) == 0 {
		return ".", nil
	}
	return strings.Join(parts, "/"), nil
}

func splitPath(p string) []string {
	p = path.Clean(p)
	if p == "." {
		return nil
	}
	return strings.Split(p, "/")
}

// backendOf is the build backend lock mode uses for a source it builds (an sdist or a git
// checkout), whose pyproject.toml it does not read.
func backendOf(name string) []string {
	if b, ok := sdistBackends[name]; ok {
		return b
	}
	return defaultSdistBackend
}
