package layering

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Explain writes the plan as text: each layer from the bottom, its size, why it sits where it does,
// then its paths with their sizes and popularity.
func (p *Plan) Explain(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%d store paths in %d layers, bottom first\n", p.Total, len(p.Layers))
	for i, l := range p.Layers {
		name := fmt.Sprintf("layer %d", i+1)
		if l.Top {
			name = "top layer"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d paths\t%s\n", name, HumanSize(l.Size), len(l.Entries), l.Reason)
		for _, e := range l.Entries {
			fmt.Fprintf(tw, "  %s\t%s\tneeded by %d\n", e.Path, HumanSize(e.Size), e.Popularity)
		}
	}
	return tw.Flush()
}

// HumanSize renders a byte count with a binary unit, e.g. 1.5 MiB.
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
