package pyproject

import "testing"

func TestMainScript(t *testing.T) {
	tests := []struct {
		project string
		scripts []string
		want    string
	}{
		{"hello", nil, ""},
		{"hello", []string{"serve"}, "serve"},
		{"hello", []string{"zz", "hello", "aa"}, "hello"},
		{"Hello.World", []string{"admin", "hello_world"}, "hello_world"},
		{"hello", []string{"worker", "admin"}, "admin"},
	}
	for _, tt := range tests {
		if got := MainScript(tt.project, tt.scripts); got != tt.want {
			t.Errorf("MainScript(%q, %q) = %q, want %q", tt.project, tt.scripts, got, tt.want)
		}
	}
}
