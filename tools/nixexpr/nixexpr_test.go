package nixexpr

import (
	"strings"
	"testing"
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
		if err := Check([]byte("[ " + got + " ]")); err != nil {
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

func TestCheck(t *testing.T) {
	tests := []struct {
		src  string
		want string // substring of the error, empty for none
	}{
		{`{ a = [ "x" ]; b = (f { }); } # } comment "`, ""},
		{`{ a = "\${x}"; }`, ""},
		{`{ a = "${x}"; }`, "interpolation"},
		{`{ a = ${x}; }`, "interpolation"},
		{`{ a = ''x''; }`, "indented"},
		{`{ a = "x; }`, "unterminated"},
		{"{ a = \"x\ny\"; }", "spans lines"},
		{`{ a = [ ) ; }`, "unbalanced"},
		{`{ a = [ ]; `, "unclosed"},
		{`/* x */ { }`, "block comment"},
	}
	for _, tt := range tests {
		err := Check([]byte(tt.src))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Check(%q): %v", tt.src, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Check(%q) = %v, want an error with %q", tt.src, err, tt.want)
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
