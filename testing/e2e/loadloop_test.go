package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLoadLoop is the inner loop on a copy of examples/flask_app: `bazel run //:load`, a source edit, `bazel run
// //:load` again, and the container answers with the edit. Loading builds plain layer tars (NixPyImageLayerTar):
// no compressed layer (NixPyImageLayer) and no layout (NixPyImage) ever runs for it, the edit rewrites one tar,
// the engine gets that layer alone, and the image ID is the one of the image //:image builds for push. A second
// load of the same image sends nothing.
func TestLoadLoop(t *testing.T) {
	ws := exampleCopy(t, "flask_app", "load_loop")
	// A message of this run only, so no earlier run left the image or its top layer in the engine.
	source := filepath.Join(ws, "src/flask_app/__init__.py")
	message := fmt.Sprintf("hello from the load loop %d", time.Now().UnixNano())
	replaceIn(t, source, "hello from examples/flask_app", message)
	// A tag of this test's own: the example's flask-app:latest is TestExampleFlaskApp's.
	const tag = "nixpy-e2e/load-loop:latest"
	replaceIn(t, filepath.Join(ws, "BUILD.bazel"), `repo_tags = ["flask-app:latest"]`, `repo_tags = ["`+tag+`"]`)
	t.Cleanup(func() { exec.Command("docker", "rmi", "--force", tag).Run() })
	logs := t.TempDir()
	load := func(step string) (ran []string, stderr string) {
		t.Helper()
		logPath := filepath.Join(logs, step+".json")
		out, stderr, err := bazelStreams(ws, "run", "--execution_log_json_file="+logPath, "//:load")
		if err != nil {
			t.Fatalf("%s: bazel run //:load: %v", step, err)
		}
		if !strings.HasPrefix(strings.TrimSpace(out), "sha256:") {
			t.Fatalf("%s: //:load printed %q, want an image ID", step, out)
		}
		return executed(t, logPath), stderr
	}

	// The scratch workspace's output base may be warm from an earlier run: at least the top layer's tar is new.
	ran, _ := load("first")
	wantRuns(t, "first load", ran, map[string]int{"NixPyImageLayer": 0, "NixPyImage": 0})
	if count(ran, "NixPyImageLayerTar") == 0 {
		t.Errorf("the first load wrote no plain layer tar; it ran %v", ran)
	}
	wantExampleAnswer(t, runAndGet(t, tag, "8080/tcp", "/"), message)

	edited := message + " edited"
	replaceIn(t, source, message, edited)
	ran, stderr := load("source-edit")
	wantRuns(t, "source edit", ran, map[string]int{"NixBuild": 1, "NixPyImagePlan": 1, "NixPyImageLayerTar": 1,
		"NixPyImageLayer": 0, "NixPyImage": 0, "NixPyTranslate": 0})
	sent := regexp.MustCompile(`sent (\d+) of (\d+) layers`).FindStringSubmatch(stderr)
	if sent == nil || sent[1] != "1" {
		t.Errorf("after a source edit, nixpy load said %v, want 1 layer sent (the application's); stderr:\n%s", sent, tail(stderr, 20))
	}
	wantExampleAnswer(t, runAndGet(t, tag, "8080/tcp", "/"), edited)

	// The loaded image is the pushed one: //:image's config is the engine's image ID.
	bazel(t, ws, "build", "//:image")
	var m struct{ Config struct{ Digest string } }
	readManifest(t, filepath.Join(strings.TrimSpace(bazel(t, ws, "info", "bazel-bin")), "image.oci"), &m)
	if id := imageID(t, tag); id != m.Config.Digest {
		t.Errorf("the loaded image's ID is %s, //:image's config %s", id, m.Config.Digest)
	}

	ran, stderr = load("again")
	if len(ran) != 0 || !strings.Contains(stderr, "sent 0 of") || !strings.Contains(stderr, "layers, 0 bytes") {
		t.Errorf("a second load ran %v and said:\n%s\nwant nothing run and 0 bytes sent", ran, tail(stderr, 20))
	}
}

// imageID is the engine's image ID of an image.
func imageID(t *testing.T, image string) string {
	t.Helper()
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", image).CombinedOutput()
	if err != nil {
		t.Fatalf("docker image inspect %s: %v\n%s", image, err, out)
	}
	return strings.TrimSpace(string(out))
}
