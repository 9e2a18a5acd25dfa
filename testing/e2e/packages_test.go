package e2e

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExamplePackages: examples/flask_app built with packages = ["bashInteractive", "coreutils", "cacert"] loads
// into Docker, and a shell in the running container finds the programs on PATH and the CA bundle at its
// conventional place; the image stays within max_layers, and its interpreter layer, with every layer below the
// packages' own, is the very layer of the image without packages (examples/flask_app's own //:image). A package nixpkgs lacks fails the build naming it.
func TestExamplePackages(t *testing.T) {
	src := exampleDir(t, "flask_app")
	files := map[string]string{}
	for _, name := range []string{"pyproject.toml", "uv.lock"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	tag := fmt.Sprintf("nixpy-e2e-packages:%d", os.Getpid())
	build := scratchFlaskBuild(`lock = "uv.lock",
    packages = ["bashInteractive", "coreutils", "cacert"]`)
	files["BUILD.bazel"] = strings.Replace(build, `"py_nix_image")`, `"nixpy_load", "py_nix_image")`, 1) + `
py_nix_image(
    name = "missing",
    srcs = glob(["src/**/*.py"]),
    lock = "uv.lock",
    nixpkgs = "@rules_nixpy//testing/nixpkgs",
    packages = ["coreutils", "bashInteractivee"],
    pyproject = "pyproject.toml",
    python = "3.11",
)

nixpy_load(
    name = "load",
    image = ":image",
    repo_tags = ["` + tag + `"],
)
`
	ws, pkg := exampleScratch(t, files)

	stderr := exampleBuildFails(t, ws, "//"+pkg+":missing")
	if !strings.Contains(stderr, "nixpkgs has no attribute bashInteractivee") {
		t.Errorf("bazel's stderr does not name the missing package bashInteractivee:\n%s", stderr)
	}

	start := time.Now()
	bazel(t, ws, "build", "//:image", "//"+pkg+":image")
	t.Logf("built //:image and //%s:image in %s", pkg, time.Since(start).Round(time.Second))
	if id := strings.TrimSpace(bazel(t, ws, "run", "//"+pkg+":load")); !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("//%s:load printed %q, want an image ID", pkg, id)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })

	bin := strings.TrimSpace(bazel(t, ws, "info", "bazel-bin"))
	layers := exampleLayers(t, filepath.Join(bin, pkg, "image.oci"))
	if len(layers) > 12 {
		t.Errorf("the image has %d layers, more than max_layers (12)", len(layers))
	}
	// The layers below the packages' and the root layer are the image's without packages, in the same order.
	plain := exampleLayers(t, filepath.Join(bin, "image.oci"))
	if len(layers) != len(plain)+1 {
		t.Errorf("%d layers with packages, %d without: want one more, the packages' own", len(layers), len(plain))
	} else {
		for i, l := range plain[:len(plain)-2] {
			if layers[i].Digest != l.Digest {
				t.Errorf("layer %d is %s with packages, %s without", i, layers[i].Digest, l.Digest)
			}
		}
		if layers[len(layers)-1].Digest != plain[len(plain)-1].Digest {
			t.Errorf("the application's layer differs with packages")
		}
	}
	with := interpreterLayer(t, filepath.Join(bin, pkg, "image.oci"))
	without := interpreterLayer(t, filepath.Join(bin, "image.oci"))
	if with != without {
		t.Errorf("the interpreter's layer is %s with packages, %s without: want the same layer", with, without)
	}
	found := false
	for _, l := range layers {
		found = found || l.Digest == with
	}
	if !found {
		t.Errorf("the interpreter's layer %s is not in the image's manifest %v", with, layers)
	}

	// The application serves as before; a shell in its container has the packages.
	body := runAndGet(t, tag, "8080/tcp", "/")
	wantExampleAnswer(t, body, "hello from examples/flask_app")
	name := runningContainer(t, tag)
	out, err := exec.Command("docker", "exec", name, "sh", "-c", "ls / && cat /etc/ssl/certs/ca-bundle.crt | head -1").CombinedOutput()
	if err != nil {
		t.Fatalf("docker exec %s sh -c ...: %v\n%s", name, err, out)
	}
	for _, want := range []string{"bin\n", "etc\n", "nix\n", "-----BEGIN CERTIFICATE-----"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("docker exec printed %q, want %q in it", out, want)
		}
	}
	out, err = exec.Command("docker", "exec", name, "sh", "-c", `echo "$PATH $SSL_CERT_FILE"; command -v ls; readlink /bin/sh`).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "/bin:/usr/bin /nix/store/") || !strings.Contains(string(out), "/bin/ls\n") ||
		!strings.Contains(string(out), "-bash-interactive-") {
		t.Errorf("docker exec: PATH, SSL_CERT_FILE, ls and /bin/sh: %v\n%s", err, out)
	}
}

// interpreterLayer is the digest of the layer of the OCI layout that holds the interpreter's store path. It
// reads the layout's blobs, a top-level output: the plan's layer specs are intermediate outputs, which Bazel
// leaves unfetched after a cache hit (Bazel 7 downloads only top-level outputs by default).
func interpreterLayer(t *testing.T, layout string) string {
	t.Helper()
	for _, l := range exampleLayers(t, layout) {
		f, err := os.Open(filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(l.Digest, "sha256:")))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			t.Fatalf("layer %s: %v", l.Digest, err)
		}
		tr := tar.NewReader(zr)
		found := false
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				t.Fatalf("layer %s: %v", l.Digest, err)
			}
			if strings.Contains(h.Name, "-python3-3.11") {
				found = true
				break
			}
		}
		f.Close()
		if found {
			return l.Digest
		}
	}
	t.Fatalf("no layer of %s holds the interpreter", layout)
	return ""
}

// runningContainer is the name of the one running container of image (runAndGet's).
func runningContainer(t *testing.T, image string) string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "--filter", "ancestor="+image, "--format", "{{.Names}}").Output()
	names := strings.Fields(string(out))
	if err != nil || len(names) != 1 {
		t.Fatalf("docker ps --filter ancestor=%s: %v %q, want one container", image, err, out)
	}
	return names[0]
}
