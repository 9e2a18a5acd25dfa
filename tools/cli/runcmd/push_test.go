package runcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReadTagsFile: nixpy push --tags-file skips, with the note nixpy_push always gave, the tags an unstamped
// build left a {KEY} in; other tags, braces that are no key among them, are pushed (and a registry judges them).
func TestReadTagsFile(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       []string
		wantNote   []string
	}{
		{name: "plain", text: "latest\nv1\n", want: []string{"latest", "v1"}},
		{name: "empty lines and spaces", text: "\n latest \n\n", want: []string{"latest"}},
		{name: "unstamped keys are skipped", text: "{STABLE_GIT_COMMIT}\nlatest\nv-{BUILD_TIMESTAMP}", want: []string{"latest"},
			wantNote: []string{
				"nixpy_push: not stamped, skipping tag {STABLE_GIT_COMMIT} (build with --stamp)",
				"nixpy_push: not stamped, skipping tag v-{BUILD_TIMESTAMP} (build with --stamp)"}},
		{name: "braces that are no key stay", text: "v{1}\n", want: []string{"v{1}"}},
		{name: "nothing", text: "", want: nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "tags.txt")
			if err := os.WriteFile(p, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			got, err := readTagsFile(p, &stderr)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readTagsFile = %q, %v; want %q", got, err, tt.want)
			}
			notes := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(tt.wantNote) == 0 && stderr.Len() > 0 || len(tt.wantNote) > 0 && !reflect.DeepEqual(notes, tt.wantNote) {
				t.Errorf("notes %q, want %q", stderr.String(), tt.wantNote)
			}
		})
	}
	if _, err := readTagsFile(filepath.Join(t.TempDir(), "absent.txt"), &bytes.Buffer{}); err == nil {
		t.Error("a missing tags file was read")
	}
}
