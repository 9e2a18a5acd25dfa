package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReleaseWorkflow runs the release workflow's build step as GitHub would on a tag push (v0.1.0 of
// nixpy/rules_nixpy) and checks what the publish step uploads: a binary for linux and darwin, amd64 and arm64,
// a versions file pinning each with its GitHub download URL, the checksums and the source archive.
func TestReleaseWorkflow(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := RunSteps(filepath.Join(root, ".github", "workflows", "release.yml"), "release", map[string]string{
		"github.ref_name":   "v0.1.0",
		"github.repository": "nixpy/rules_nixpy",
		"github.token":      "token",
	})
	if err != nil {
		t.Fatal(err)
	}
	var uses []string
	var run []Step
	for _, s := range steps {
		if s.Uses != "" {
			uses = append(uses, s.Uses)
		} else {
			run = append(run, s)
		}
	}
	if want := []string{"actions/checkout@v4", "actions/setup-go@v5", "actions/attest-build-provenance@v2"}; !reflect.DeepEqual(uses, want) {
		t.Errorf("uses: steps = %q, want %q", uses, want)
	}
	if len(run) != 2 {
		t.Fatalf("%d run: steps, want the build and the publish step", len(run))
	}

	dist := filepath.Join(root, "dist")
	if err := os.RemoveAll(dist); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dist) })
	cmd := exec.Command("bash", "-e", "-c", run[0].Run)
	cmd.Dir = root
	cmd.Env = os.Environ()
	for k, v := range run[0].Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the build step failed: %v\n%s", err, out)
	}

	data, err := os.ReadFile(filepath.Join(dist, "versions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var versions struct {
		Version string            `json:"version"`
		URLs    []string          `json:"urls"`
		SHA256  map[string]string `json:"sha256"`
	}
	if err := json.Unmarshal(data, &versions); err != nil {
		t.Fatalf("versions.json: %v", err)
	}
	wantURL := "https://github.com/nixpy/rules_nixpy/releases/download/v{version}/nixpy_{platform}"
	if versions.Version != "0.1.0" || !reflect.DeepEqual(versions.URLs, []string{wantURL}) {
		t.Errorf("versions.json: version %q, urls %q; want 0.1.0 and [%s]", versions.Version, versions.URLs, wantURL)
	}
	for _, p := range []string{"darwin_amd64", "darwin_arm64", "linux_amd64", "linux_arm64"} {
		bin, err := os.ReadFile(filepath.Join(dist, "nixpy_"+p))
		if err != nil {
			t.Errorf("no binary for %s: %v", p, err)
			continue
		}
		if sum := sha256.Sum256(bin); hex.EncodeToString(sum[:]) != versions.SHA256[p] {
			t.Errorf("versions.json pins %s as %s, the binary is %x", p, versions.SHA256[p], sum)
		}
	}
	// Every file the publish step names exists.
	for _, field := range strings.Fields(run[1].Run) {
		if !strings.HasPrefix(field, "dist/") {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(root, field)); len(m) == 0 {
			t.Errorf("the publish step uploads %s, which the build step did not write", field)
		}
	}
}
