package ruledoc

import (
	"fmt"
	"strings"

	"github.com/bazelbuild/buildtools/build"
)

// kind is what a documented name is; it picks the section's layout.
type kind string

const (
	kindRule           kind = "rule"
	kindRepositoryRule kind = "repository rule"
	kindProvider       kind = "provider"
	kindMacro          kind = "macro"
	kindFunction       kind = "function"
	kindExtension      kind = "module extension"
)

// entry is one documented public name.
type entry struct {
	name       string
	kind       kind
	doc        string
	attrs      []attr     // rule and repository rule attributes, function parameters
	fields     []field    // provider fields
	tagClasses []tagClass // module extension tag classes
	returns    string     // functions
	deprecated string     // functions
}

// attr is a rule attribute or a function parameter (which has no type).
type attr struct {
	name      string
	doc       string
	typ       string
	mandatory bool
	dflt      string // Starlark source of the default; empty when mandatory
}

type field struct {
	name string
	doc  string
}

type tagClass struct {
	name  string
	doc   string
	attrs []attr
}

// doc is what one public .bzl file documents.
type doc struct {
	path    string
	text    string // the module docstring
	entries []entry
}

// extract documents the public names of a public .bzl file, in source order.
func (l *loader) extract(p string) (doc, error) {
	m, err := l.module(p)
	if err != nil {
		return doc{}, err
	}
	d := doc{path: p}
	if len(m.file.Stmt) > 0 {
		if s, ok := m.file.Stmt[0].(*build.StringExpr); ok {
			d.text = m.dedent(s)
		}
	}
	for _, name := range m.order {
		if strings.HasPrefix(name, "_") {
			continue
		}
		e, ok, err := l.entry(name, value{mod: m, expr: m.globals[name]})
		if err != nil {
			return doc{}, fmt.Errorf("%s: %w", name, err)
		}
		if ok {
			d.entries = append(d.entries, e)
		}
	}
	return d, nil
}

// entry documents one public name. Names bound to anything but a def or a rule(),
// repository_rule(), provider() or module_extension() call are constants: ok is false.
func (l *loader) entry(name string, v value) (e entry, ok bool, err error) {
	v, err = l.resolve(v)
	if err != nil {
		return e, false, err
	}
	e.name = name
	switch x := v.expr.(type) {
	case *build.DefStmt:
		e, err = l.function(name, v.mod, x)
		return e, err == nil, err
	case *build.CallExpr:
		fn, _ := x.X.(*build.Ident)
		if fn == nil {
			return e, false, nil
		}
		args := kwargs(x)
		switch fn.Name {
		case "rule":
			e.kind = kindRule
		case "repository_rule":
			e.kind = kindRepositoryRule
		case "provider":
			e.kind = kindProvider
		case "module_extension":
			e.kind = kindExtension
		default:
			return e, false, nil
		}
		if d, ok := args["doc"]; ok {
			if e.doc, err = l.str(value{v.mod, d}); err != nil {
				return e, false, err
			}
		}
		switch e.kind {
		case kindRule, kindRepositoryRule:
			e.attrs, err = l.attrs(value{v.mod, args["attrs"]})
		case kindProvider:
			e.fields, err = l.fields(value{v.mod, args["fields"]})
		case kindExtension:
			e.tagClasses, err = l.tagClasses(value{v.mod, args["tag_classes"]})
		}
		return e, err == nil, err
	}
	return e, false, nil
}

// function documents a def from its parameters and its Google-style docstring.
func (l *loader) function(name string, m *module, def *build.DefStmt) (entry, error) {
	e := entry{name: name, kind: kindFunction}
	var ds docstring
	if len(def.Body) > 0 {
		if s, ok := def.Body[0].(*build.StringExpr); ok {
			var err error
			if ds, err = parseDocstring(m.dedent(s)); err != nil {
				return e, m.errorf(s, "docstring: %w", err)
			}
		}
	}
	e.doc, e.returns, e.deprecated = ds.text, ds.returns, ds.deprecated
	docs := map[string]string{}
	for _, a := range ds.args {
		docs[strings.TrimLeft(a.name, "*")] = a.doc
	}
	for _, p := range def.Params {
		pname, op := build.GetParamName(p)
		if pname == "" { // the bare * before keyword-only parameters
			continue
		}
		if pname == "name" {
			// A def that takes a name makes targets: Bazel calls that a macro.
			e.kind = kindMacro
		}
		doc := docs[pname]
		delete(docs, pname)
		if strings.HasPrefix(pname, "_") {
			continue
		}
		a := attr{name: op + pname, doc: doc}
		switch p := p.(type) {
		case *build.AssignExpr:
			var err error
			if a.dflt, err = l.defaultSource(value{m, p.RHS}); err != nil {
				return e, err
			}
		case *build.UnaryExpr: // *args and **kwargs are never required
		default:
			a.mandatory = true
		}
		e.attrs = append(e.attrs, a)
	}
	for _, a := range ds.args {
		if _, stale := docs[strings.TrimLeft(a.name, "*")]; stale {
			return e, m.errorf(def, "docstring documents %s, which is not a parameter of %s", a.name, def.Name)
		}
	}
	return e, nil
}
