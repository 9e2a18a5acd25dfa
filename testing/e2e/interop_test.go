package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/nixpy/rules_nixpy/tools/ocitest"
	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

const interopBuild = `load("//rules:defs.bzl", "nix_image", "py_nix_image")
load(":layout_dir.bzl", "layout_dir")

# As rules_oci's oci_pull gives a pulled image: its files copied into one directory, a tree artifact.
layout_dir(
    name = "pulled",
    dir = "pulled",
    srcs = glob(["pulled/**"]),
)

# A multi-platform layout, as ` + "`crane pull --format=oci`" + ` leaves one, given as its files.
filegroup(
    name = "multi",
    srcs = glob(["multi/**"]),
)

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    base = ":pulled",
    nixpkgs = "//testing/nixpkgs",
    pyproject = "pyproject.toml",
)

nix_image(
    name = "image_multi",
    base = ":multi",
    closure = ":image.closure",
)

filegroup(
    name = "not_a_layout",
    srcs = ["pyproject.toml"],
)

nix_image(
    name = "image_bad",
    base = ":not_a_layout",
    closure = ":image.closure",
)
`

// layoutDirBzl is a plain rule, not rules_nixpy's, writing a tree artifact of the files under dir.
const layoutDirBzl = `def _layout_dir_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name + "_layout")
    prefix = ctx.label.package + "/" + ctx.attr.dir + "/"
    args = ctx.actions.args()
    args.add(out.path)
    for f in ctx.files.srcs:
        args.add(f.path)
        args.add(f.short_path.removeprefix(prefix))
    ctx.actions.run_shell(
        outputs = [out],
        inputs = ctx.files.srcs,
        arguments = [args],
        command = 'out=$1; shift; while [ $# -gt 0 ]; do mkdir -p "$out/$(dirname "$2")"; cp "$1" "$out/$2"; shift 2; done',
    )
    return [DefaultInfo(files = depset([out]))]

layout_dir = rule(
    implementation = _layout_dir_impl,
    attrs = {"dir": attr.string(), "srcs": attr.label_list(allow_files = True)},
)
`

// baseImage is a one-layer image as a registry would serve it, for os/arch, whose layer holds file.
func baseImage(t *testing.T, arch, file, text string) v1.Image {
	t.Helper()
	dir, _ := filepath.Split(file)
	layer := tarLayer(t, func(tw *tar.Writer) {
		tw.WriteHeader(&tar.Header{Name: dir, Typeflag: tar.TypeDir, Mode: 0o755})
		tw.WriteHeader(&tar.Header{Name: file, Mode: 0o644, Size: int64(len(text))})
		tw.Write([]byte(text))
	})
	return platformImage(t, arch, []string{"BASE=" + arch}, layer)
}

// tarLayer is an OCI layer of the entries write puts in its tar.
func tarLayer(t *testing.T, write func(*tar.Writer)) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	write(tw)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return layer
}

// platformImage is an OCI image for linux/arch with env and the layers.
func platformImage(t *testing.T, arch string, env []string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	cfg, _ := img.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Config.Env = env
	img, err := mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.AppendLayers(img, layers...); err != nil {
		t.Fatal(err)
	}
	return img
}

// writeBaseLayout writes an OCI layout of the images at dir, each descriptor with its platform as oci_pull
// writes it.
func writeBaseLayout(t *testing.T, dir string, images ...v1.Image) {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range images {
		cfg, _ := img.ConfigFile()
		if err := p.AppendImage(img, layout.WithPlatform(*cfg.Platform())); err != nil {
			t.Fatal(err)
		}
	}
}

