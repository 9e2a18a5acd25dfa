package nixexpr

import (
	"testing"

	"github.com/nixpy/rules_nixpy/tools/nixexpr/nixexprtest"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"flask", `"flask"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"${builtins.exec}", `"\${builtins.exec}"`},
		{"$${x}", `"$\${x}"`},
		{"$x $", `"$x $"`},
		{"a\nb\tc\r", `"a\nb\tc\r"`},
		{"nul\x00", "\"nul\uFFFD\""},
		{`\${`, `"\\\${"`},
	}
	for _, tt := range tests {
		got := String(tt.in)
		if got != tt.want {
			t.Errorf("String(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if err := nixexprtest.Check([]byte("[ " + got + " ]")); err != nil {
			t.Errorf("Check(String(%q)): %v", tt.in, err)
		}
	}
}

func TestAttrName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"flask", "flask"},
		{"typing-extensions", "typing-extensions"},
		{"zope.interface", `"zope.interface"`},
		{"1password", `"1password"`},
		{"in", `"in"`},
		{"a b", `"a b"`},
	}
	for _, tt := range tests {
		if got := AttrName(tt.in); got != tt.want {
			t.Errorf("AttrName(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestWriter(t *testing.T) {
	var w Writer
	w.Open("{")
	w.List("a = ", []string{String("x"), String("y")}, ";")
	w.List("b = ", nil, ";")
	w.Close("}")
	want := "{\n  a = [ \"x\" \"y\" ];\n  b = [ ];\n}\n"
	if got := string(w.Bytes()); got != want {
		t.Errorf("Writer wrote %q, want %q", got, want)
	}
}
