package stamp

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	status := map[string]string{"STABLE_GIT_COMMIT": "0123abcd", "BUILD_USER": "some one", "EMPTY": "", "NESTED": "{STABLE_GIT_COMMIT}"}
	for _, tt := range []struct {
		name    string
		text    string
		vars    map[string]string
		stamped bool
		want    string
		wantErr []string // substrings of the error; none: no error
	}{
		{name: "no placeholder", text: "latest", vars: status, stamped: true, want: "latest"},
		{name: "one key", text: "{STABLE_GIT_COMMIT}", vars: status, stamped: true, want: "0123abcd"},
		{name: "keys within text", text: "v1-{STABLE_GIT_COMMIT}-{BUILD_USER}", vars: status, stamped: true, want: "v1-0123abcd-some one"},
		{name: "a key twice", text: "{EMPTY}{STABLE_GIT_COMMIT}.{STABLE_GIT_COMMIT}", vars: status, stamped: true, want: "0123abcd.0123abcd"},
		{name: "values are not expanded again", text: "{NESTED}", vars: status, stamped: true, want: "{STABLE_GIT_COMMIT}"},
		{name: "braces that are no key stay", text: `{"a": 1} {} {1X} {a-b} ${ {`, vars: status, stamped: true, want: `{"a": 1} {} {1X} {a-b} ${ {`},
		{name: "keys are case-sensitive", text: "{stable_git_commit}", vars: status, stamped: true,
			wantErr: []string{"no workspace status value for {stable_git_commit}"}},
		{name: "stamped: an unknown key is an error naming it and the known ones", text: "{STABLE_GIT_COMMT}", vars: status, stamped: true,
			wantErr: []string{"no workspace status value for {STABLE_GIT_COMMT} (it has BUILD_USER, EMPTY, NESTED, STABLE_GIT_COMMIT)", "--workspace_status_command"}},
		{name: "stamped: every unknown key, once, sorted", text: "{B}{A}{STABLE_GIT_COMMIT}{B}", vars: status, stamped: true,
			wantErr: []string{"no workspace status value for {A}, {B} ("}},
		{name: "stamped with no values at all", text: "{X}", vars: map[string]string{}, stamped: true,
			wantErr: []string{"no workspace status value for {X}; add"}},
		{name: "unstamped: an unknown key stays as written", text: "{STABLE_GIT_COMMIT}-{app}", vars: map[string]string{}, want: "{STABLE_GIT_COMMIT}-{app}"},
		{name: "unstamped: given values still replace", text: "{app}/bin {REV}", vars: map[string]string{"app": "/nix/store/a-app"}, want: "/nix/store/a-app/bin {REV}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expander{Vars: tt.vars, Stamped: tt.stamped}.Expand(tt.text)
			if len(tt.wantErr) == 0 {
				if err != nil || got != tt.want {
					t.Errorf("Expand(%q) = %q, %v; want %q", tt.text, got, err, tt.want)
				}
				return
			}
			var missing *MissingError
			if err == nil || !errors.As(err, &missing) {
				t.Fatalf("Expand(%q) = %q, %v; want a MissingError", tt.text, got, err)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestHasKey(t *testing.T) {
	for text, want := range map[string]bool{
		"{STABLE_GIT_COMMIT}": true, "v-{x}": true, "{_}": true,
		"latest": false, "{}": false, "{1}": false, "{a-b}": false, "{": false, `{"a":1}`: false,
	} {
		if got := HasKey(text); got != want {
			t.Errorf("HasKey(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestReadStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stable := write("stable-status.txt", "STABLE_GIT_COMMIT 0123abcd\nBUILD_USER some one\nEMPTY\n\nSHARED stable\n")
	volatile := write("volatile-status.txt", "BUILD_TIMESTAMP 1700000000\nSHARED volatile")
	for _, tt := range []struct {
		name    string
		files   []string
		want    map[string]string
		wantErr string
	}{
		{name: "none", want: map[string]string{}},
		{name: "the value is the rest of the line, possibly empty; a later file wins", files: []string{stable, volatile}, want: map[string]string{
			"STABLE_GIT_COMMIT": "0123abcd", "BUILD_USER": "some one", "EMPTY": "", "BUILD_TIMESTAMP": "1700000000", "SHARED": "volatile"}},
		{name: "a missing file", files: []string{stable, filepath.Join(dir, "absent.txt")}, wantErr: "absent.txt"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadStatus(tt.files...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ReadStatus = %v, %v; want an error naming %s", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadStatus = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
