package ruledoc

import (
	"strings"

	"github.com/bazelbuild/buildtools/build"
)

// compact writes an expression on one line, as a default value in a table cell must be;
// buildtools' printer puts the items of a list of two or more on lines of their own.
func compact(x build.Expr) string {
	switch x := x.(type) {
	case *build.ListExpr:
		return "[" + compactList(x.List) + "]"
	case *build.TupleExpr:
		if len(x.List) == 1 {
			return "(" + compact(x.List[0]) + ",)"
		}
		return "(" + compactList(x.List) + ")"
	case *build.DictExpr:
		items := make([]string, len(x.List))
		for i, kv := range x.List {
			items[i] = compact(kv.Key) + ": " + compact(kv.Value)
		}
		return "{" + strings.Join(items, ", ") + "}"
	case *build.CallExpr:
		return compact(x.X) + "(" + compactList(x.List) + ")"
	case *build.AssignExpr: // a keyword argument
		return compact(x.LHS) + " " + x.Op + " " + compact(x.RHS)
	}
	return build.FormatString(x)
}

func compactList(list []build.Expr) string {
	items := make([]string, len(list))
	for i, x := range list {
		items[i] = compact(x)
	}
	return strings.Join(items, ", ")
}
