package ruledoc

import (
	"strings"

	"github.com/bazelbuild/buildtools/build"
)

// attrType is how an attr.* function is shown, and the default Bazel gives an attribute of it
// that sets none.
type attrType struct {
	name string
	dflt string
}

// lookupAttrType names the attr module's functions in stardoc's words.
func lookupAttrType(fn string) (attrType, bool) {
	switch fn {
	case "bool":
		return attrType{"Boolean", "False"}, true
	case "int":
		return attrType{"Integer", "0"}, true
	case "int_list":
		return attrType{"List of integers", "[]"}, true
	case "label", "output":
		return attrType{"Label", "None"}, true
	case "label_keyed_string_dict":
		return attrType{"Dictionary: Label -> String", "{}"}, true
	case "label_list", "output_list":
		return attrType{"List of labels", "[]"}, true
	case "string":
		return attrType{"String", `""`}, true
	case "string_dict":
		return attrType{"Dictionary: String -> String", "{}"}, true
	case "string_keyed_label_dict":
		return attrType{"Dictionary: String -> Label", "{}"}, true
	case "string_list":
		return attrType{"List of strings", "[]"}, true
	case "string_list_dict":
		return attrType{"Dictionary: String -> List of strings", "{}"}, true
	}
	return attrType{}, false
}

// attrs documents an attrs dict: a dict literal, a name bound to one, or a | of those. Private
// attributes (leading underscore) are left out. A missing attrs argument (nil) has none.
func (l *loader) attrs(v value) ([]attr, error) {
	if v.expr == nil {
		return nil, nil
	}
	entries, err := l.dict(v)
	if err != nil {
		return nil, err
	}
	var out []attr
	for _, kv := range entries {
		if strings.HasPrefix(kv.key, "_") {
			continue
		}
		a, err := l.attr(kv.key, kv.value)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// attr documents one attr.* call.
func (l *loader) attr(name string, v value) (attr, error) {
	a := attr{name: name}
	v, err := l.resolve(v)
	if err != nil {
		return a, err
	}
	call, ok := v.expr.(*build.CallExpr)
	var fn *build.DotExpr
	if ok {
		fn, _ = call.X.(*build.DotExpr)
	}
	if fn == nil || build.FormatString(fn.X) != "attr" {
		return a, v.mod.errorf(v.expr, "attribute %q: want an attr.* call, got %s", name, build.FormatString(v.expr))
	}
	t, ok := lookupAttrType(fn.Name)
	if !ok {
		return a, v.mod.errorf(call, "attribute %q: attr.%s is not an attribute type", name, fn.Name)
	}
	a.typ = t.name
	args := kwargs(call)
	if d, ok := args["doc"]; ok {
		if a.doc, err = l.str(value{v.mod, d}); err != nil {
			return a, err
		}
	}
	if x, ok := args["mandatory"]; ok {
		switch build.FormatString(x) {
		case "True":
			a.mandatory = true
		case "False":
		default:
			return a, v.mod.errorf(x, "attribute %q: mandatory must be True or False", name)
		}
	}
	if x, ok := args["default"]; ok {
		if a.dflt, err = l.defaultSource(value{v.mod, x}); err != nil {
			return a, err
		}
	} else if !a.mandatory {
		a.dflt = t.dflt
	}
	if x, ok := args["values"]; ok {
		list, ok := x.(*build.ListExpr)
		if !ok {
			return a, v.mod.errorf(x, "attribute %q: values must be a list literal", name)
		}
		var vals []string
		for _, e := range list.List {
			vals = append(vals, "`"+compact(e)+"`")
		}
		a.doc = strings.TrimSpace(a.doc + "\n\nOne of " + strings.Join(vals, ", ") + ".")
	}
	return a, nil
}

// fields documents a provider's fields: a dict of name to doc, or a list of names.
func (l *loader) fields(v value) ([]field, error) {
	if v.expr == nil {
		return nil, nil
	}
	r, err := l.resolve(v)
	if err != nil {
		return nil, err
	}
	if list, ok := r.expr.(*build.ListExpr); ok {
		var out []field
		for _, x := range list.List {
			name, err := l.str(value{r.mod, x})
			if err != nil {
				return nil, err
			}
			out = append(out, field{name: name})
		}
		return out, nil
	}
	entries, err := l.dict(r)
	if err != nil {
		return nil, err
	}
	var out []field
	for _, kv := range entries {
		doc, err := l.str(kv.value)
		if err != nil {
			return nil, err
		}
		out = append(out, field{name: kv.key, doc: doc})
	}
	return out, nil
}

// tagClasses documents a module extension's tag_classes dict of tag_class() calls.
func (l *loader) tagClasses(v value) ([]tagClass, error) {
	if v.expr == nil {
		return nil, nil
	}
	entries, err := l.dict(v)
	if err != nil {
		return nil, err
	}
	var out []tagClass
	for _, kv := range entries {
		r, err := l.resolve(kv.value)
		if err != nil {
			return nil, err
		}
		if !isCall(r.expr, "tag_class") {
			return nil, r.mod.errorf(r.expr, "tag class %q: want a tag_class() call", kv.key)
		}
		args := kwargs(r.expr.(*build.CallExpr))
		tc := tagClass{name: kv.key}
		if d, ok := args["doc"]; ok {
			if tc.doc, err = l.str(value{r.mod, d}); err != nil {
				return nil, err
			}
		}
		if tc.attrs, err = l.attrs(value{r.mod, args["attrs"]}); err != nil {
			return nil, err
		}
		out = append(out, tc)
	}
	return out, nil
}

// keyValue is a dict entry with a string key.
type keyValue struct {
	key   string
	value value
}

// dict evaluates a dict of string keys, in source order: a literal, a name bound to one, or
// a | b (later keys win, keeping the first one's place, as Starlark does).
func (l *loader) dict(v value) ([]keyValue, error) {
	v, err := l.resolve(v)
	if err != nil {
		return nil, err
	}
	switch x := v.expr.(type) {
	case *build.DictExpr:
		var out []keyValue
		for _, kv := range x.List {
			key, ok := kv.Key.(*build.StringExpr)
			if !ok {
				return nil, v.mod.errorf(kv.Key, "want a string key, got %s", build.FormatString(kv.Key))
			}
			out = append(out, keyValue{key: key.Value, value: value{v.mod, kv.Value}})
		}
		return out, nil
	case *build.BinaryExpr:
		if x.Op == "|" {
			left, err := l.dict(value{v.mod, x.X})
			if err != nil {
				return nil, err
			}
			right, err := l.dict(value{v.mod, x.Y})
			if err != nil {
				return nil, err
			}
			return merge(left, right), nil
		}
	}
	return nil, v.mod.errorf(v.expr, "want a dict literal, a name bound to one or a | b, got %s", build.FormatString(v.expr))
}

func merge(left, right []keyValue) []keyValue {
	out := append([]keyValue(nil), left...)
	index := map[string]int{}
	for i, kv := range out {
		index[kv.key] = i
	}
	for _, kv := range right {
		if i, ok := index[kv.key]; ok {
			out[i] = kv
			continue
		}
		index[kv.key] = len(out)
		out = append(out, kv)
	}
	return out
}
