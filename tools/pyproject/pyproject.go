// Package pyproject reads a Python project's pyproject.toml into one model, whichever tool
// wrote it: PEP 621 [project] with PEP 735 [dependency-groups], Poetry 1 ([tool.poetry]),
// Poetry 2 (PEP 621 plus [tool.poetry] groups), PDM ([tool.pdm.dev-dependencies]) and uv
// ([tool.uv] dev-dependencies and sources).
package pyproject

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep440"
	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

// Dependency is one declared dependency.
type Dependency struct {
	Name   string // PEP 503 normalised
	Extras []string
	// Constraint holds alternatives, any of which may hold (Poetry's "||"); nil means any version.
	Constraint []pep440.Specifier
	// Direct is set when the dependency names its source (a URL, path or git) instead of a
	// version; lock mode takes the artifact from the lock all the same.
	Direct bool
	Marker pep508.Marker
}

// ConstraintString renders the constraint as written in PEP 440 terms, alternatives joined by " || ".
func (d Dependency) ConstraintString() string {
	parts := make([]string, len(d.Constraint))
	for i, s := range d.Constraint {
		parts[i] = s.String()
	}
	return strings.Join(parts, " || ")
}

// Project is what the translator needs from pyproject.toml.
type Project struct {
	Name    string // PEP 503 normalised
	Version string // empty when dynamic
	// DynamicVersion, set when Version is empty, says where the build backend finds it.
	DynamicVersion *DynamicVersion
	// RequiresPython holds alternatives like Constraint; nil means any.
	RequiresPython []pep440.Specifier
	Dependencies   []Dependency
	// Optional maps an extra to its dependencies.
	Optional map[string][]Dependency
	// Groups maps a dependency group (PEP 735, Poetry group, PDM or uv dev dependencies) to its
	// dependencies, include-group already expanded.
	Groups        map[string][]Dependency
	BuildRequires []Dependency
	BuildBackend  string
	// Scripts maps each console and GUI script name to its entry point "module:function".
	Scripts map[string]string
	// Tool names the tool whose tables carried the dependencies: "pep621" or "poetry".
	Tool string
	// DynamicDependencies and DynamicOptional are set when project.dynamic lists
	// dependencies or optional-dependencies: the build backend computes them, and only a
	// lock's record of the project says what they are.
	DynamicDependencies bool
	DynamicOptional     bool
	// Unpackaged marks an application PDM does not build ([tool.pdm] distribution = false,
	// package-type = "application", or no project.name): it runs from its source tree, so
	// it has no build backend, and Name may come from its directory.
	Unpackaged bool
}

