package sizegate

import (
	"fmt"
	"os"

	"github.com/magestatic/magestatic/verify/pkgsize"
)

// Snapshot measures bins and returns the baseline of project that
// WriteBaseline records: per platform, the file size and the code of the
// topN largest packages, followed by an Other line for the rest. A topN of
// zero or less keeps every package. The limits of bins play no part.
func Snapshot(project string, bins []Binary, topN int) (*Baseline, error) {
	b := &Baseline{Project: project, Platforms: make(map[string]Entry)}
	for _, bin := range bins {
		if _, dup := b.Platforms[bin.Platform]; dup {
			return nil, fmt.Errorf("size baseline: platform %s given twice", bin.Platform)
		}
		st, err := os.Stat(bin.Path)
		if err != nil {
			return nil, fmt.Errorf("size baseline: %s: %w", bin.Platform, err)
		}
		bd, err := pkgsize.Read(bin.Path)
		if err != nil {
			return nil, fmt.Errorf("size baseline: %s: %w", bin.Platform, err)
		}
		e := Entry{Size: st.Size(), Packages: bd.Packages}
		if topN > 0 && len(bd.Packages) > topN {
			var rest int64
			for _, p := range bd.Packages[topN:] {
				rest += p.Bytes
			}
			e.Packages = append(bd.Packages[:topN:topN], pkgsize.Package{Path: Other, Bytes: rest})
		}
		if err := checkEntry(bin.Platform, e); err != nil {
			return nil, fmt.Errorf("size baseline: %w", err)
		}
		b.Platforms[bin.Platform] = e
	}
	return b, nil
}
