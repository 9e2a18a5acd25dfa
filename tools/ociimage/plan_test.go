package ociimage

import (
	"reflect"
	"runtime"
	"slices"
	"testing"

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
	opts.Expand(map[string]string{"app": "/nix/store/a-app", "REV": "abc"})
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
		opts.Expand(map[string]string{"app": top})
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
