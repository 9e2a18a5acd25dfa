package rulesync

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bazelbuild/buildtools/build"

	"github.com/nixpy/rules_nixpy/tools/ociimage"
	"github.com/nixpy/rules_nixpy/tools/translate"
)

// TestStarlarkDefaults: rules/private/defaults.bzl holds the defaults the rules need at analysis, copies of
// Go constants, which are the source; each must equal its constant, and the file holds no other.
func TestStarlarkDefaults(t *testing.T) {
	want := map[string]string{
		"MAX_LAYERS": strconv.Itoa(ociimage.DefaultMaxLayers),
		"SYSTEM":     strconv.Quote(translate.DefaultSystem),
	}
	path := filepath.Join("..", "..", "rules", "private", "defaults.bzl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := build.ParseBzl(path, data)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, stmt := range f.Stmt {
		a, ok := stmt.(*build.AssignExpr)
		if !ok {
			continue
		}
		id, ok := a.LHS.(*build.Ident)
		if !ok {
			t.Errorf("%s: an assignment to %s, want NAME = VALUE", path, build.FormatString(a.LHS))
			continue
		}
		switch v := a.RHS.(type) {
		case *build.LiteralExpr:
			got[id.Name] = v.Token
		case *build.StringExpr:
			got[id.Name] = strconv.Quote(v.Value)
		default:
			t.Errorf("%s: %s = %s, want a number or a string", path, id.Name, build.FormatString(a.RHS))
		}
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s lacks %s = %s", path, name, w)
		} else if g != w {
			t.Errorf("%s: %s = %s, but the Go constant it copies is %s", path, name, g, w)
		}
	}
	for name, g := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: %s = %s is checked against no Go constant; add it to this test", path, name, g)
		}
	}
}