// TestForeignBaseAndOCIConsumers builds nix_image on bases no rules_nixpy rule made: a tree artifact of a
// layout with one image as oci_pull writes it, and the files of a multi-platform layout (arm64 and amd64
// images); a base without an index.json fails at analysis. Both images start with the base's layer, their
// layouts pass ocitest.CheckLayout (what rules_oci and rules_img expect of one), and the image target's
// default output is the one directory rules_oci's allow_single_file attributes take. Then rules_oci's push
// (crane push of the directory, by index.json's manifests[0] digest) and its load (a docker archive of that
// manifest's blobs, docker load) are done as its scripts do them: the loaded image holds the base's file
// and answers. The output group oci_tarball is the same layout as one tar file.
func TestForeignBaseAndOCIConsumers(t *testing.T) {
	ws := workspace(t)
	pkg := scratchPackage(t, "interop", interopBuild)
	dir := filepath.Join(ws, pkg)
	if err := os.WriteFile(filepath.Join(dir, "layout_dir.bzl"), []byte(layoutDirBzl), 0o644); err != nil {
		t.Fatal(err)
	}
	pulled := baseImage(t, "amd64", "base/hello.txt", "hello from a rules_oci base\n")
	writeBaseLayout(t, filepath.Join(dir, "pulled"), pulled)
	arm := baseImage(t, "arm64", "base/arm.txt", "arm64\n")
	amd := baseImage(t, "amd64", "base/amd.txt", "amd64\n")
	writeBaseLayout(t, filepath.Join(dir, "multi"), arm, amd)

	image, multi := "//"+pkg+":image", "//"+pkg+":image_multi"
	bazel(t, ws, "build", "--output_groups=+digest,+oci_tarball", image, multi)
	bin := strings.TrimSpace(bazel(t, ws, "info", "bazel-bin"))
	layoutDir := filepath.Join(bin, pkg, "image.oci")
	for name, base := range map[string]v1.Image{"image": pulled, "image_multi": amd} {
		out := filepath.Join(bin, pkg, name+".oci")
		if err := ocitest.CheckLayout(out); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		var m struct{ Layers []struct{ Digest string } }
		readManifest(t, out, &m)
		baseLayers, _ := base.Layers()
		want, _ := baseLayers[0].Digest()
		if len(m.Layers) < 2 || m.Layers[0].Digest != want.String() {
			t.Errorf("%s: layers %v, want the base's %s first", name, m.Layers, want)
		}
	}
	if _, err := bazelResult(ws, "build", "--nobuild", "//"+pkg+":image_bad"); err == nil || !strings.Contains(err.Error(), "gives 1 files, 0 of them index.json") {
		t.Errorf("a base that is no OCI layout: %v", err)
	}
	unpacked := untar(t, filepath.Join(bin, pkg, "image.oci.tar"))
	if err := ocitest.CheckLayout(unpacked); err != nil {
		t.Errorf("image.oci.tar (output group oci_tarball): %v", err)
	}
	if a, b := readFile(t, filepath.Join(unpacked, "index.json")), readFile(t, filepath.Join(layoutDir, "index.json")); a != b {
		t.Errorf("image.oci.tar's index.json differs from image.oci's:\n%s\n%s", a, b)
	}
	files := strings.Fields(bazel(t, ws, "cquery", "--output=files", image))
	if len(files) != 1 || !strings.HasSuffix(files[0], pkg+"/image.oci") {
		t.Errorf("%s's default outputs are %v, want the layout directory alone (rules_oci's allow_single_file)", image, files)
	}

	// rules_oci's push.sh: DIGEST=$(jq -r '.manifests[0].digest' index.json); crane push DIR REPO@DIGEST.
	var index v1.IndexManifest
	readJSON(t, filepath.Join(layoutDir, "index.json"), &index)
	digest := index.Manifests[0].Digest.String()
	if built := bazelBin(t, ws, pkg+"/image.digest"); built != digest {
		t.Errorf("image.digest (output group digest) = %s, index.json names %s", built, digest)
	}
	reg := registrytest.Start(t, false)
	ref := reg.Host + "/interop@" + digest
	registrytest.Crane(t, "push", "--insecure", layoutDir, ref)
	if got := registrytest.Crane(t, "digest", "--insecure", ref); got != digest {
		t.Errorf("crane digest %s = %s", ref, got)
	}

	// rules_oci's load (format docker): manifest.json, the config and the layers as blobs/sha256/HEX.tar.gz.
	tag := "nixpy-interop:e2e"
	dockerLoadLikeRulesOCI(t, layoutDir, digest, tag)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	id, err := exec.Command("docker", "create", tag).Output()
	if err != nil {
		t.Fatalf("docker create %s: %v", tag, err)
	}
	container := strings.TrimSpace(string(id))
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", container).Run() })
	got, err := exec.Command("docker", "cp", container+":/base/hello.txt", "-").Output()
	if err != nil || !strings.Contains(string(got), "hello from a rules_oci base") {
		t.Errorf("docker cp /base/hello.txt from the loaded image: %q, %v", got, err)
	}
	if body := runAndGet(t, tag, "8080/tcp", "/"); !strings.Contains(body, `"message":"hello from rules_nixpy"`) {
		t.Errorf("the container answered %q", body)
	}
}

