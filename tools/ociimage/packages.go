package ociimage

import (
	"archive/tar"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/layertar"
)

// Package is an extra nixpkgs package of the image (nix_image's packages): the attribute path it was
// built from and its store path, which the closure holds.
type Package struct {
	Attr string `json:"attr"`
	Path string `json:"path"`
}

// conventionalPlaces are the files a package provides that programs look for at fixed places: an image
// gets a link at each place from the first package (in the order given) that has the file, as a
// distribution's root would have them. dockerTools.caCertificates links the same three CA bundle names.
var conventionalPlaces = []struct{ place, rel string }{
	{"etc/ssl/certs/ca-bundle.crt", "etc/ssl/certs/ca-bundle.crt"},
	{"etc/ssl/certs/ca-certificates.crt", "etc/ssl/certs/ca-bundle.crt"},
	{"etc/pki/tls/certs/ca-bundle.crt", "etc/ssl/certs/ca-bundle.crt"},
	{"usr/share/zoneinfo", "share/zoneinfo"},
}

// shells are the programs /bin/sh links to when no package has a bin/sh of its own, in order.
var shells = []string{"bash", "dash", "busybox"}

// packageRoot is what the root layer holds for the packages: /bin/NAME linking to every program in a
// package's bin/ (the first package having a name wins), /bin/sh, the conventional places, and the
// environment that goes with them (PATH, TZDIR), except where skip (the user's --symlink paths) already
// decides a path.
type packageRoot struct {
	entries []layertar.Entry
	env     []string
}

func packageEntries(pkgs []Package, diskDir string, skip func(string) bool) (packageRoot, error) {
	var root packageRoot
	bins := map[string]string{}
	var names []string
	for _, p := range pkgs {
		dir := filepath.Join(diskDir, path.Base(p.Path), "bin")
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return root, fmt.Errorf("package %s (%s): %w", p.Attr, p.Path, err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
				continue
			}
			if _, ok := bins[e.Name()]; !ok {
				bins[e.Name()] = p.Path + "/bin/" + e.Name()
				names = append(names, e.Name())
			}
		}
	}
	if _, ok := bins["sh"]; !ok {
		for _, sh := range shells {
			if target, ok := bins[sh]; ok {
				bins["sh"] = target
				names = append(names, "sh")
				break
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if !skip("/bin/" + n) {
			root.entries = append(root.entries, layertar.Entry{Name: "bin/" + n, Type: tar.TypeSymlink, Linkname: bins[n]})
		}
	}
	for _, c := range conventionalPlaces {
		if skip("/" + c.place) {
			continue
		}
		for _, p := range pkgs {
			if _, err := os.Stat(filepath.Join(diskDir, path.Base(p.Path), c.rel)); err == nil {
				root.entries = append(root.entries, layertar.Entry{Name: c.place, Type: tar.TypeSymlink, Linkname: p.Path + "/" + c.rel})
				if c.place == "usr/share/zoneinfo" {
					root.env = append(root.env, "TZDIR=/usr/share/zoneinfo")
				}
				break
			}
		}
	}
	if len(names) > 0 {
		root.env = append(root.env, "PATH=/bin:/usr/bin")
	}
	return root, nil
}
