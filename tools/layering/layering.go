// Package layering plans how a Nix closure is split into image layers.
//
// The plan follows dockerTools' "popularity contest" (nixpkgs references-by-popularity): a path that
// many other paths depend on changes rarely and is shared by many images, so it goes low. Unlike
// dockerTools, which gives each of the most popular paths its own layer and dumps the rest into the
// last one (104 layers for a small flask app), paths are grouped into at most a given number of
// layers of balanced size, and the --top path (the application) sits alone in the top layer so that
// a code edit changes one small layer. A store path is never split across layers.
package layering

import (
	"errors"
	"fmt"
	"math/bits"
	"sort"

	"github.com/nixpy/rules_nixpy/tools/closure"
)

// Entry is one store path in a layer, with what the plan knew about it.
type Entry struct {
	Path string
	Size int64
	// Popularity is how many paths of the closure depend on this one, itself included.
	Popularity int
}

// Layer is one planned layer: store paths in sorted order.
type Layer struct {
	Entries []Entry
	Size    int64
	// Top marks the layer holding only the --top path.
	Top bool
	// Reason says why the layer holds these paths at this height, for --explain.
	Reason string
}

// Paths returns the layer's store paths, sorted.
func (l Layer) Paths() []string {
	out := make([]string, len(l.Entries))
	for i, e := range l.Entries {
		out[i] = e.Path
	}
	return out
}

// Plan is the layers from bottom to top; the last one is the top path's.
type Plan struct {
	Layers []Layer
	// Total is the number of paths in the closure.
	Total int
}

// New plans the layers of a closure with the top path alone in the last layer and the other paths in
// at most maxStoreLayers layers below it. The result depends only on the closure and the arguments.
func New(c *closure.Closure, top string, maxStoreLayers int) (*Plan, error) {
	topInfo, ok := c.Lookup(top)
	if !ok {
		return nil, fmt.Errorf("top path %s is not in the closure", top)
	}
	pop, err := popularity(c)
	if err != nil {
		return nil, err
	}
	var rest []Entry
	for _, p := range c.Paths {
		if p.Path != top {
			rest = append(rest, Entry{Path: p.Path, Size: p.NarSize, Popularity: pop[p.Path]})
		}
	}
	if len(rest) > 0 && maxStoreLayers < 1 {
		return nil, errors.New("no layer left for the store paths below the top path")
	}
	// Popular first (low in the image), then large, then by name so equal scores order the same everywhere.
	sort.Slice(rest, func(i, j int) bool {
		a, b := rest[i], rest[j]
		if a.Popularity != b.Popularity {
			return a.Popularity > b.Popularity
		}
		if a.Size != b.Size {
			return a.Size > b.Size
		}
		return a.Path < b.Path
	})
	plan := &Plan{Total: len(c.Paths)}
	for _, group := range partition(rest, maxStoreLayers) {
		plan.Layers = append(plan.Layers, newLayer(group, len(c.Paths)))
	}
	plan.Layers = append(plan.Layers, Layer{
		Entries: []Entry{{Path: top, Size: topInfo.NarSize, Popularity: pop[top]}},
		Size:    topInfo.NarSize,
		Top:     true,
		Reason:  "the --top path, alone at the top: an edit to it changes only this layer",
	})
	return plan, nil
}

func newLayer(group []Entry, total int) Layer {
	l := Layer{Entries: append([]Entry(nil), group...)}
	minPop, maxPop := group[0].Popularity, group[0].Popularity
	for _, e := range group {
		l.Size += e.Size
		minPop = min(minPop, e.Popularity)
		maxPop = max(maxPop, e.Popularity)
	}
	sort.Slice(l.Entries, func(i, j int) bool { return l.Entries[i].Path < l.Entries[j].Path })
	switch {
	case len(group) == 1:
		l.Reason = fmt.Sprintf("alone: needed by %d of %d paths, and large enough to fill a layer", maxPop, total)
	case minPop == maxPop:
		l.Reason = fmt.Sprintf("grouped to balance sizes: each needed by %d of %d paths", maxPop, total)
	default:
		l.Reason = fmt.Sprintf("grouped to balance sizes: needed by %d to %d of %d paths", minPop, maxPop, total)
	}
	return l
}

