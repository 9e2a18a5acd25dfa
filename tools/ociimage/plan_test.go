package ociimage

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/stamp"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

func TestPlatform(t *testing.T) {
	tests := []struct {
		system  string
		want    ImagePlatform
		wantErr bool
	}{
		{"x86_64-linux", ImagePlatform{OS: "linux", Architecture: "amd64"}, false},
		{"aarch64-linux", ImagePlatform{OS: "linux", Architecture: "arm64"}, false},
		{"armv7l-linux", ImagePlatform{OS: "linux", Architecture: "arm", Variant: "v7"}, false},
		{"", ImagePlatform{OS: "linux", Architecture: runtime.GOARCH}, false},
		{"aarch64-darwin", ImagePlatform{}, true},
		{"mips-linux", ImagePlatform{}, true},
		{"linux", ImagePlatform{}, true},
	}
	for _, tt := range tests {
		got, err := Platform(tt.system)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Platform(%q) = %+v, %v; want %+v (error %v)", tt.system, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestExpand(t *testing.T) {
	opts := Options{
		Entrypoint: []string{"{app}/bin/x", "{REV}"},
		Env:        []string{"A={app}", "B={NONE}"},
		Labels:     map[string]string{"rev": "{REV}"},
		Symlinks:   []Symlink{{Path: "/bin", Target: "{app}/bin"}},
		WorkDir:    "{app}",
	}
	if err := opts.Expand(stamp.Expander{Vars: map[string]string{"app": "/nix/store/a-app", "REV": "abc"}}); err != nil {
		t.Fatal(err)
	}
	want := Options{
		Entrypoint: []string{"/nix/store/a-app/bin/x", "abc"},
		Env:        []string{"A=/nix/store/a-app", "B={NONE}"},
		Labels:     map[string]string{"rev": "abc"},
		Symlinks:   []Symlink{{Path: "/bin", Target: "/nix/store/a-app/bin"}},
		WorkDir:    "/nix/store/a-app",
	}
	if !reflect.DeepEqual(opts, want) {
		t.Errorf("expanded %+v, want %+v", opts, want)
	}
}

// TestExpandStampedNamesOption: in a stamped build a {KEY} without a value is an error naming the option, as
// nix_image's attribute, and the value it is in.
func TestExpandStampedNamesOption(t *testing.T) {
	vars := map[string]string{"app": "/nix/store/a-app", "REV": "abc"}
	for _, tt := range []struct {
		name string
		opts Options
		want string
	}{
		{"entrypoint", Options{Entrypoint: []string{"{app}/bin/x", "--rev={REVV}"}}, `entrypoint "--rev={REVV}": no workspace status value for {REVV}`},
		{"cmd", Options{Cmd: []string{"{X}"}}, `cmd "{X}": no workspace status value for {X}`},
		{"env", Options{Env: []string{"A={app}", "B={NONE}"}}, `env "B={NONE}": no workspace status value for {NONE}`},
		{"ports", Options{Ports: []string{"{PORT}"}}, `ports "{PORT}": no`},
		{"label value", Options{Labels: map[string]string{"a": "{REV}", "rev": "{REVV}"}}, `labels["rev"] = "{REVV}": no workspace status value for {REVV}`},
		{"label key", Options{Labels: map[string]string{"{K}": "v"}}, `labels key "{K}": no`},
		{"annotation", Options{Annotations: map[string]string{"x": "{Y}"}}, `annotations["x"] = "{Y}": no`},
		{"symlink target", Options{Symlinks: []Symlink{{Path: "/bin", Target: "{APP}/bin"}}}, `symlinks["/bin"] = "{APP}/bin": no workspace status value for {APP}`},
		{"workdir", Options{WorkDir: "/srv/{REVV}"}, `workdir "/srv/{REVV}": no`},
		{"user", Options{User: "{U}"}, `user "{U}": no`},
		{"the first of several, in a fixed order", Options{Labels: map[string]string{"b": "{B}", "a": "{A}"}, User: "{U}"}, `labels["a"] = "{A}"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			unstamped := tt.opts
			if err := unstamped.Expand(stamp.Expander{Vars: vars}); err != nil {
				t.Errorf("unstamped: %v, want the text kept", err)
			}
			err := tt.opts.Expand(stamp.Expander{Vars: vars, Stamped: true})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("stamped: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestSymlinkIntoTopJoinsTopLayer: two builds of an application differ in its store path; a symlink into it
// sits in the top layer, so every layer below, the root layer among them, keeps its spec.
func TestSymlinkIntoTopJoinsTopLayer(t *testing.T) {
	s := storetest.New(t)
	lib := s.Add(t, "llllllll-lib", nil, []storetest.File{{Name: "lib/x", Data: "x"}})
	one := s.Add(t, "aaaaaaaa-app", []string{lib}, []storetest.File{{Name: "bin/app", Data: "1", Mode: 0o555}})
	two := s.Add(t, "bbbbbbbb-app", []string{lib}, []storetest.File{{Name: "bin/app", Data: "2", Mode: 0o555}})
	plan := func(top string) *Planned {
		c, err := s.Closure(t).Of([]string{top})
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Closure: c, Top: top, DiskDir: s.Dir, MaxLayers: 4, Symlinks: []Symlink{{Path: "/bin", Target: "{app}/bin"}, {Path: "/lib", Target: lib + "/lib"}}}
		if err := opts.Expand(stamp.Expander{Vars: map[string]string{"app": top}}); err != nil {
			t.Fatal(err)
		}
		p, err := Plan(opts)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := plan(one), plan(two)
	if len(a.Layers) != 3 || a.RootLayer != 1 {
		t.Fatalf("planned %d layers, root at %d; want lib, root, top", len(a.Layers), a.RootLayer)
	}
	if !reflect.DeepEqual(a.Layers[:2], b.Layers[:2]) {
		t.Errorf("the layers below the top differ between two builds of the application:\n%+v\n%+v", a.Layers[:2], b.Layers[:2])
	}
	top := a.Layers[2]
	if len(top.Extra) != 1 || top.Extra[0].Name != "/bin" || top.Extra[0].Linkname != one+"/bin" {
		t.Errorf("top layer entries %+v, want the /bin symlink", top.Extra)
	}
	var rootNames []string
	for _, e := range a.Layers[1].Extra {
		rootNames = append(rootNames, e.Name)
	}
	if !slices.Contains(rootNames, "/lib") || slices.Contains(rootNames, "/bin") {
		t.Errorf("root layer entries %v, want /lib and not /bin", rootNames)
	}
}
