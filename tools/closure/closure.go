// Package closure reads and writes closure.json: the runtime closure of one or more Nix store paths,
// each with the narHash, narSize and references that `nix path-info --json -r` reports. The image
// step plans layers from this file and keys its cache on the narHashes, so it must be complete
// (closed under references) and canonical (sorted), which Validate and Write enforce.
package closure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/google/renameio/v2"
)

// Path is one store path of a closure.
type Path struct {
	Path       string   `json:"path"`
	NarHash    string   `json:"narHash"`
	NarSize    int64    `json:"narSize"`
	References []string `json:"references"`
	// Deriver is the derivation that built the path, when Nix knows it: what realises the path again
	// on a machine whose store lacks it.
	Deriver string `json:"deriver,omitempty"`
}

// Closure is a set of store paths closed under references, sorted by path.
type Closure struct {
	Paths []Path `json:"paths"`
}

// pathInfo is one entry of `nix path-info --json`; nix 2.8 has a "path" field, later versions key
// the entries by path instead.
type pathInfo struct {
	Path       string   `json:"path"`
	NarHash    string   `json:"narHash"`
	NarSize    int64    `json:"narSize"`
	References []string `json:"references"`
	Deriver    string   `json:"deriver"`
}

// ParsePathInfo parses the output of `nix path-info --json -r` in any of its shapes: nix 2.8's JSON
// array of objects with a "path" field; nix 2.34's object keyed by store path (its default, which
// it calls --json-format 1); and --json-format 2's {"info": {...}, "storeDir": ...}, which names
// paths and references by their base names.
func ParsePathInfo(data []byte) (*Closure, error) {
	data = bytes.TrimSpace(data)
	var infos []pathInfo
	switch {
	case len(data) > 0 && data[0] == '[':
		if err := json.Unmarshal(data, &infos); err != nil {
			return nil, fmt.Errorf("parsing nix path-info list: %w", err)
		}
	case len(data) > 0 && data[0] == '{':
		var v2 struct {
			Info     map[string]*pathInfo `json:"info"`
			StoreDir string               `json:"storeDir"`
		}
		if err := json.Unmarshal(data, &v2); err == nil && v2.Info != nil && v2.StoreDir != "" {
			var err error
			if infos, err = fromMap(v2.Info, v2.StoreDir); err != nil {
				return nil, err
			}
			break
		}
		var byPath map[string]*pathInfo
		if err := json.Unmarshal(data, &byPath); err != nil {
			return nil, fmt.Errorf("parsing nix path-info object: %w", err)
		}
		var err error
		if infos, err = fromMap(byPath, ""); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("nix path-info output is neither a JSON list nor a JSON object")
	}
	c := &Closure{}
	for _, info := range infos {
		refs := append([]string(nil), info.References...)
		c.Paths = append(c.Paths, Path{Path: info.Path, NarHash: info.NarHash, NarSize: info.NarSize, References: refs, Deriver: info.Deriver})
	}
	c.normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// fromMap turns entries keyed by path into a list; with storeDir set, keys and references are base
// names in that store directory.
func fromMap(byPath map[string]*pathInfo, storeDir string) ([]pathInfo, error) {
	full := func(p string) string {
		if storeDir == "" || strings.HasPrefix(p, "/") {
			return p
		}
		return storeDir + "/" + p
	}
	var infos []pathInfo
	for p, info := range byPath {
		if info == nil {
			// nix prints null for a path that is not valid in the store.
			return nil, fmt.Errorf("nix path-info: %s is not valid in the store", full(p))
		}
		info.Path = full(p)
		for i, r := range info.References {
			info.References[i] = full(r)
		}
		if info.Deriver != "" {
			info.Deriver = full(info.Deriver)
		}
		infos = append(infos, *info)
	}
	return infos, nil
}

// normalize sorts paths and references so the same closure always serializes to the same bytes.
func (c *Closure) normalize() {
	for i := range c.Paths {
		if c.Paths[i].References == nil {
			c.Paths[i].References = []string{}
		}
		sort.Strings(c.Paths[i].References)
	}
	sort.Slice(c.Paths, func(i, j int) bool { return c.Paths[i].Path < c.Paths[j].Path })
}

// Validate checks that every path is an absolute store path with a hash and size, that all paths
// live in one store directory, that no path appears twice, and that every reference is in the closure.
func (c *Closure) Validate() error {
	if len(c.Paths) == 0 {
		return errors.New("closure is empty")
	}
	seen := make(map[string]bool, len(c.Paths))
	storeDir := ""
	for _, p := range c.Paths {
		if !path.IsAbs(p.Path) || path.Clean(p.Path) != p.Path || path.Base(p.Path) == p.Path {
			return fmt.Errorf("%q is not an absolute store path", p.Path)
		}
		if storeDir == "" {
			storeDir = path.Dir(p.Path)
		} else if path.Dir(p.Path) != storeDir {
			return fmt.Errorf("%s is not in the store directory %s of the other paths", p.Path, storeDir)
		}
		if seen[p.Path] {
			return fmt.Errorf("%s appears twice", p.Path)
		}
		seen[p.Path] = true
		if p.NarHash == "" {
			return fmt.Errorf("%s has no narHash", p.Path)
		}
		if p.NarSize < 0 {
			return fmt.Errorf("%s has a negative narSize", p.Path)
		}
	}
	for _, p := range c.Paths {
		for _, r := range p.References {
			if !seen[r] {
				return fmt.Errorf("closure is not closed under references: %s references %s, which is missing", p.Path, r)
			}
		}
	}
	return nil
}

// StoreDir is the store directory the closure's paths live in, e.g. /nix/store.
func (c *Closure) StoreDir() string {
	return path.Dir(c.Paths[0].Path)
}

// Lookup returns the entry for a store path.
func (c *Closure) Lookup(p string) (Path, bool) {
	i := sort.Search(len(c.Paths), func(i int) bool { return c.Paths[i].Path >= p })
	if i < len(c.Paths) && c.Paths[i].Path == p {
		return c.Paths[i], true
	}
	return Path{}, false
}

// Of returns the closure of the given roots within c: the roots and every path they reach.
func (c *Closure) Of(roots []string) (*Closure, error) {
	keep := map[string]bool{}
	stack := append([]string(nil), roots...)
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if keep[p] {
			continue
		}
		info, ok := c.Lookup(p)
		if !ok {
			return nil, fmt.Errorf("%s is not in the closure", p)
		}
		keep[p] = true
		stack = append(stack, info.References...)
	}
	out := &Closure{}
	for _, p := range c.Paths {
		if keep[p.Path] {
			out.Paths = append(out.Paths, p)
		}
	}
	return out, nil
}

// Read reads and validates a closure.json file.
func Read(file string) (*Closure, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading closure: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("closure %s: %w", file, err)
	}
	return c, nil
}

// Parse parses and validates the contents of a closure.json file.
func Parse(data []byte) (*Closure, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Closure
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	c.normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Marshal renders the closure canonically: sorted, indented, with a trailing newline.
func (c *Closure) Marshal() ([]byte, error) {
	c.normalize()
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Write writes the closure to file atomically: a reader never sees half a file.
func (c *Closure) Write(file string) error {
	data, err := c.Marshal()
	if err != nil {
		return fmt.Errorf("encoding closure: %w", err)
	}
	if err := renameio.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("writing closure: %w", err)
	}
	return nil
}
