package closure

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeNix writes a script that stands in for nix: like nix 2.8 it rejects --json-format, then
// prints output, or fails naming the last argument.
func fakeNix(t *testing.T, output string, fail bool) string {
	t.Helper()
	script := "#!/bin/sh\n" +
		"for a; do [ \"$a\" = --json-format ] && { echo \"error: unrecognised flag '--json-format'\" >&2; exit 1; }; done\n"
	if fail {
		script += "for a; do last=$a; done\necho \"error: path '$last' is not valid\" >&2\nexit 1\n"
	} else {
		script += "cat <<'JSON'\n" + output + "\nJSON\n"
	}
	file := filepath.Join(t.TempDir(), "nix")
	if err := os.WriteFile(file, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestQuery(t *testing.T) {
	out := `[{"path":"` + glibc + `","narHash":"sha256-g","narSize":30,"references":["` + glibc + `"]}]`
	c, err := Query(context.Background(), fakeNix(t, out, false), nil, []string{glibc})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Paths) != 1 || c.Paths[0].Path != glibc {
		t.Errorf("got %+v", c)
	}
	_, err = Query(context.Background(), fakeNix(t, "", true), nil, []string{"/nix/store/xxxx-gone"})
	if err == nil || !strings.Contains(err.Error(), "path '/nix/store/xxxx-gone' is not valid") {
		t.Errorf("err = %v, want nix's message", err)
	}
}
