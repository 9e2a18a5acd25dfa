package ocimeta

import (
	"reflect"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/pyproject"
)

func TestFromProject(t *testing.T) {
	tests := []struct {
		name string
		m    pyproject.Metadata
		want map[string]string
	}{
		{"everything", pyproject.Metadata{Name: "flask-app", Version: "0.1.0", Description: "A service", License: "MIT",
			URLs: map[string]string{"homepage": "https://h", "repository": "https://r", "sourcecode": "https://sc"}},
			map[string]string{Title: "flask-app", Version: "0.1.0", Description: "A service", Licenses: "MIT", URL: "https://h", Source: "https://r"}},
		{"source before its aliases", pyproject.Metadata{Name: "a", URLs: map[string]string{"source": "https://s", "github": "https://g"}},
			map[string]string{Title: "a", Source: "https://s"}},
		{"nothing given, no keys", pyproject.Metadata{}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromProject(&tt.m); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFromStatus(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want map[string]string
	}{
		{"Bazel's own keys only", map[string]string{"BUILD_TIMESTAMP": "1700000000", "BUILD_HOST": "h"},
			map[string]string{Created: "2023-11-14T22:13:20Z"}},
		{"STABLE_GIT_COMMIT before BUILD_SCM_REVISION", map[string]string{"STABLE_GIT_COMMIT": "abc", "BUILD_SCM_REVISION": "def"},
			map[string]string{Revision: "abc"}},
		{"BUILD_SCM_REVISION", map[string]string{"BUILD_SCM_REVISION": "def"}, map[string]string{Revision: "def"}},
		{"scp-like remote", map[string]string{"STABLE_GIT_REMOTE_URL": "git@github.com:acme/app.git"},
			map[string]string{Source: "https://github.com/acme/app"}},
		{"ssh remote", map[string]string{"STABLE_REPO_URL": "ssh://git@github.com/acme/app.git"},
			map[string]string{Source: "https://github.com/acme/app"}},
		{"credentials dropped", map[string]string{"STABLE_GIT_URL": "https://x-access-token:secret@github.com/acme/app"},
			map[string]string{Source: "https://github.com/acme/app"}},
		{"empty", map[string]string{}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromStatus(tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := FromStatus(map[string]string{"BUILD_TIMESTAMP": "yesterday"}); err == nil || err.Error() != `workspace status BUILD_TIMESTAMP "yesterday": want Unix seconds` {
		t.Errorf("bad BUILD_TIMESTAMP: error %v", err)
	}
}

func TestMerge(t *testing.T) {
	derived := map[string]string{Title: "app", Version: "1.0", Revision: "abc"}
	labels := map[string]string{Version: "2.0", "team": "x"}
	annotations := map[string]string{Revision: "{STABLE_GIT_COMMIT}"}
	gotLabels, gotAnnotations := Merge(derived, labels, annotations)
	wantLabels := map[string]string{Title: "app", Version: "2.0", Revision: "{STABLE_GIT_COMMIT}", "team": "x"}
	wantAnnotations := map[string]string{Title: "app", Version: "2.0", Revision: "{STABLE_GIT_COMMIT}"}
	if !reflect.DeepEqual(gotLabels, wantLabels) {
		t.Errorf("labels = %v, want %v", gotLabels, wantLabels)
	}
	if !reflect.DeepEqual(gotAnnotations, wantAnnotations) {
		t.Errorf("annotations = %v, want %v", gotAnnotations, wantAnnotations)
	}
	if len(labels) != 2 || len(annotations) != 1 {
		t.Errorf("Merge changed its arguments: %v %v", labels, annotations)
	}
}
