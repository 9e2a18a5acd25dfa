package ociimage

import (
	"archive/tar"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/storetest"
)

// TestPackagesInRootLayer: extra packages' programs are linked into /bin and put on PATH, /bin/sh is the
// shell's, the CA bundle and the time zones are linked at their conventional places, all in the root layer;
// the packages' store paths are planned with the rest of the closure.
func TestPackagesInRootLayer(t *testing.T) {
	s := storetest.New(t)
	glibc := s.Add(t, "gggggggg-glibc", nil, []storetest.File{{Name: "lib/libc.so.6", Data: strings.Repeat("c", 4000)}})
	bash := s.Add(t, "bbbbbbbb-bash-interactive", []string{glibc}, []storetest.File{
		{Name: "bin/bash", Data: "bash", Mode: 0o555}, {Name: "bin/sh", Symlink: "bash"}})
	coreutils := s.Add(t, "cccccccc-coreutils", []string{glibc}, []storetest.File{
		{Name: "bin/ls", Data: "ls", Mode: 0o555}, {Name: "bin/env", Data: "env", Mode: 0o555}, {Name: "bin/bash", Data: "not this one", Mode: 0o555}})
	cacert := s.Add(t, "dddddddd-nss-cacert", nil, []storetest.File{{Name: "etc/ssl/certs/ca-bundle.crt", Data: "-----BEGIN CERTIFICATE-----\n"}})
	tzdata := s.Add(t, "eeeeeeee-tzdata", nil, []storetest.File{{Name: "share/zoneinfo/UTC", Data: "TZif"}})
	app := s.Add(t, "aaaaaaaa-app", []string{glibc}, []storetest.File{{Name: "bin/app", Data: "app", Mode: 0o555}})
	pkgs := []Package{{"bashInteractive", bash}, {"coreutils", coreutils}, {"cacert", cacert}, {"tzdata", tzdata}}
	opts := Options{Closure: s.Closure(t), Top: app, DiskDir: s.Dir, MaxLayers: DefaultMaxLayers, BinEntrypoint: true,
		Env: []string{"LANG=C.UTF-8"}, Packages: pkgs}

	p, err := Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	if p.RootLayer < 0 {
		t.Fatal("no root layer of its own")
	}
	links := map[string]string{}
	for _, e := range p.Layers[p.RootLayer].Extra {
		if e.Type == tar.TypeSymlink {
			links["/"+e.Name] = e.Linkname
		}
	}
	for place, want := range map[string]string{
		"/bin/bash": bash + "/bin/bash", "/bin/sh": bash + "/bin/sh", "/bin/ls": coreutils + "/bin/ls",
		"/bin/env": coreutils + "/bin/env", "/usr/bin/env": coreutils + "/bin/env",
		"/etc/ssl/certs/ca-bundle.crt":       cacert + "/etc/ssl/certs/ca-bundle.crt",
		"/etc/ssl/certs/ca-certificates.crt": cacert + "/etc/ssl/certs/ca-bundle.crt",
		"/etc/pki/tls/certs/ca-bundle.crt":   cacert + "/etc/ssl/certs/ca-bundle.crt",
		"/usr/share/zoneinfo":                tzdata + "/share/zoneinfo",
	} {
		if links[place] != want {
			t.Errorf("root layer: %s -> %q, want %q", place, links[place], want)
		}
	}
	wantEnv := []string{"SSL_CERT_FILE=" + cacert + "/etc/ssl/certs/ca-bundle.crt", "TZDIR=/usr/share/zoneinfo", "PATH=/bin:/usr/bin", "LANG=C.UTF-8"}
	if !slices.Equal(p.Config.Env, wantEnv) {
		t.Errorf("env = %q, want %q", p.Config.Env, wantEnv)
	}
	if !slices.Equal(p.Config.Entrypoint, []string{app + "/bin/app"}) {
		t.Errorf("entrypoint = %q, want the app's", p.Config.Entrypoint)
	}
	planned := map[string]bool{}
	for _, l := range p.Layers {
		for _, sp := range l.Paths {
			planned[sp.Path] = true
		}
	}
	for _, pkg := range pkgs {
		if !planned[pkg.Path] {
			t.Errorf("package %s (%s) is in no layer", pkg.Attr, pkg.Path)
		}
	}
	if h := p.Config.History[p.RootLayer]; !strings.Contains(h, "bashInteractive, coreutils, cacert, tzdata") {
		t.Errorf("root layer history %q does not name the packages", h)
	}

	// The user's PATH and symlinks win; without a shell program there is no /bin/sh.
	opts.Env = []string{"PATH=/custom"}
	opts.Symlinks = []Symlink{{Path: "/usr/share/zoneinfo", Target: "/elsewhere"}}
	opts.Packages = []Package{{"cacert", cacert}, {"tzdata", tzdata}}
	p, err = Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Layers[p.RootLayer].Extra {
		if strings.HasPrefix(e.Name, "bin/") || (e.Name == "usr/share/zoneinfo" && e.Linkname != "/elsewhere") {
			t.Errorf("root layer has %s -> %s: no package program, and the user's symlink wins", e.Name, e.Linkname)
		}
	}
	if slices.ContainsFunc(p.Config.Env, func(kv string) bool { return strings.HasPrefix(kv, "PATH=/bin") || strings.HasPrefix(kv, "TZDIR=") }) {
		t.Errorf("env = %q: the user's PATH and zoneinfo link must win", p.Config.Env)
	}
}

