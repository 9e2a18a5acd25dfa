package ociimage

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/storetest"
)

// TestTwoAppsShareLayers builds two applications on one "nixpkgs": the interpreter and the libraries
// both use must come out as byte-identical layers, so a registry stores them once.
func TestTwoAppsShareLayers(t *testing.T) {
	s := storetest.New(t)
	big := func(seed byte, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*int(seed+1)) ^ byte(i>>7)
		}
		return string(b)
	}
	glibc := s.Add(t, "gggggggg-glibc", nil, []storetest.File{{Name: "lib/libc.so", Data: big(1, 300<<10)}})
	openssl := s.Add(t, "oooooooo-openssl", []string{glibc}, []storetest.File{{Name: "lib/libssl.so", Data: big(2, 120<<10)}})
	python := s.Add(t, "pppppppp-python3", []string{glibc, openssl}, []storetest.File{{Name: "bin/python3", Data: big(3, 900<<10)}})
	flask := s.Add(t, "ffffffff-flask", []string{python}, []storetest.File{{Name: "lib/flask.py", Data: strings.Repeat("flask", 4000)}})
	requests := s.Add(t, "rrrrrrrr-requests", []string{python}, []storetest.File{{Name: "lib/requests.py", Data: strings.Repeat("requests", 3000)}})
	appA := s.Add(t, "aaaaaaaa-app-a", []string{python, flask}, []storetest.File{{Name: "bin/a", Data: "a", Mode: 0o555}})
	appB := s.Add(t, "bbbbbbbb-app-b", []string{python, requests}, []storetest.File{{Name: "bin/b", Data: "b", Mode: 0o555}})
	full := s.Closure(t)

	layersOf := func(top string, drop string) map[string][]string {
		c := *full
		c.Paths = nil
		for _, p := range full.Paths {
			if p.Path != drop && p.Path != appA && p.Path != appB || p.Path == top {
				c.Paths = append(c.Paths, p)
			}
		}
		res, err := Build(Options{Closure: &c, Top: top, DiskDir: s.Dir, MaxLayers: 6}, filepath.Join(t.TempDir(), "image"), "")
		if err != nil {
			t.Fatal(err)
		}
		byDigest := map[string][]string{}
		store := 0
		for i, l := range res.Layers {
			if i == res.RootLayer {
				continue
			}
			byDigest[l.Digest.String()] = res.Plan.Layers[store].Paths()
			store++
		}
		return byDigest
	}
	a := layersOf(appA, requests)
	b := layersOf(appB, flask)
	shared := map[string]bool{}
	for d, paths := range a {
		if _, ok := b[d]; ok {
			for _, p := range paths {
				shared[p] = true
			}
		}
	}
	for _, p := range []string{glibc, openssl, python} {
		if !shared[p] {
			t.Errorf("%s is not in a layer both images share; layers of A %v, of B %v", p, a, b)
		}
	}
}
