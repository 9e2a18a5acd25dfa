package ociimage

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/nixpy/rules_nixpy/tools/layertar"
)

// maxLinkHops bounds the symlinks followed for one path, as the kernel's ELOOP limit does.
const maxLinkHops = 40

// BaseSymlinks reads the symlinks of the image for system (see Platform) in the OCI layout dir, as
// baseSymlinks does, for Options.BaseLinks.
func BaseSymlinks(dir, system string) (map[string]string, error) {
	plat, err := Platform(system)
	if err != nil {
		return nil, err
	}
	base, _, err := readBase(dir, plat)
	if err != nil {
		return nil, err
	}
	links, err := baseSymlinks(base)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", dir, err)
	}
	return links, nil
}

// baseSymlinks reads the symlinks a base image's filesystem ends with, by path without a leading slash,
// applying its layers bottom first as an engine does: whiteouts and opaque directories remove what lower
// layers hold, and any entry below a path makes that path a directory.
func baseSymlinks(base v1.Image) (map[string]string, error) {
	links := map[string]string{}
	layers, err := base.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the base image's layers: %w", err)
	}
	for i, l := range layers {
		if err := applyLayerLinks(links, l); err != nil {
			return nil, fmt.Errorf("reading layer %d of the base image: %w", i+1, err)
		}
	}
	return links, nil
}

type layerEntry struct {
	name, link string
	symlink    bool
}

func applyLayerLinks(links map[string]string, l v1.Layer) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	var removed []string
	var opaque []string
	var entries []layerEntry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		name := strings.Trim(path.Clean("/"+h.Name), "/")
		if name == "" {
			continue
		}
		dir, base := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		switch {
		case base == ".wh..wh..opq":
			opaque = append(opaque, dir)
		case strings.HasPrefix(base, ".wh."):
			removed = append(removed, path.Join(dir, strings.TrimPrefix(base, ".wh.")))
		default:
			entries = append(entries, layerEntry{name: name, link: h.Linkname, symlink: h.Typeflag == tar.TypeSymlink})
		}
	}
	// A layer's whiteouts apply to the layers below it, so before its own entries.
	for _, p := range removed {
		deleteTree(links, p)
	}
	for _, dir := range opaque {
		for p := range links {
			if dir == "" || strings.HasPrefix(p, dir+"/") {
				delete(links, p)
			}
		}
	}
	for _, e := range entries {
		for dir := path.Dir(e.name); dir != "."; dir = path.Dir(dir) {
			delete(links, dir)
		}
		if e.symlink {
			links[e.name] = e.link
		} else {
			delete(links, e.name)
		}
	}
	return nil
}

func deleteTree(links map[string]string, p string) {
	for q := range links {
		if q == p || strings.HasPrefix(q, p+"/") {
			delete(links, q)
		}
	}
}

// resolveParents returns name with its parent directories resolved through the base's symlinks, so an
// entry goes where the base's filesystem puts it: with a merged /usr (/bin -> usr/bin), bin/sh becomes
// usr/bin/sh, which leaves the base's /bin a link; writing bin/sh itself would make /bin a directory
// holding only the image's own entries and hide every program of the base's /usr/bin behind it. The last
// component is kept, so an entry replaces a link of the base at its own path.
func resolveParents(name string, links map[string]string) (string, error) {
	dir, base := path.Split(strings.Trim(name, "/"))
	resolved, err := resolveDir(strings.TrimSuffix(dir, "/"), links, 0)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return strings.TrimPrefix(path.Join(resolved, base), "/"), nil
}

func resolveDir(dir string, links map[string]string, hops int) (string, error) {
	cur := ""
	for _, part := range strings.Split(dir, "/") {
		if part == "" {
			continue
		}
		next := path.Join(cur, part)
		target, ok := links[next]
		if !ok {
			cur = next
			continue
		}
		if hops++; hops > maxLinkHops {
			return "", fmt.Errorf("more than %d symlinks of the base image to follow", maxLinkHops)
		}
		if !path.IsAbs(target) {
			target = path.Join("/", cur, target)
		}
		resolved, err := resolveDir(strings.Trim(path.Clean(target), "/"), links, hops)
		if err != nil {
			return "", err
		}
		cur = resolved
	}
	return cur, nil
}

// throughBase moves entries to where the base's symlinked directories put them. Two entries that land on
// one path keep the first: the root layer lists its own files before the packages' links.
func throughBase(entries []layertar.Entry, links map[string]string) ([]layertar.Entry, error) {
	if len(links) == 0 {
		return entries, nil
	}
	out := make([]layertar.Entry, 0, len(entries))
	seen := map[string]bool{}
	for _, e := range entries {
		name, err := resolveParents(e.Name, links)
		if err != nil {
			return nil, fmt.Errorf("placing %s on the base image: %w", e.Name, err)
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		e.Name = name
		out = append(out, e)
	}
	return out, nil
}
