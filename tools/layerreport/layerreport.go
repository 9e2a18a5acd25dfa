// Package layerreport describes an image's layers for people: each layer's digest, size, store paths with
// their sizes, why the plan put it where it sits and what it shares with other images, as JSON (for tools)
// and Markdown (a table per layer, for a pull request or docs). nixpy plan writes the plan's half, before any
// layer is built; nixpy explain completes it from the assembled image's manifest.
package layerreport

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/nixpy/rules_nixpy/tools/layering"
)

// The kinds of layer.
const (
	KindBase     = "base"  // the base image's, below the plan's
	KindStore    = "store" // store paths grouped by popularity
	KindRoot     = "root"  // /tmp, /etc/passwd, links: no store path
	KindTop      = "top"   // the --top path alone
	rootWhy      = "the root entries (/tmp, /etc/passwd, /etc/group, /usr/bin/env, symlinks not into the top path), below the top so the store layers stay shared"
	baseWhy      = "the base image's layer, kept as it is"
	topRootNote  = "; the root entries (/tmp, /etc/passwd, ...) share it: max_layers leaves no room for their own"
	digestPrefix = "sha256:"
)

// Report is an image's layers, bottom first.
type Report struct {
	// Image names the image: a Bazel label or a file name.
	Image string `json:"image,omitempty"`
	// Digest is the image manifest's, once known.
	Digest string `json:"digest,omitempty"`
	// StorePaths counts the closure's store paths.
	StorePaths int     `json:"storePaths"`
	Layers     []Layer `json:"layers"`
}

// Layer is one layer of the image.
type Layer struct {
	// Index counts from 1 at the bottom, the base image's layers included.
	Index int    `json:"index"`
	Kind  string `json:"kind"`
	// Digest and Size are the compressed blob's, once the layer is built.
	Digest string `json:"digest,omitempty"`
	Size   int64  `json:"size,omitempty"`
	// StoreSize is the NAR size of its store paths, what it holds unpacked.
	StoreSize int64  `json:"storeSize"`
	Why       string `json:"why"`
	Paths     []Path `json:"paths,omitempty"`
	// SharedWith names the other images that have the layer, byte for byte: "base image" for a base's.
	SharedWith []string `json:"sharedWith,omitempty"`
}

// Path is one store path of a layer.
type Path struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// NeededBy counts the closure's paths that depend on it, itself included.
	NeededBy int `json:"neededBy"`
}

// FromPlan describes the plan's layers, bottom first, the root entries' own layer at rootLayer (-1: they
// share the top layer), as ociimage.Plan lays them out. Digests come later, from Complete.
func FromPlan(plan *layering.Plan, rootLayer int) *Report {
	r := &Report{StorePaths: plan.Total}
	for _, l := range plan.Layers {
		if l.Top && rootLayer >= 0 {
			r.Layers = append(r.Layers, Layer{Kind: KindRoot, Why: rootWhy})
		}
		layer := Layer{Kind: KindStore, StoreSize: l.Size, Why: l.Reason}
		if l.Top {
			layer.Kind = KindTop
			if rootLayer < 0 {
				layer.Why += topRootNote
			}
		}
		for _, e := range l.Entries {
			layer.Paths = append(layer.Paths, Path{Path: e.Path, Size: e.Size, NeededBy: e.Popularity})
		}
		r.Layers = append(r.Layers, layer)
	}
	for i := range r.Layers {
		r.Layers[i].Index = i + 1
	}
	return r
}

