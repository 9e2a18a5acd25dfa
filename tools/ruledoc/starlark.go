package ruledoc

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/bazelbuild/buildtools/build"
)

// maxHops bounds how many name-to-definition steps resolve follows, so that a malformed file whose
// names refer to each other in a cycle fails instead of looping.
const maxHops = 32

// module is one parsed .bzl file with its top-level names.
type module struct {
	path    string   // repository-relative, e.g. rules/private/image.bzl
	lines   []string // source lines, for the indentation docstrings are written at
	file    *build.File
	loads   map[string]loadedName // names a load() binds, by local name
	globals map[string]build.Expr // assignment right-hand sides and def statements, by name
	order   []string              // global names in source order, which is the order of the docs
}

// loadedName is where a load() binding comes from.
type loadedName struct {
	stmt   *build.LoadStmt
	symbol string // the name in the loaded module
}

// value is an expression together with the module its names are looked up in.
type value struct {
	mod  *module
	expr build.Expr
}

// loader parses .bzl files from a repository on demand, each once.
type loader struct {
	fsys    fs.FS
	repo    string // the repository's own name, so that @repo//pkg:f.bzl is read locally
	modules map[string]*module
}

func newLoader(fsys fs.FS, repo string) *loader {
	return &loader{fsys: fsys, repo: repo, modules: map[string]*module{}}
}

// module returns the parsed file at a repository-relative path.
func (l *loader) module(p string) (*module, error) {
	if m, ok := l.modules[p]; ok {
		return m, nil
	}
	data, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		return nil, err
	}
	f, err := build.ParseBzl(p, data)
	if err != nil {
		return nil, err
	}
	m := &module{
		path:    p,
		lines:   strings.Split(string(data), "\n"),
		file:    f,
		loads:   map[string]loadedName{},
		globals: map[string]build.Expr{},
	}
	for _, stmt := range f.Stmt {
		switch s := stmt.(type) {
		case *build.LoadStmt:
			for i, to := range s.To {
				m.loads[to.Name] = loadedName{stmt: s, symbol: s.From[i].Name}
			}
		case *build.DefStmt:
			m.define(s.Name, s)
		case *build.AssignExpr:
			switch lhs := s.LHS.(type) {
			case *build.Ident:
				m.define(lhs.Name, s.RHS)
			case *build.TupleExpr:
				// provider(init = ...) returns (Provider, raw constructor): the first name is the provider.
				if id, ok := firstIdent(lhs); ok && isCall(s.RHS, "provider") {
					m.define(id.Name, s.RHS)
				}
			}
		}
	}
	l.modules[p] = m
	return m, nil
}

func (m *module) define(name string, x build.Expr) {
	if _, ok := m.globals[name]; !ok {
		m.order = append(m.order, name)
	}
	m.globals[name] = x
}

func firstIdent(t *build.TupleExpr) (*build.Ident, bool) {
	if len(t.List) == 0 {
		return nil, false
	}
	id, ok := t.List[0].(*build.Ident)
	return id, ok
}

// errorf prefixes an error with the file and line of the Starlark construct it is about.
func (m *module) errorf(x build.Expr, format string, args ...any) error {
	start, _ := x.Span()
	return fmt.Errorf("%s:%d: %w", m.path, start.Line, fmt.Errorf(format, args...))
}

// resolve follows a name to the expression it is bound to, through assignments and load()s, so
// that `nixpy_nix_build = _nixpy_nix_build` documents the rule() call in the private file. Other expressions
// are returned as they are.
func (l *loader) resolve(v value) (value, error) {
	for range maxHops {
		id, ok := v.expr.(*build.Ident)
		if !ok {
			return v, nil
		}
		if x, ok := v.mod.globals[id.Name]; ok {
			v.expr = x
			continue
		}
		ld, ok := v.mod.loads[id.Name]
		if !ok {
			return v, v.mod.errorf(id, "%s is not defined at the top level or loaded", id.Name)
		}
		p, err := l.labelPath(v.mod, ld.stmt.Module.Value)
		if err != nil {
			return v, v.mod.errorf(ld.stmt, "load of %s: %w", id.Name, err)
		}
		target, err := l.module(p)
		if err != nil {
			return v, v.mod.errorf(ld.stmt, "load of %s: %w", id.Name, err)
		}
		x, ok := target.globals[ld.symbol]
		if !ok {
			return v, v.mod.errorf(ld.stmt, "load of %s: %s does not define %s", id.Name, p, ld.symbol)
		}
		v = value{mod: target, expr: x}
	}
	return v, v.mod.errorf(v.expr, "more than %d names refer to each other", maxHops)
}

