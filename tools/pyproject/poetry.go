package pyproject

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep440"
	"github.com/nixpy/rules_nixpy/tools/pep508"
)

type poetryTable struct {
	Name            string         `toml:"name"`
	Version         string         `toml:"version"`
	Dependencies    map[string]any `toml:"dependencies"`
	DevDependencies map[string]any `toml:"dev-dependencies"`
	Group           map[string]struct {
		Dependencies map[string]any `toml:"dependencies"`
	} `toml:"group"`
	Extras   map[string][]string `toml:"extras"`
	Scripts  map[string]any      `toml:"scripts"`
	Packages []struct {
		Include string `toml:"include"`
		From    string `toml:"from"`
	} `toml:"packages"`
}

func (p *Project) readPoetry(name string, t *poetryTable) error {
	n, err := pep508.NormalizeValid(t.Name)
	if err != nil {
		return fmt.Errorf("%s: tool.poetry.name: %w", name, err)
	}
	p.Name = n
	if t.Version != "" {
		v, err := pep440.Parse(t.Version)
		if err != nil {
			return fmt.Errorf("%s: tool.poetry.version: %w", name, err)
		}
		p.Version = v.String()
	}
	deps, err := poetryDependencies(t.Dependencies)
	if err != nil {
		return fmt.Errorf("%s: tool.poetry.dependencies: %w", name, err)
	}
	optional := map[string]Dependency{}
	for _, d := range deps {
		switch {
		case d.dep.Name == "python":
			p.RequiresPython = d.dep.Constraint
		case d.optional:
			optional[d.dep.Name] = d.dep
		default:
			p.Dependencies = append(p.Dependencies, d.dep)
		}
	}
	// An optional dependency is installed only through the extras that name it.
	for extra, names := range t.Extras {
		e, err := pep508.NormalizeValid(extra)
		if err != nil {
			return fmt.Errorf("%s: tool.poetry.extras: %w", name, err)
		}
		for _, raw := range names {
			r, err := pep508.ParseRequirement(raw)
			if err != nil {
				return fmt.Errorf("%s: tool.poetry.extras.%s: %w", name, extra, err)
			}
			d, ok := optional[r.Name]
			if !ok {
				return fmt.Errorf("%s: tool.poetry.extras.%s: %q is not an optional dependency in tool.poetry.dependencies", name, extra, raw)
			}
			p.Optional[e] = append(p.Optional[e], d)
		}
	}
	for script, v := range t.Scripts {
		ref, err := poetryScript(v)
		if err != nil {
			return fmt.Errorf("%s: tool.poetry.scripts.%s: %w", name, script, err)
		}
		if err := p.addScript(script, ref); err != nil {
			return fmt.Errorf("%s: tool.poetry.scripts: %w", name, err)
		}
	}
	for i, pkg := range t.Packages {
		if pkg.Include == "" {
			return fmt.Errorf("%s: tool.poetry.packages[%d]: include is required", name, i)
		}
	}
	return p.readPoetryGroups(name, t)
}

func (p *Project) readPoetryGroups(name string, t *poetryTable) error {
	add := func(where, group string, table map[string]any) error {
		g, err := pep508.NormalizeValid(group)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", name, where, err)
		}
		deps, err := poetryDependencies(table)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", name, where, err)
		}
		for _, d := range deps {
			p.Groups[g] = append(p.Groups[g], d.dep)
		}
		return nil
	}
	if len(t.DevDependencies) > 0 {
		if err := add("tool.poetry.dev-dependencies", "dev", t.DevDependencies); err != nil {
			return err
		}
	}
	groups := make([]string, 0, len(t.Group))
	for g := range t.Group {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		if err := add("tool.poetry.group."+g+".dependencies", g, t.Group[g].Dependencies); err != nil {
			return err
		}
	}
	return nil
}

func poetryScript(v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case map[string]any:
		for _, key := range []string{"reference", "callable"} {
			if ref, ok := s[key].(string); ok {
				return ref, nil
			}
		}
	}
	return "", fmt.Errorf("want \"module:function\" or a table with reference")
}

type poetryDep struct {
	dep      Dependency
	optional bool
}

// poetryDependencies reads a Poetry dependency table, sorted by name. A name whose value is a
// list of tables (multiple constraints) gives one Dependency per entry, each with its marker.
func poetryDependencies(table map[string]any) ([]poetryDep, error) {
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []poetryDep
	for _, raw := range names {
		n, err := pep508.NormalizeValid(raw)
		if err != nil {
			return nil, err
		}
		var entries []any
		if list, ok := table[raw].([]any); ok {
			entries = list
		} else {
			entries = []any{table[raw]}
		}
		for _, e := range entries {
			d, err := poetryDependency(n, e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", raw, err)
			}
			out = append(out, d)
		}
	}
	return out, nil
}