// Complete fills in the digests and sizes from the assembled image's manifest, whose last layers are the
// plan's and whose first ones, any, the base image's.
func (r *Report) Complete(image string, digest v1.Hash, m *v1.Manifest) error {
	base := len(m.Layers) - len(r.Layers)
	if base < 0 {
		return fmt.Errorf("the manifest has %d layers, fewer than the plan's %d", len(m.Layers), len(r.Layers))
	}
	layers := make([]Layer, 0, len(m.Layers))
	for i, d := range m.Layers {
		var l Layer
		if i < base {
			l = Layer{Kind: KindBase, Why: baseWhy, SharedWith: []string{"base image"}}
		} else {
			l = r.Layers[i-base]
		}
		l.Index, l.Digest, l.Size = i+1, d.Digest.String(), d.Size
		layers = append(layers, l)
	}
	r.Image, r.Digest, r.Layers = image, digest.String(), layers
	return nil
}

// MarkShared adds name to SharedWith of each layer whose digest is among digests (another image's layers).
func (r *Report) MarkShared(name string, digests []v1.Hash) {
	has := map[string]bool{}
	for _, d := range digests {
		has[d.String()] = true
	}
	for i := range r.Layers {
		if l := &r.Layers[i]; l.Digest != "" && has[l.Digest] && !contains(l.SharedWith, name) {
			l.SharedWith = append(l.SharedWith, name)
			sort.Strings(l.SharedWith)
		}
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadJSON reads a report WriteJSON wrote; name is the file named in errors.
func ReadJSON(name string, data []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

// WriteMarkdown writes the report as Markdown: an overview table, one row a layer, then a table per layer of
// its store paths with their sizes.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	title := "Layers"
	if r.Image != "" {
		title += " of " + code(r.Image)
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	var size, storeSize int64
	for _, l := range r.Layers {
		size += l.Size
		storeSize += l.StoreSize
	}
	if r.Digest != "" {
		fmt.Fprintf(&b, "Image %s: ", code(r.Digest))
	}
	fmt.Fprintf(&b, "%d layers, bottom first, %s compressed; %d store paths, %s unpacked.\n\n",
		len(r.Layers), layering.HumanSize(size), r.StorePaths, layering.HumanSize(storeSize))
	b.WriteString("| # | Kind | Digest | Size | Unpacked | Paths | Shared with |\n")
	b.WriteString("| ---: | :--- | :--- | ---: | ---: | ---: | :--- |\n")
	for _, l := range r.Layers {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %d | %s |\n", l.Index, l.Kind, code(short(l.Digest)),
			layering.HumanSize(l.Size), unpacked(l), len(l.Paths), cell(strings.Join(l.SharedWith, ", ")))
	}
	for _, l := range r.Layers {
		fmt.Fprintf(&b, "\n## Layer %d (%s)\n\n", l.Index, l.Kind)
		if l.Digest != "" {
			fmt.Fprintf(&b, "Digest %s, %s compressed.", code(l.Digest), layering.HumanSize(l.Size))
		}
		if len(l.Paths) > 0 {
			fmt.Fprintf(&b, " %s, %s unpacked.", count(len(l.Paths), "store path"), layering.HumanSize(l.StoreSize))
		}
		fmt.Fprintf(&b, " Why here: %s.", l.Why)
		if len(l.SharedWith) > 0 {
			fmt.Fprintf(&b, " Shared with: %s.", strings.Join(l.SharedWith, ", "))
		}
		b.WriteString("\n")
		if len(l.Paths) == 0 {
			continue
		}
		b.WriteString("\n| Store path | Size | Needed by |\n| :--- | ---: | ---: |\n")
		for _, p := range l.Paths {
			fmt.Fprintf(&b, "| %s | %s | %d |\n", code(p.Path), layering.HumanSize(p.Size), p.NeededBy)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// unpacked is the store paths' size, or a dash for a layer of none (a base's, the root entries').
func unpacked(l Layer) string {
	if len(l.Paths) == 0 {
		return "–"
	}
	return layering.HumanSize(l.StoreSize)
}

// count is n things, "1 store path", "2 store paths".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// short abbreviates a digest to the 12 hex digits people compare by eye.
func short(digest string) string {
	if hex, ok := strings.CutPrefix(digest, digestPrefix); ok && len(hex) > 12 {
		return hex[:12]
	}
	return digest
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

// cell escapes what would end a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
