package layercache

import (
	"os"
	"testing"
	"time"

	"github.com/nixpy/rules_nixpy/tools/layertar"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

func TestKey(t *testing.T) {
	base := Spec{
		Layer:     layertar.Layer{StoreDir: "/nix/store", Paths: []string{"/nix/store/a-x", "/nix/store/b-y"}},
		NarHashes: map[string]string{"/nix/store/a-x": "sha256:1", "/nix/store/b-y": "sha256:2"},
	}
	baseKey, err := Key(base, layertar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		spec     func() Spec
		opts     layertar.Options
		wantSame bool
	}{
		{"same", func() Spec { return base }, layertar.Options{}, true},
		{"default level spelled out", func() Spec { return base }, layertar.Options{GzipLevel: layertar.DefaultGzipLevel}, true},
		{"disk dir does not matter", func() Spec { s := base; s.Layer.DiskDir = "/elsewhere"; return s }, layertar.Options{}, true},
		{"narHash", func() Spec {
			s := base
			s.NarHashes = map[string]string{"/nix/store/a-x": "sha256:1", "/nix/store/b-y": "sha256:3"}
			return s
		}, layertar.Options{}, false},
		{"mtime", func() Spec { return base }, layertar.Options{ModTime: time.Unix(1, 0)}, false},
		{"level", func() Spec { return base }, layertar.Options{GzipLevel: 9}, false},
		{"extra", func() Spec {
			s := base
			s.Layer.Extra = []layertar.Entry{{Name: "tmp", Type: '5', Mode: 0o1777}}
			return s
		}, layertar.Options{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Key(tt.spec(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if (k == baseKey) != tt.wantSame {
				t.Errorf("key equal = %v, want %v", k == baseKey, tt.wantSame)
			}
		})
	}
	missing := base
	missing.NarHashes = map[string]string{}
	if _, err := Key(missing, layertar.Options{}); err == nil {
		t.Error("a path without narHash got a key")
	}
}

func TestBuildAllHitsAndMisses(t *testing.T) {
	s := storetest.New(t)
	a := s.Add(t, "aaaa-a", nil, []storetest.File{{Name: "f", Data: "a"}})
	b := s.Add(t, "bbbb-b", nil, []storetest.File{{Name: "f", Data: "b"}})
	hashes := map[string]string{}
	for _, p := range s.Closure(t).Paths {
		hashes[p.Path] = p.NarHash
	}
	spec := func(p string) Spec {
		return Spec{Layer: layertar.Layer{StoreDir: storetest.StoreDir, DiskDir: s.Dir, Paths: []string{p}}, NarHashes: hashes, Size: 1}
	}
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.BuildAll([]Spec{spec(a), spec(b)}, layertar.Options{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.BuildAll([]Spec{spec(a), spec(b)}, layertar.Options{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range first {
		if first[i].Hit || !second[i].Hit {
			t.Errorf("layer %d: first hit %v, second hit %v; want a miss then a hit", i, first[i].Hit, second[i].Hit)
		}
		if first[i].Blob != second[i].Blob {
			t.Errorf("layer %d: cached blob %+v differs from built %+v", i, second[i].Blob, first[i].Blob)
		}
	}
	// A blob lost from the cache is rebuilt, not served.
	if err := os.Remove(second[0].File); err != nil {
		t.Fatal(err)
	}
	third, err := c.Build(spec(a), layertar.Options{})
	if err != nil || third.Hit || third.Blob != first[0].Blob {
		t.Errorf("after losing the blob: %+v, %v; want a rebuilt identical blob", third, err)
	}
	if _, err := c.BuildAll([]Spec{spec("/nix/store/cccc-gone")}, layertar.Options{}, 2); err == nil {
		t.Error("a layer of a path without narHash built")
	}
}