// defaultSource is how a default is shown: a name bound at the top level or by a load() to a string or
// number, such as a constant the rules share (MAX_LAYERS of rules/private/defaults.bzl), by that value, so the
// reference shows 12 rather than the name; anything else (True, None, a provider) as written.
func (l *loader) defaultSource(v value) (string, error) {
	if id, ok := v.expr.(*build.Ident); ok {
		_, global := v.mod.globals[id.Name]
		_, loaded := v.mod.loads[id.Name]
		if global || loaded {
			r, err := l.resolve(v)
			if err != nil {
				return "", err
			}
			switch r.expr.(type) {
			case *build.StringExpr, *build.LiteralExpr:
				return compact(r.expr), nil
			}
		}
	}
	return compact(v.expr), nil
}

// labelPath turns the label of a load() into a repository-relative path. Only files of this
// repository can be read; another repository's file is an error for the name that needs it.
func (l *loader) labelPath(from *module, label string) (string, error) {
	rest := label
	if after, ok := strings.CutPrefix(rest, "@"); ok {
		repo, pkgPath, ok := strings.Cut(after, "//")
		if !ok || (repo != "" && repo != l.repo) {
			return "", fmt.Errorf("%s is in another repository", label)
		}
		rest = "//" + pkgPath
	}
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		pkg, name, ok := strings.Cut(after, ":")
		if !ok {
			return "", fmt.Errorf("label %s has no ':'", label)
		}
		return path.Join(pkg, name), nil
	}
	if name, ok := strings.CutPrefix(rest, ":"); ok {
		return path.Join(path.Dir(from.path), name), nil
	}
	return "", errors.New("label " + label + " is neither //pkg:file nor :file")
}

// kwargs returns a call's keyword arguments by name.
func kwargs(call *build.CallExpr) map[string]build.Expr {
	out := map[string]build.Expr{}
	for _, arg := range call.List {
		if a, ok := arg.(*build.AssignExpr); ok {
			if id, ok := a.LHS.(*build.Ident); ok {
				out[id.Name] = a.RHS
			}
		}
	}
	return out
}

// isCall reports whether x calls the global function named fn.
func isCall(x build.Expr, fn string) bool {
	call, ok := x.(*build.CallExpr)
	if !ok {
		return false
	}
	id, ok := call.X.(*build.Ident)
	return ok && id.Name == fn
}

// str evaluates a documentation string: a literal, or a name bound to one.
func (l *loader) str(v value) (string, error) {
	v, err := l.resolve(v)
	if err != nil {
		return "", err
	}
	s, ok := v.expr.(*build.StringExpr)
	if !ok {
		return "", v.mod.errorf(v.expr, "want a string literal, got %s", build.FormatString(v.expr))
	}
	return v.mod.dedent(s), nil
}

// dedent removes the indentation of a string's continuation lines up to that of the line the
// string starts on. Indentation beyond it is kept because it is Markdown: a module docstring
// whose example is indented as a code block must stay a code block.
func (m *module) dedent(s *build.StringExpr) string {
	lines := strings.Split(s.Value, "\n")
	cut := indent(m.lines[s.Start.Line-1])
	for _, line := range lines[1:] {
		if strings.TrimSpace(line) != "" {
			cut = min(cut, indent(line))
		}
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			lines[i] = ""
		} else {
			lines[i] = lines[i][cut:]
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func indent(line string) int {
	return len(line) - len(strings.TrimLeft(line, " \t"))
}
