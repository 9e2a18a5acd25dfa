package nixexprtest

import (
	"strings"
	"testing"
)

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