type file struct {
	Project *struct {
		Name                 string                       `toml:"name"`
		Version              string                       `toml:"version"`
		RequiresPython       string                       `toml:"requires-python"`
		Dependencies         []string                     `toml:"dependencies"`
		OptionalDependencies map[string][]string          `toml:"optional-dependencies"`
		Scripts              map[string]string            `toml:"scripts"`
		GUIScripts           map[string]string            `toml:"gui-scripts"`
		EntryPoints          map[string]map[string]string `toml:"entry-points"`
		Dynamic              []string                     `toml:"dynamic"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"`
	BuildSystem      *struct {
		Requires     []string `toml:"requires"`
		BuildBackend string   `toml:"build-backend"`
	} `toml:"build-system"`
	Tool struct {
		Poetry *poetryTable `toml:"poetry"`
		// PDM is nil when there is no [tool.pdm] table.
		PDM *struct {
			DevDependencies map[string][]string `toml:"dev-dependencies"`
			Distribution    *bool               `toml:"distribution"`
			PackageType     string              `toml:"package-type"` // before PDM 2.12
		} `toml:"pdm"`
		UV struct {
			DevDependencies []string       `toml:"dev-dependencies"`
			Sources         map[string]any `toml:"sources"`
			Workspace       *struct {
				Members []string `toml:"members"`
			} `toml:"workspace"`
		} `toml:"uv"`
	} `toml:"tool"`
}

// Parse reads pyproject.toml content; name is the file name used in errors.
func Parse(name string, data []byte) (*Project, error) {
	var f file
	if err := tomlfile.Decode(name, data, &f); err != nil {
		return nil, err
	}
	p := &Project{Optional: map[string][]Dependency{}, Groups: map[string][]Dependency{}, Scripts: map[string]string{}}
	var err error
	switch {
	case f.Project != nil:
		p.Tool = "pep621"
		if err = p.readPEP621(name, &f); err != nil {
			return nil, err
		}
		if f.Tool.Poetry != nil {
			// Poetry 2: [project] holds the main dependencies, [tool.poetry] the groups.
			if err = p.readPoetryGroups(name, f.Tool.Poetry); err != nil {
				return nil, err
			}
		}
	case f.Tool.Poetry != nil:
		p.Tool = "poetry"
		if err = p.readPoetry(name, f.Tool.Poetry); err != nil {
			return nil, err
		}
	case f.Tool.UV.Workspace != nil:
		return nil, fmt.Errorf("%s: a uv workspace root without [project]: translate one of its members instead (--pyproject MEMBER/pyproject.toml with this directory's uv.lock; members: %s)",
			name, strings.Join(f.Tool.UV.Workspace.Members, ", "))
	default:
		return nil, fmt.Errorf("%s: neither [project] nor [tool.poetry]: not a Python project", name)
	}
	if err := p.readTools(name, &f); err != nil {
		return nil, err
	}
	if err := p.readBuildSystem(name, &f); err != nil {
		return nil, err
	}
	if err := p.readDynamicVersion(name, data); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Project) readPEP621(name string, f *file) error {
	proj := f.Project
	p.Unpackaged = pdmUnpackaged(f)
	var err error
	switch {
	case strings.TrimSpace(proj.Name) == "" && p.Unpackaged:
		p.Name = nameFromPath(name)
	case strings.TrimSpace(proj.Name) == "":
		return fmt.Errorf("%s: project.name: missing: name the project, or, for an application PDM runs from its sources, set [tool.pdm] distribution = false", name)
	default:
		if p.Name, err = pep508.NormalizeValid(proj.Name); err != nil {
			return fmt.Errorf("%s: project.name: %w", name, err)
		}
	}
	dynamic := map[string]bool{}
	for _, d := range proj.Dynamic {
		dynamic[d] = true
	}
	p.DynamicDependencies = dynamic["dependencies"]
	p.DynamicOptional = dynamic["optional-dependencies"]
	if proj.Version == "" && !dynamic["version"] && !p.Unpackaged {
		return fmt.Errorf("%s: project.version: missing and not listed in project.dynamic", name)
	}
	if proj.Version != "" {
		v, err := pep440.Parse(proj.Version)
		if err != nil {
			return fmt.Errorf("%s: project.version: %w", name, err)
		}
		p.Version = v.String()
	}
	if proj.RequiresPython != "" {
		s, err := pep440.ParseSpecifier(proj.RequiresPython)
		if err != nil {
			return fmt.Errorf("%s: project.requires-python: %w", name, err)
		}
		p.RequiresPython = []pep440.Specifier{s}
	}
	if p.Dependencies, err = parseRequirements(proj.Dependencies); err != nil {
		return fmt.Errorf("%s: project.dependencies: %w", name, err)
	}
	for extra, reqs := range proj.OptionalDependencies {
		e, err := pep508.NormalizeValid(extra)
		if err != nil {
			return fmt.Errorf("%s: project.optional-dependencies: %w", name, err)
		}
		deps, err := parseRequirements(reqs)
		if err != nil {
			return fmt.Errorf("%s: project.optional-dependencies.%s: %w", name, extra, err)
		}
		p.Optional[e] = append(p.Optional[e], deps...)
	}
	// PDM installs no scripts of an application it does not build.
	for _, table := range []map[string]string{proj.Scripts, proj.GUIScripts} {
		if p.Unpackaged {
			break
		}
		for script, ref := range table {
			if err := p.addScript(script, ref); err != nil {
				return fmt.Errorf("%s: project.scripts: %w", name, err)
			}
		}
	}
	for group := range proj.EntryPoints {
		if group == "console_scripts" || group == "gui_scripts" {
			return fmt.Errorf("%s: project.entry-points.%s: PEP 621 forbids it; use project.scripts", name, group)
		}
	}
	return p.readDependencyGroups(name, f.DependencyGroups)
}

func (p *Project) addScript(script, ref string) error {
	if !validScriptName(script) {
		return fmt.Errorf("script name %q: want letters, digits, '-', '_' or '.'", script)
	}
	if strings.TrimSpace(ref) == "" {
		return fmt.Errorf("script %q: empty entry point", script)
	}
	p.Scripts[script] = ref
	return nil
}

func validScriptName(s string) bool {
	if s == "" || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// readDependencyGroups expands PEP 735 groups, following include-group and refusing cycles.
func (p *Project) readDependencyGroups(name string, groups map[string][]any) error {
	norm := map[string][]any{}
	for g, items := range groups {
		ng, err := pep508.NormalizeValid(g)
		if err != nil {
			return fmt.Errorf("%s: dependency-groups: %w", name, err)
		}
		if _, dup := norm[ng]; dup {
			return fmt.Errorf("%s: dependency-groups: %q and another group normalise to the same name", name, g)
		}
		norm[ng] = items
	}
	var expand func(g string, stack []string) ([]Dependency, error)
	expand = func(g string, stack []string) ([]Dependency, error) {
		for _, s := range stack {
			if s == g {
				return nil, fmt.Errorf("include-group cycle %s -> %s", strings.Join(stack, " -> "), g)
			}
		}
		items, ok := norm[g]
		if !ok {
			return nil, fmt.Errorf("include-group %q: no such group", g)
		}
		var out []Dependency
		for _, it := range items {
			switch v := it.(type) {
			case string:
				d, err := parseRequirement(v)
				if err != nil {
					return nil, err
				}
				out = append(out, d)
			case map[string]any:
				inc, ok := v["include-group"].(string)
				if !ok || len(v) != 1 {
					return nil, fmt.Errorf("a table in a group must be {include-group = \"name\"}")
				}
				ni, err := pep508.NormalizeValid(inc)
				if err != nil {
					return nil, err
				}
				sub, err := expand(ni, append(stack, g))
				if err != nil {
					return nil, err
				}
				out = append(out, sub...)
			default:
				return nil, fmt.Errorf("group items must be strings or {include-group = ...}, got %T", it)
			}
		}
		return out, nil
	}
	for g := range norm {
		deps, err := expand(g, nil)
		if err != nil {
			return fmt.Errorf("%s: dependency-groups.%s: %w", name, g, err)
		}
		p.Groups[g] = append(p.Groups[g], deps...)
	}
	return nil
}

// pdmUnpackaged tells, as PDM does, an application that is no distribution: package-type
// decides, else distribution, else whether the project has a name.
func pdmUnpackaged(f *file) bool {
	t := f.Tool.PDM
	switch {
	case t == nil:
		return false
	case t.PackageType != "":
		return t.PackageType == "application"
	case t.Distribution != nil:
		return !*t.Distribution
	}
	return strings.TrimSpace(f.Project.Name) == ""
}

// nameFromPath names an unpackaged application without project.name after the directory
// holding pyproject.toml, or "app" when the path names none: the name only labels its
// derivation.
func nameFromPath(pyproject string) string {
	dir := filepath.Base(filepath.Dir(filepath.Clean(pyproject)))
	if n, err := pep508.NormalizeValid(dir); err == nil {
		return n
	}
	return "app"
}

func (p *Project) readTools(name string, f *file) error {
	var pdmDev map[string][]string
	if f.Tool.PDM != nil {
		pdmDev = f.Tool.PDM.DevDependencies
	}
	for g, reqs := range pdmDev {
		ng, err := pep508.NormalizeValid(g)
		if err != nil {
			return fmt.Errorf("%s: tool.pdm.dev-dependencies: %w", name, err)
		}
		deps, err := parseRequirements(reqs)
		if err != nil {
			return fmt.Errorf("%s: tool.pdm.dev-dependencies.%s: %w", name, g, err)
		}
		p.Groups[ng] = append(p.Groups[ng], deps...)
	}
	if len(f.Tool.UV.DevDependencies) > 0 {
		deps, err := parseRequirements(f.Tool.UV.DevDependencies)
		if err != nil {
			return fmt.Errorf("%s: tool.uv.dev-dependencies: %w", name, err)
		}
		p.Groups["dev"] = append(p.Groups["dev"], deps...)
	}
	// A uv source replaces where a package comes from; the lock records the result, so only
	// the names are checked here.
	for src := range f.Tool.UV.Sources {
		if _, err := pep508.NormalizeValid(src); err != nil {
			return fmt.Errorf("%s: tool.uv.sources: %w", name, err)
		}
	}
	return nil
}

func (p *Project) readBuildSystem(name string, f *file) error {
	if p.Unpackaged {
		return nil
	}
	if f.BuildSystem == nil {
		// PEP 517's fallback for a project without [build-system].
		p.BuildBackend = "setuptools.build_meta:__legacy__"
		p.BuildRequires = []Dependency{{Name: "setuptools"}}
		return nil
	}
	deps, err := parseRequirements(f.BuildSystem.Requires)
	if err != nil {
		return fmt.Errorf("%s: build-system.requires: %w", name, err)
	}
	p.BuildRequires = deps
	p.BuildBackend = f.BuildSystem.BuildBackend
	return nil
}

// Selected lists the dependencies for a selection of extras and groups, the main ones first.
func (p *Project) Selected(extras, groups []string) ([]Dependency, error) {
	deps := append([]Dependency(nil), p.Dependencies...)
	for _, e := range extras {
		more, ok := p.Optional[e]
		if !ok {
			return nil, fmt.Errorf("extra %q: not in the project's optional dependencies (has: %s)", e, strings.Join(sortedKeys(p.Optional), ", "))
		}
		deps = append(deps, more...)
	}
	for _, g := range groups {
		more, ok := p.Groups[g]
		if !ok {
			return nil, fmt.Errorf("group %q: not in the project's dependency groups (has: %s)", g, strings.Join(sortedKeys(p.Groups), ", "))
		}
		deps = append(deps, more...)
	}
	return deps, nil
}

func sortedKeys(m map[string][]Dependency) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func parseRequirements(reqs []string) ([]Dependency, error) {
	out := make([]Dependency, 0, len(reqs))
	for _, r := range reqs {
		d, err := parseRequirement(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func parseRequirement(s string) (Dependency, error) {
	r, err := pep508.ParseRequirement(s)
	if err != nil {
		return Dependency{}, err
	}
	d := Dependency{Name: r.Name, Extras: r.Extras, Direct: r.URL != "", Marker: r.Marker}
	if len(r.Specifier) > 0 {
		d.Constraint = []pep440.Specifier{r.Specifier}
	}
	return d, nil
}
