package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStampCommand: nixpy stamp, nixpy_push's action for the remote tags of a stamped build, follows the
// rule of package stamp and names the attribute (or the template's line) of a key without a value.
func TestStampCommand(t *testing.T) {
	work := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stable := write("stable-status.txt", "STABLE_GIT_COMMIT 0123abcd\nBUILD_USER some one\n")
	volatile := write("volatile-status.txt", "BUILD_TIMESTAMP 1700000000\n")
	tags := write("push.tags.tpl", "{STABLE_GIT_COMMIT}\nlatest\nbuilt-{BUILD_TIMESTAMP}\n")
	typo := write("typo.tags.tpl", "latest\n{STABLE_GIT_COMMT}\n")
	for _, tt := range []struct {
		name     string
		args     []string // after --in and --out
		in       string
		want     string
		wantCode int
		wantErr  []string
	}{
		{name: "stamped", in: tags, args: []string{"--stamp", stable, "--stamp", volatile, "--name", "remote_tags"},
			want: "0123abcd\nlatest\nbuilt-1700000000\n"},
		{name: "unstamped keeps the text", in: tags, want: "{STABLE_GIT_COMMIT}\nlatest\nbuilt-{BUILD_TIMESTAMP}\n"},
		{name: "a key without a value names the attribute and the tag", in: typo, args: []string{"--stamp", stable, "--name", "remote_tags"},
			wantCode: 1, wantErr: []string{`nixpy stamp: remote_tags "{STABLE_GIT_COMMT}": no workspace status value for {STABLE_GIT_COMMT}`, "STABLE_GIT_COMMIT"}},
		{name: "without --name, the file and line", in: typo, args: []string{"--stamp", stable},
			wantCode: 1, wantErr: []string{"typo.tags.tpl:2: no workspace status value for {STABLE_GIT_COMMT}"}},
		{name: "a missing status file", in: tags, args: []string{"--stamp", filepath.Join(work, "absent.txt")},
			wantCode: 1, wantErr: []string{"--stamp", "absent.txt"}},
		{name: "a missing template", in: filepath.Join(work, "absent.tpl"), args: []string{"--stamp", stable},
			wantCode: 1, wantErr: []string{"--in", "absent.tpl"}},
		{name: "an extra argument", in: tags, args: []string{"extra"}, wantCode: 2, wantErr: []string{"unexpected arguments"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "tags.txt")
			code, _, stderr := runNixpy(t, append([]string{"stamp", "--in", tt.in, "--out", out}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q lacks %q", stderr, want)
				}
			}
			got, err := os.ReadFile(out)
			switch {
			case tt.wantCode != 0 && err == nil:
				t.Errorf("a failed stamp wrote %s", out)
			case tt.wantCode == 0 && string(got) != tt.want:
				t.Errorf("wrote %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}
