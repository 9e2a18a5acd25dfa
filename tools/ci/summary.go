package ci

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable prints one row per push target, then the totals.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tDIGEST\tRESULT\tBYTES UPLOADED")
	for _, img := range r.Images {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", img.Target, orDash(img.Digest), img.Status, uploaded(img))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, r.totals())
	return err
}

// WriteMarkdown prints the table as GitHub renders it in a job summary ($GITHUB_STEP_SUMMARY).
func (r *Result) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "### Images: %s..%s\n\n", short(r.Base), short(r.Head))
	fmt.Fprintln(w, "| Target | Digest | Result | Bytes uploaded |")
	fmt.Fprintln(w, "| :--- | :--- | :--- | ---: |")
	for _, img := range r.Images {
		digest := "-"
		if img.Digest != "" {
			digest = "`" + img.Digest + "`"
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", img.Target, digest, img.Status, uploaded(img))
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.totals())
	return err
}

func (r *Result) totals() string {
	n := r.Counts()
	var bytes int64
	for _, img := range r.Images {
		bytes += img.UploadedBytes
	}
	s := fmt.Sprintf("%d pushed, %d skipped", n[Pushed], n[Skipped])
	if n[WouldPush] > 0 {
		s += fmt.Sprintf(", %d would push", n[WouldPush])
	}
	if n[Failed]+n[NotReached] > 0 {
		s += fmt.Sprintf(", %d failed, %d not pushed", n[Failed], n[NotReached])
	}
	s += fmt.Sprintf("; %d bytes uploaded", bytes)
	if r.Why != "" {
		s += " (every image: " + r.Why + ")"
	}
	return s
}

func uploaded(img Image) string {
	if img.Status != Pushed {
		return "-"
	}
	return fmt.Sprintf("%d", img.UploadedBytes)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