// TestPackagesShareLayers: adding packages to an image leaves its store layers as they were (the interpreter's
// among them), the packages' own paths in one layer above them.
func TestPackagesShareLayers(t *testing.T) {
	s := storetest.New(t)
	big := func(n int) string { return strings.Repeat("x", n) }
	glibc := s.Add(t, "gggggggg-glibc", nil, []storetest.File{{Name: "lib/libc.so", Data: big(300 << 10)}})
	python := s.Add(t, "pppppppp-python3", []string{glibc}, []storetest.File{{Name: "bin/python3", Data: big(900 << 10)}})
	flask := s.Add(t, "ffffffff-flask", []string{python}, []storetest.File{{Name: "lib/flask.py", Data: big(20 << 10)}})
	bash := s.Add(t, "bbbbbbbb-bash", []string{glibc}, []storetest.File{{Name: "bin/bash", Data: big(120 << 10), Mode: 0o555}})
	coreutils := s.Add(t, "cccccccc-coreutils", []string{glibc}, []storetest.File{{Name: "bin/ls", Data: big(200 << 10), Mode: 0o555}})
	app := s.Add(t, "aaaaaaaa-app", []string{python, flask}, []storetest.File{{Name: "bin/app", Data: "app", Mode: 0o555}})
	full := s.Closure(t)
	without := *full
	without.Paths = nil
	for _, p := range full.Paths {
		if p.Path != bash && p.Path != coreutils {
			without.Paths = append(without.Paths, p)
		}
	}
	layerOf := func(p *Planned, path string) LayerSpec {
		for _, l := range p.Layers {
			for _, sp := range l.Paths {
				if sp.Path == path {
					return l
				}
			}
		}
		t.Fatalf("%s in no layer", path)
		return LayerSpec{}
	}
	a, err := Plan(Options{Closure: &without, Top: app, DiskDir: s.Dir, MaxLayers: DefaultMaxLayers})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Plan(Options{Closure: full, Top: app, DiskDir: s.Dir, MaxLayers: DefaultMaxLayers,
		Packages: []Package{{"bashInteractive", bash}, {"coreutils", coreutils}}})
	if err != nil {
		t.Fatal(err)
	}
	if x, y := layerOf(a, python), layerOf(b, python); !slices.Equal(x.Paths, y.Paths) {
		t.Errorf("the interpreter's layer differs: without packages %v, with %v", x.Paths, y.Paths)
	}
	// Every store layer of the image without packages is the same layer, at the same height, with them.
	for i, l := range a.Layers[:len(a.Layers)-2] {
		if !reflect.DeepEqual(l, b.Layers[i]) {
			t.Errorf("layer %d: %v without packages, %v with", i, l.Paths, b.Layers[i].Paths)
		}
	}
	if got := b.Layers[len(b.Layers)-3].Paths; len(got) != 2 || got[0].Path != bash || got[1].Path != coreutils {
		t.Errorf("the layer below the root layer holds %v, want the packages' own paths", got)
	}
	if len(b.Layers) > DefaultMaxLayers {
		t.Errorf("%d layers, more than %d", len(b.Layers), DefaultMaxLayers)
	}
}
