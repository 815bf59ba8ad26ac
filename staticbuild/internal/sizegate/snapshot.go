package sizegate

import (
	"fmt"
	"os"

	"github.com/magestatic/magestatic/verify/pkgsize"
)

// Snapshot measures bins and returns the baseline of project that
// WriteBaseline records: per binary and platform, the file size and the
// code of the topN largest packages, followed by an Other line for the
// rest. A topN of zero or less keeps every package. The limits of bins
// play no part.
func Snapshot(project string, bins []Binary, topN int) (*Baseline, error) {
	b := &Baseline{Project: project, Entries: make(map[Key]Entry)}
	for _, bin := range bins {
		k := bin.Key()
		if err := checkName(bin.Name); err != nil {
			return nil, fmt.Errorf("size baseline: %s (%s): %w", bin.Path, bin.Platform, err)
		}
		if _, dup := b.Entries[k]; dup {
			return nil, fmt.Errorf("size baseline: binary %s is given twice for %s", bin.Name, bin.Platform)
		}
		if err := checkPlatform(bin.Platform); err != nil {
			return nil, fmt.Errorf("size baseline: binary %s: %w", bin.Name, err)
		}
		st, err := os.Stat(bin.Path)
		if err != nil {
			return nil, fmt.Errorf("size baseline: %s: %w", k, err)
		}
		bd, err := pkgsize.Read(bin.Path)
		if err != nil {
			return nil, fmt.Errorf("size baseline: %s: %w", k, err)
		}
		e := Entry{Size: st.Size(), Packages: bd.Packages}
		if topN > 0 && len(bd.Packages) > topN {
			var rest int64
			for _, p := range bd.Packages[topN:] {
				rest += p.Bytes
			}
			e.Packages = append(bd.Packages[:topN:topN], pkgsize.Package{Path: Other, Bytes: rest})
		}
		if err := checkEntry(k, e); err != nil {
			return nil, fmt.Errorf("size baseline: %w", err)
		}
		b.Entries[k] = e
	}
	return b, nil
}
