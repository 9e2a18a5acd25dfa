package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		done     bool
		err      error
		stderr   string
		required []string
	}{
		{"all given", []string{"--in", "a", "--out", "b"}, false, nil, "", []string{"in", "out"}},
		{"help", []string{"-h"}, true, nil, "usage: nixpy t", []string{"in"}},
		{"positional", []string{"--in", "a", "extra"}, true, ErrUsage, `unexpected arguments ["extra"]`, []string{"in"}},
		{"one missing", nil, true, ErrUsage, "nixpy t: --in is required", []string{"in"}},
		{"two missing", []string{"--in", "a"}, true, ErrUsage, "nixpy t: --in and --out are required", []string{"in", "out"}},
		{"list flag", []string{"--in", "a"}, true, ErrUsage, "nixpy t: --in, --out and --layer are required", []string{"in", "out", "layer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			fs := NewFlagSet("t", "[flags]", &stderr)
			fs.String("in", "", "")
			fs.String("out", "", "")
			var layers ListFlag
			fs.Var(&layers, "layer", "")
			done, err := Parse(fs, tc.args, tc.required...)
			if done != tc.done || err != tc.err || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("Parse(%q) = %v, %v, stderr %q; want %v, %v, stderr with %q", tc.args, done, err, stderr.String(), tc.done, tc.err, tc.stderr)
			}
		})
	}
}
