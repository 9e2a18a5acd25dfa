package tomlfile

import (
	"strings"
	"testing"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"syntax", "a = 1\nb = \n", "f.toml:2: invalid TOML"},
		{"unclosed header", "[a\nb = 1\n", "f.toml:1: invalid TOML"},
		{"type", "a = 1\nb = \"x\"\n", "f.toml:2: invalid TOML: incompatible types: TOML value has type string; destination has type int (key b)"},
		{"duplicate", "a = 1\na = 2\n", "f.toml:2: invalid TOML: key a is already defined"},
	}
	for _, tt := range tests {
		var v struct {
			A int `toml:"a"`
			B int `toml:"b"`
		}
		err := Decode("f.toml", []byte(tt.data), &v)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Decode error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	var v struct{ A int }
	if err := Decode("f.toml", []byte("A = 3"), &v); err != nil || v.A != 3 {
		t.Errorf("Decode = %v, %v", v, err)
	}
}