// popularity counts for each path how many paths of the closure reach it through references,
// itself included: the more dependents, the more stable and widely shared the path is.
//
// A walk from every path costs the sum of all the paths' closures, quadratic for a large environment
// whose packages need each other. Instead, 64 paths at a time, each gets one bit and the bits flow down
// the references in topological order: one pass over the graph per 64 paths, with memory linear in it.
func popularity(c *closure.Closure) (map[string]int, error) {
	n := len(c.Paths)
	index := make(map[string]int, n)
	for i, p := range c.Paths {
		index[p.Path] = i
	}
	refs := make([][]int, n)
	parents := make([]int, n)
	for i, p := range c.Paths {
		for _, r := range p.References {
			// A path that references itself (common in Nix) is counted once, as itself.
			if j, ok := index[r]; ok && j != i {
				refs[i] = append(refs[i], j)
				parents[j]++
			}
		}
	}
	// Kahn's algorithm: referrers before what they reference.
	order := make([]int, 0, n)
	for i := range n {
		if parents[i] == 0 {
			order = append(order, i)
		}
	}
	for k := 0; k < len(order); k++ {
		for _, j := range refs[order[k]] {
			if parents[j]--; parents[j] == 0 {
				order = append(order, j)
			}
		}
	}
	if len(order) != n {
		for i := range n {
			if parents[i] > 0 {
				return nil, fmt.Errorf("closure references form a cycle through %s", c.Paths[i].Path)
			}
		}
	}
	count := make([]int, n)
	reached := make([]uint64, n)
	for first := 0; first < n; first += 64 {
		clear(reached)
		for b := 0; b < 64 && first+b < n; b++ {
			reached[first+b] = 1 << b
		}
		for _, i := range order {
			if reached[i] == 0 {
				continue
			}
			count[i] += bits.OnesCount64(reached[i])
			for _, j := range refs[i] {
				reached[j] |= reached[i]
			}
		}
	}
	pop := make(map[string]int, n)
	for i, p := range c.Paths {
		pop[p.Path] = count[i]
	}
	return pop, nil
}

// partition splits entries, in order, into at most n contiguous groups whose largest size is as
// small as it can be (the linear partition problem, by binary search on the largest size), so layers
// come out balanced and a large path ends up alone.
func partition(entries []Entry, n int) [][]Entry {
	if len(entries) == 0 {
		return nil
	}
	if len(entries) <= n {
		groups := make([][]Entry, len(entries))
		for i := range entries {
			groups[i] = entries[i : i+1]
		}
		return groups
	}
	var lo, hi int64
	for _, e := range entries {
		lo = max(lo, e.Size)
		hi += e.Size
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if len(pack(entries, mid)) <= n {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return pack(entries, lo)
}

// pack fills groups greedily in order, starting a new group when the next entry would exceed limit.
func pack(entries []Entry, limit int64) [][]Entry {
	var groups [][]Entry
	start := 0
	var size int64
	for i, e := range entries {
		if i > start && size+e.Size > limit {
			groups = append(groups, entries[start:i])
			start, size = i, 0
		}
		size += e.Size
	}
	return append(groups, entries[start:])
}

// NewWithPackages plans like New, for an image that also holds extra packages (roots in the closure that
// top does not need): top's own closure is planned as New plans it, with one store layer fewer, and the
// paths only the packages need go together into one layer above it, below the top path's. So an image
// with packages has the same bottom layers as the image without them (a node that pulled one reuses them
// for the other: Docker keys local layers on the chain below them too), and two images with the same
// packages share the packages' layer. With no such paths, or no layer to spare, it is New.
func NewWithPackages(c *closure.Closure, top string, maxStoreLayers int, packages []string) (*Plan, error) {
	if len(packages) == 0 || maxStoreLayers < 2 {
		return New(c, top, maxStoreLayers)
	}
	own, err := c.Of([]string{top})
	if err != nil {
		return nil, err
	}
	if _, err := c.Of(packages); err != nil {
		return nil, fmt.Errorf("packages: %w", err)
	}
	var extra []Entry
	pop, err := popularity(c)
	if err != nil {
		return nil, err
	}
	for _, p := range c.Paths {
		if _, ok := own.Lookup(p.Path); !ok {
			extra = append(extra, Entry{Path: p.Path, Size: p.NarSize, Popularity: pop[p.Path]})
		}
	}
	if len(extra) == 0 {
		return New(c, top, maxStoreLayers)
	}
	plan, err := New(own, top, maxStoreLayers-1)
	if err != nil {
		return nil, err
	}
	l := newLayer(extra, len(c.Paths))
	l.Reason = "the packages' own paths, together above the application's closure: the layers below are those of the image without packages"
	n := len(plan.Layers)
	plan.Layers = append(plan.Layers[:n-1:n-1], l, plan.Layers[n-1])
	plan.Total = len(c.Paths)
	return plan, nil
}