// dockerLoadLikeRulesOCI loads the image of index.json's manifests[0] into Docker as rules_oci's oci_load
// does (tarball.sh.tpl, format docker): a tar of manifest.json, blobs/sha256/CONFIG and each layer as
// blobs/sha256/HEX.tar.gz, from the layout's files.
func dockerLoadLikeRulesOCI(t *testing.T, dir, digest, tag string) {
	t.Helper()
	blob := func(d string) string { return filepath.Join(dir, "blobs", strings.Replace(d, ":", "/", 1)) }
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	readJSON(t, blob(digest), &m)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name, file string, data []byte) {
		if file != "" {
			var err error
			if data, err = os.ReadFile(file); err != nil {
				t.Fatal(err)
			}
		}
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data))})
		tw.Write(data)
	}
	config := "blobs/" + strings.Replace(m.Config.Digest, ":", "/", 1)
	add(config, blob(m.Config.Digest), nil)
	var layers []string
	for _, l := range m.Layers {
		name := "blobs/" + strings.Replace(l.Digest, ":", "/", 1) + ".tar.gz"
		add(name, blob(l.Digest), nil)
		layers = append(layers, name)
	}
	manifest, _ := json.Marshal([]map[string]any{{"Config": config, "RepoTags": []string{tag}, "Layers": layers}})
	add("manifest.json", "", manifest)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	load := exec.Command("docker", "load")
	load.Stdin = &buf
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
}

// untar unpacks a tar file of regular files and directories into a temporary directory.
func untar(t *testing.T, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		out.Close()
	}
}

const mergedUsrBuild = `load("//rules:defs.bzl", "nixpy_load", "py_nix_image")
load(":layout_dir.bzl", "layout_dir")

layout_dir(
    name = "merged",
    dir = "merged",
    srcs = glob(["merged/**"]),
)

py_nix_image(
    name = "image",
    srcs = glob(["src/**"]),
    base = ":merged",
    nixpkgs = "//testing/nixpkgs",
    packages = ["bashInteractive"],
    pyproject = "pyproject.toml",
)

nixpy_load(
    name = "load",
    image = ":image",
    repo_tags = ["TAG"],
)
`

// TestPackagesOnMergedUsrBase: on a base with Debian's merged /usr (/bin a link to usr/bin, the programs
// in /usr/bin), an image with packages keeps /bin the base's link: the base's programs still run as
// /bin/NAME, and the packages' programs (bash as /bin/sh) are found there too, through the link.
func TestPackagesOnMergedUsrBase(t *testing.T) {
	ws := workspace(t)
	tag := fmt.Sprintf("nixpy-e2e-mergedusr:%d", os.Getpid())
	pkg := scratchPackage(t, "mergedusr", strings.Replace(mergedUsrBuild, "TAG", tag, 1))
	dir := filepath.Join(ws, pkg)
	if err := os.WriteFile(filepath.Join(dir, "layout_dir.bzl"), []byte(layoutDirBzl), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("nix-build", filepath.Join(ws, "testing/nixpkgs"), "-A", "busybox", "--no-out-link").Output()
	if err != nil {
		t.Fatalf("nix-build testing/nixpkgs -A busybox: %v", err)
	}
	busybox, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "bin", "busybox"))
	if err != nil {
		t.Fatal(err)
	}
	layer := tarLayer(t, func(tw *tar.Writer) {
		for _, h := range []*tar.Header{
			{Name: "usr/", Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: "usr/bin/", Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: "usr/bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(busybox))},
			{Name: "usr/bin/readlink", Typeflag: tar.TypeSymlink, Linkname: "busybox"},
			{Name: "bin", Typeflag: tar.TypeSymlink, Linkname: "usr/bin"},
		} {
			tw.WriteHeader(h)
			if h.Size > 0 {
				tw.Write(busybox)
			}
		}
	})
	base := platformImage(t, "amd64", nil, layer)
	writeBaseLayout(t, filepath.Join(dir, "merged"), base)

	bazel(t, ws, "run", "//"+pkg+":load")
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	run := func(entrypoint string, args ...string) string {
		out, err := exec.Command("docker", append([]string{"run", "--rm", "--entrypoint", entrypoint, tag}, args...)...).CombinedOutput()
		if err != nil {
			t.Errorf("docker run --entrypoint %s %s %v: %v\n%s", entrypoint, tag, args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := run("/bin/readlink", "/bin"); got != "usr/bin" {
		t.Errorf("/bin in the image links to %q, want the base's usr/bin", got)
	}
	if got := run("/bin/busybox", "echo", "base program"); got != "base program" {
		t.Errorf("the base's /bin/busybox printed %q", got)
	}
	if got := run("/bin/sh", "-c", "echo $BASH_VERSION"); !strings.HasPrefix(got, "5.") {
		t.Errorf("/bin/sh -c 'echo $BASH_VERSION' printed %q, want bashInteractive's 5.x", got)
	}
}
