package sizegate

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable writes results as a table for people, one row per binary:
// binary name, platform, size, budget, baseline size, change since the
// baseline, and status. Sizes are formatted by FormatSize; "-" marks no
// name, no budget or no baseline.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "BINARY\tPLATFORM\tSIZE\tBUDGET\tBASELINE\tDELTA\tSTATUS")
	for _, r := range results {
		name, size, budget, baseline, delta := r.Name, "-", "-", "-", "-"
		if name == "" {
			name = "-"
		}
		if r.Status != StatusError {
			size = FormatSize(r.Size)
		}
		if r.Limits.Budget > 0 {
			budget = FormatSize(r.Limits.Budget)
		}
		if r.Base != nil {
			baseline = FormatSize(r.Base.Size)
			sign := ""
			if r.Delta >= 0 {
				sign = "+"
			}
			delta = fmt.Sprintf("%s%s (%+.1f%%)", sign, FormatSize(r.Delta), float64(r.Delta)*100/float64(r.Base.Size))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, r.Platform, size, budget, baseline, delta, r.Status)
	}
	return tw.Flush()
}