func poetryDependency(name string, v any) (poetryDep, error) {
	d := poetryDep{dep: Dependency{Name: name}}
	var constraint string
	var markers []string
	switch t := v.(type) {
	case string:
		constraint = t
	case map[string]any:
		for key, val := range t {
			switch key {
			case "version", "python", "platform", "markers":
				s, ok := val.(string)
				if !ok {
					return d, fmt.Errorf("%s must be a string", key)
				}
				switch key {
				case "version":
					constraint = s
				case "python":
					m, err := PythonMarker(s)
					if err != nil {
						return d, fmt.Errorf("python: %w", err)
					}
					markers = append(markers, m)
				case "platform":
					markers = append(markers, fmt.Sprintf("sys_platform == %q", s))
				case "markers":
					markers = append(markers, "("+s+")")
				}
			case "extras":
				list, ok := val.([]any)
				if !ok {
					return d, fmt.Errorf("extras must be a list")
				}
				for _, x := range list {
					s, _ := x.(string)
					e, err := pep508.NormalizeValid(s)
					if err != nil {
						return d, fmt.Errorf("extras: %w", err)
					}
					d.dep.Extras = append(d.dep.Extras, e)
				}
				d.dep.Extras = pep508.SortedUnique(d.dep.Extras)
			case "optional":
				d.optional, _ = val.(bool)
			case "git", "path", "url":
				d.dep.Direct = true
			}
		}
	default:
		return d, fmt.Errorf("want a version string or a table, got %T", v)
	}
	var err error
	if d.dep.Constraint, err = ParsePoetryConstraint(constraint); err != nil {
		return d, err
	}
	if len(markers) > 0 {
		if d.dep.Marker, err = pep508.ParseMarker(strings.Join(markers, " and ")); err != nil {
			return d, err
		}
	}
	return d, nil
}

// PythonMarker turns a Poetry python constraint into an equivalent marker.
func PythonMarker(s string) (string, error) {
	alts, err := ParsePoetryConstraint(s)
	if err != nil {
		return "", err
	}
	if len(alts) == 0 {
		return `python_version >= "0"`, nil
	}
	var ors []string
	for _, spec := range alts {
		var ands []string
		for _, c := range spec {
			ands = append(ands, fmt.Sprintf("python_full_version %s %q", c.Op, strings.TrimPrefix(c.String(), c.Op)))
		}
		ors = append(ors, "("+strings.Join(ands, " and ")+")")
	}
	return "(" + strings.Join(ors, " or ") + ")", nil
}

var opSpaceRE = regexp.MustCompile(`(===|~=|==|!=|<=|>=|<|>|=|\^|~)\s+`)

// ParsePoetryConstraint converts a Poetry version constraint ("^1.2", "~1.2.3", "1.2.*",
// ">=1,<2", ">=1 <2", "a || b", "*") into PEP 440 specifier alternatives. "*" and "" give nil.
func ParsePoetryConstraint(s string) ([]pep440.Specifier, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return nil, nil
	}
	var alts []pep440.Specifier
	for _, alt := range strings.Split(s, "||") {
		alt = opSpaceRE.ReplaceAllString(strings.TrimSpace(alt), "$1")
		var clauses []string
		for _, c := range strings.FieldsFunc(alt, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			pep, err := poetryClause(c)
			if err != nil {
				return nil, fmt.Errorf("constraint %q: %w", s, err)
			}
			clauses = append(clauses, pep...)
		}
		if len(clauses) == 0 {
			return nil, nil // an alternative that allows anything makes the whole constraint empty
		}
		spec, err := pep440.ParseSpecifier(strings.Join(clauses, ","))
		if err != nil {
			return nil, fmt.Errorf("constraint %q: %w", s, err)
		}
		alts = append(alts, spec)
	}
	return alts, nil
}

func poetryClause(c string) ([]string, error) {
	switch {
	case c == "*":
		return nil, nil
	case strings.HasPrefix(c, "^"):
		return caret(c[1:])
	case strings.HasPrefix(c, "~") && !strings.HasPrefix(c, "~="):
		return tilde(c[1:])
	case strings.HasPrefix(c, "==") || strings.HasPrefix(c, "!=") || strings.HasPrefix(c, ">") ||
		strings.HasPrefix(c, "<") || strings.HasPrefix(c, "~="):
		return []string{c}, nil
	case strings.HasPrefix(c, "="):
		return []string{"=" + c}, nil
	}
	return []string{"==" + c}, nil
}

// caret: ^1.2.3 is >=1.2.3,<2.0.0; ^0.2.3 is <0.3.0; ^0.0.3 is <0.0.4; ^0.0 is <0.1; ^0 is <1.
func caret(v string) ([]string, error) {
	rel, err := releaseOf(v)
	if err != nil {
		return nil, err
	}
	i := 0
	for i < len(rel)-1 && rel[i] == 0 {
		i++
	}
	return []string{">=" + v, "<" + bump(rel, i)}, nil
}

// tilde: ~1.2.3 is >=1.2.3,<1.3.0; ~1.2 is <1.3; ~1 is <2.
func tilde(v string) ([]string, error) {
	rel, err := releaseOf(v)
	if err != nil {
		return nil, err
	}
	i := 1
	if len(rel) == 1 {
		i = 0
	}
	return []string{">=" + v, "<" + bump(rel, i)}, nil
}

func releaseOf(v string) ([]int, error) {
	pv, err := pep440.Parse(v)
	if err != nil {
		return nil, err
	}
	return pv.Release, nil
}

// bump increments rel[i] and zeroes what follows, keeping at least i+1 parts.
func bump(rel []int, i int) string {
	out := make([]string, 0, len(rel))
	for j := 0; j < len(rel) || j <= i; j++ {
		n := 0
		switch {
		case j < i && j < len(rel):
			n = rel[j]
		case j == i && j < len(rel):
			n = rel[j] + 1
		case j == i:
			n = 1
		}
		out = append(out, strconv.Itoa(n))
	}
	return strings.Join(out, ".")
}
