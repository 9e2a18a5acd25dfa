package ociimage

import (
	"archive/tar"
	"bytes"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/nixpy/rules_nixpy/tools/layertar"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

// tarLayer makes a layer of headers: "name" a directory when it ends in /, "name->target" a symlink,
// anything else an empty file.
func tarLayer(t *testing.T, names ...string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		h := &tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644}
		if name, target, ok := strings.Cut(n, "->"); ok {
			h = &tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}
		} else if strings.HasSuffix(n, "/") {
			h = &tar.Header{Name: n, Typeflag: tar.TypeDir, Mode: 0o755}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func imageOf(t *testing.T, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// mergedUsr is a base image with Debian's merged /usr: /bin, /sbin and /lib link into /usr.
func mergedUsr(t *testing.T) v1.Image {
	return imageOf(t, tarLayer(t, "./", "./usr/", "./usr/bin/", "./usr/bin/bash", "./usr/lib/", "./usr/sbin/",
		"./bin->usr/bin", "./sbin->usr/sbin", "./lib->usr/lib", "./var/", "./var/run->/run", "./etc/", "./etc/ssl/", "./etc/ssl/certs/"))
}

func TestBaseSymlinks(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]string
		want   map[string]string
	}{
		{"merged usr", [][]string{{"usr/", "usr/bin/", "bin->usr/bin", "lib64->/usr/lib64", "etc/alternatives/", "etc/alternatives/awk->/usr/bin/mawk"}},
			map[string]string{"bin": "usr/bin", "lib64": "/usr/lib64", "etc/alternatives/awk": "/usr/bin/mawk"}},
		{"a later layer's file replaces a link", [][]string{{"bin->usr/bin", "sbin->usr/sbin"}, {"sbin"}},
			map[string]string{"bin": "usr/bin"}},
		{"an entry below a link makes it a directory", [][]string{{"bin->usr/bin", "lib->usr/lib"}, {"lib/libc.so"}},
			map[string]string{"bin": "usr/bin"}},
		{"whiteouts remove lower links, not the layer's own", [][]string{{"bin->usr/bin", "opt/a->x", "opt/b->y"}, {"opt/c->z", ".wh.bin", "opt/.wh..wh..opq"}},
			map[string]string{"opt/c": "z"}},
		{"whiteout of a directory removes the links below it", [][]string{{"etc/alternatives/awk->/usr/bin/mawk", "bin->usr/bin"}, {"etc/.wh.alternatives"}},
			map[string]string{"bin": "usr/bin"}},
		{"a later layer links again", [][]string{{"bin/", "bin/sh"}, {".wh.bin", "bin->usr/bin"}},
			map[string]string{"bin": "usr/bin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var layers []v1.Layer
			for _, names := range tt.layers {
				layers = append(layers, tarLayer(t, names...))
			}
			got, err := baseSymlinks(imageOf(t, layers...))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("links = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResolveParents(t *testing.T) {
	links := map[string]string{
		"bin": "usr/bin", "sbin": "/usr/sbin", "usr/local/bin": "../bin", "var/run": "/run",
		"loop/a": "b", "loop/b": "a", "deep": "usr/local/bin",
	}
	tests := []struct{ name, want, err string }{
		{"bin/sh", "usr/bin/sh", ""},
		{"/bin/sh", "usr/bin/sh", ""},
		{"bin", "bin", ""},
		{"sbin/init", "usr/sbin/init", ""},
		{"usr/local/bin/tool", "usr/bin/tool", ""},
		{"deep/tool", "usr/bin/tool", ""},
		{"var/run/app.pid", "run/app.pid", ""},
		{"etc/ssl/certs/ca-bundle.crt", "etc/ssl/certs/ca-bundle.crt", ""},
		{"tmp", "tmp", ""},
		{"loop/a/x", "", "more than 40 symlinks"},
	}
	for _, tt := range tests {
		got, err := resolveParents(tt.name, links)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("resolveParents(%q): err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolveParents(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

// TestPackagesOnMergedUsrBase: on a base whose /bin links to usr/bin, the packages' programs go into
// /usr/bin, so /bin stays the base's link and the base's own programs stay on PATH; the first entry for a
// path wins (the root layer's /usr/bin/env over coreutils' bin/env).
func TestPackagesOnMergedUsrBase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "base")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(mergedUsr(t)); err != nil {
		t.Fatal(err)
	}
	s := storetest.New(t)
	bash := s.Add(t, "bbbbbbbb-bash-interactive", nil, []storetest.File{{Name: "bin/bash", Data: "bash", Mode: 0o555}})
	coreutils := s.Add(t, "cccccccc-coreutils", nil, []storetest.File{
		{Name: "bin/ls", Data: "ls", Mode: 0o555}, {Name: "bin/env", Data: "env", Mode: 0o555}})
	app := s.Add(t, "aaaaaaaa-app", nil, []storetest.File{{Name: "bin/app", Data: "app", Mode: 0o555}})
	opts := Options{Closure: s.Closure(t), Top: app, DiskDir: s.Dir, MaxLayers: DefaultMaxLayers, Base: dir,
		Packages: []Package{{"bashInteractive", bash}, {"coreutils", coreutils}},
		Symlinks: []Symlink{{Path: "/sbin/app", Target: app + "/bin/app"}}}
	planned, err := Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]layertar.Entry{}
	for _, l := range planned.Layers {
		for _, e := range l.Extra {
			if _, dup := names[e.Name]; dup {
				t.Errorf("%s twice in the image's entries", e.Name)
			}
			names[e.Name] = e
		}
	}
	for _, want := range []string{"usr/bin/bash", "usr/bin/ls", "usr/bin/sh", "usr/bin/env", "usr/sbin/app", "tmp"} {
		if _, ok := names[want]; !ok {
			t.Errorf("no entry %s among %v", want, slices.Sorted(maps.Keys(names)))
		}
	}
	for name := range names {
		if name == "bin" || strings.HasPrefix(name, "bin/") || strings.HasPrefix(name, "sbin/") {
			t.Errorf("entry %s would turn the base's /bin or /sbin link into a directory", name)
		}
	}
	if e := names["usr/bin/env"]; e.Linkname != coreutils+"/bin/env" {
		t.Errorf("usr/bin/env -> %s, want coreutils' env", e.Linkname)
	}

	// The links given (nixpy base-links' file) are used instead of the base's layers; without a base
	// nothing moves.
	given := opts
	given.BaseLinks = map[string]string{}
	noBase := opts
	noBase.Base = ""
	for name, o := range map[string]Options{"BaseLinks given": given, "no base": noBase} {
		if planned, err = Plan(o); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range planned.Layers[planned.RootLayer].Extra {
			found = found || e.Name == "bin/sh"
		}
		if !found {
			t.Errorf("%s: bin/sh is not in the root layer", name)
		}
	}
}
