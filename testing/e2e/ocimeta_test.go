package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExampleOCIMetadata: examples/flask_app built with --stamp carries the standard org.opencontainers.image.*
// values, pyproject.toml's and the workspace status's, as manifest annotations and config labels; built
// without --stamp it has none of them and the digest of every other unstamped build.
func TestExampleOCIMetadata(t *testing.T) {
	dir := exampleDir(t, "flask_app")
	status := filepath.Join(t.TempDir(), "status.sh")
	script := "#!/bin/sh\necho STABLE_GIT_COMMIT 0123abcd\necho STABLE_GIT_REMOTE_URL https://x-access-token:secret@github.com/acme/flask-app.git\n"
	if err := os.WriteFile(status, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	build := func(flags ...string) (digest string, annotations, labels map[string]string) {
		t.Helper()
		bazel(t, dir, append([]string{"build", "--output_groups=+digest", "//:image"}, flags...)...)
		layout := filepath.Join(strings.TrimSpace(bazel(t, dir, "info", "bazel-bin")), "image.oci")
		var manifest struct {
			Config      struct{ Digest string }
			Annotations map[string]string
		}
		readManifest(t, layout, &manifest)
		var config struct {
			Config struct{ Labels map[string]string } `json:"config"`
		}
		readJSON(t, blobPath(layout, manifest.Config.Digest), &config)
		return bazelBin(t, dir, "image.digest"), manifest.Annotations, config.Config.Labels
	}

	before := time.Now().Add(-time.Minute).UTC()
	unstamped, annotations, labels := build()
	if len(annotations) != 0 || len(labels) != 0 {
		t.Errorf("unstamped image: annotations %v, labels %v, want none", annotations, labels)
	}

	stamped, annotations, labels := build("--stamp", "--workspace_status_command="+status)
	if stamped == unstamped {
		t.Errorf("stamped digest %s is the unstamped one", stamped)
	}
	want := map[string]string{
		"org.opencontainers.image.title":       "flask-app",
		"org.opencontainers.image.version":     "0.1.0",
		"org.opencontainers.image.description": "A small Flask service, built into an OCI image by rules_nixpy from uv.lock",
		"org.opencontainers.image.revision":    "0123abcd",
		"org.opencontainers.image.source":      "https://github.com/acme/flask-app",
	}
	for what, got := range map[string]map[string]string{"manifest annotation": annotations, "config label": labels} {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("stamped %s %s = %q, want %q", what, k, got[k], v)
			}
		}
		created, err := time.Parse(time.RFC3339, got["org.opencontainers.image.created"])
		if err != nil || created.Before(before) || created.After(time.Now().Add(time.Minute)) {
			t.Errorf("stamped %s created = %q (%v), want this build's BUILD_TIMESTAMP in RFC 3339", what, got["org.opencontainers.image.created"], err)
		}
		if len(got) != len(want)+1 {
			t.Errorf("stamped %ss = %v, want only the derived ones", what, got)
		}
	}

	if again, annotations, _ := build(); again != unstamped || annotations["org.opencontainers.image.revision"] != "" {
		t.Errorf("unstamped rebuild: digest %s (was %s), revision %q: want the same digest and no revision", again, unstamped, annotations["org.opencontainers.image.revision"])
	}
}
