package sizegate

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/verify/pkgsize"
)

// A Binary is one binary built for one platform, to gate.
type Binary struct {
	Name     string // the binary's name, such as "server", the same on every platform
	Platform string // os/arch or os/arch/variant, such as "linux/arm/7"
	Path     string // the file
	Limits   Limits
}

// Key returns the key of b's baseline entry.
func (b Binary) Key() Key { return Key{b.Name, b.Platform} }

// A Status is the outcome of the gate for one binary.
type Status string

// The statuses of a Result. Only StatusOK and StatusNew pass.
const (
	StatusOK         Status = "ok"          // within its limits
	StatusNew        Status = "new"         // no baseline entry to compare with, within its budget
	StatusOverBudget Status = "over-budget" // larger than its budget (and maybe grew too much)
	StatusGrew       Status = "grew"        // grew more than allowed over its baseline
	StatusError      Status = "error"       // could not be measured or compared
)

// growersShown is how many growers a failure message names.
const growersShown = 5

// A Result is the outcome of the gate for one binary.
type Result struct {
	Binary
	Size     int64
	Base     *Entry // the baseline entry, nil when the binary is new
	Delta    int64  // Size minus Base.Size; 0 when Base is nil
	Status   Status
	Problems []string // why the binary failed, one line per limit
	// Growers are the packages whose code grew since the baseline, by
	// how much, largest first. They are worked out for failing binaries
	// that have a baseline entry.
	Growers []pkgsize.Package
}

// Failed reports whether r fails the gate.
func (r *Result) Failed() bool {
	return r.Status != StatusOK && r.Status != StatusNew
}

// Check measures each binary against its limits and its entry in base,
// which may be nil. It returns a result per binary, in order, and an error
// that names every failing binary and platform, why it failed and the
// packages that grew most, or nil when all pass. A binary with no entry in
// base is new: it is held to its budget only.
//
// An entry with no binary name, read from a file of format 1, is used for
// a binary of its platform that has no entry of its own, when every binary
// of that platform in bins has the same name. When they have several
// names, Check cannot tell whose entry it is: those binaries fail with
// StatusError, asking for a new baseline.
func Check(bins []Binary, base *Baseline) ([]Result, error) {
	names := make(map[string][]string) // by platform
	for _, bin := range bins {
		if !slices.Contains(names[bin.Platform], bin.Name) {
			names[bin.Platform] = append(names[bin.Platform], bin.Name)
		}
	}
	var errs *multierror.Error
	results := make([]Result, len(bins))
	for i, bin := range bins {
		r := &results[i]
		r.Binary = bin
		check(r, base, names[bin.Platform])
		if r.Failed() {
			errs = multierror.Append(errs, fmt.Errorf("%s: %s", bin.Key(), strings.Join(r.Problems, "; ")))
		}
	}
	return results, errs.ErrorOrNil()
}

// check fills in r for r.Binary; peers are the names of the binaries of
// its platform that Check is given, its own included.
func check(r *Result, base *Baseline, peers []string) {
	fail := func(problem string) {
		r.Status = StatusError
		r.Problems = []string{problem}
	}
	if err := checkName(r.Name); err != nil {
		fail(err.Error())
		return
	}
	if err := checkPlatform(r.Platform); err != nil {
		fail(err.Error())
		return
	}
	st, err := os.Stat(r.Path)
	if err != nil {
		fail(err.Error())
		return
	}
	r.Size = st.Size()
	r.Status = StatusNew
	if base != nil {
		e, ok := base.Entries[r.Key()]
		if !ok {
			e, ok = base.Entries[Key{Platform: r.Platform}]
			if ok && len(peers) > 1 {
				fail(fmt.Sprintf("the size baseline names no binary for %s (it is of format %q), and binaries %s are built for it: "+
					"run the sizebaseline target to record a baseline per binary", r.Platform, baselineFormat1, andList(peers)))
				return
			}
		}
		if ok {
			r.Base = &e
			r.Delta = r.Size - e.Size
			r.Status = StatusOK
		}
	}
	if b := r.Limits.Budget; b > 0 && r.Size > b {
		r.Status = StatusOverBudget
		r.Problems = append(r.Problems, fmt.Sprintf("%s (%d bytes) is over its budget of %s (%d bytes)",
			FormatSize(r.Size), r.Size, FormatSize(b), b))
	}
	if r.Base != nil {
		if p := growthProblem(r); p != "" {
			if r.Status != StatusOverBudget {
				r.Status = StatusGrew
			}
			r.Problems = append(r.Problems, p)
		}
	}
	if !r.Failed() {
		return
	}
	if r.Base == nil {
		r.Problems = append(r.Problems, "no baseline entry to tell what grew")
		return
	}
	bd, err := pkgsize.Read(r.Path)
	if err != nil {
		r.Problems = append(r.Problems, "cannot tell what grew: "+err.Error())
		return
	}
	r.Growers = growers(bd.Packages, r.Base.Packages)
	if len(r.Growers) == 0 {
		r.Problems = append(r.Problems, "no package's code grew")
		return
	}
	var names []string
	for _, g := range r.Growers[:min(len(r.Growers), growersShown)] {
		names = append(names, fmt.Sprintf("%s (+%s)", g.Path, FormatSize(g.Bytes)))
	}
	r.Problems = append(r.Problems, "code grew most in "+strings.Join(names, ", "))
}

// growthProblem returns why r grew too much over its baseline, or "".
func growthProblem(r *Result) string {
	l, base := r.Limits, r.Base.Size
	pct := float64(r.Delta) * 100 / float64(base)
	var over []string
	if l.MaxGrowthPercent > 0 && pct > l.MaxGrowthPercent {
		over = append(over, fmt.Sprintf("%g%%", l.MaxGrowthPercent))
	}
	if l.MaxGrowthBytes > 0 && r.Delta > l.MaxGrowthBytes {
		over = append(over, fmt.Sprintf("%s (%d bytes)", FormatSize(l.MaxGrowthBytes), l.MaxGrowthBytes))
	}
	if len(over) == 0 {
		return ""
	}
	return fmt.Sprintf("grew by %s (%+.1f%%, %d bytes) over its baseline of %s, more than the %s allowed",
		FormatSize(r.Delta), pct, r.Delta, FormatSize(base), strings.Join(over, " and "))
}

// growers returns the packages of cur whose code grew since base, by how
// much, largest first. A package that base does not name is compared with
// zero when base names every package, and otherwise with the largest size
// it could have had below the top N (the smaller of the smallest named
// package and the Other line), so that growth is never overstated.
func growers(cur, base []pkgsize.Package) []pkgsize.Package {
	named := make(map[string]int64)
	var unnamed int64
	hasOther := false
	smallest := int64(-1)
	for _, p := range base {
		if p.Path == Other {
			unnamed, hasOther = p.Bytes, true
			continue
		}
		named[p.Path] = p.Bytes
		if smallest < 0 || p.Bytes < smallest {
			smallest = p.Bytes
		}
	}
	if hasOther && smallest >= 0 {
		unnamed = min(unnamed, smallest)
	}
	var g []pkgsize.Package
	for _, p := range cur {
		was, ok := named[p.Path]
		if !ok {
			was = unnamed
		}
		if d := p.Bytes - was; d > 0 {
			g = append(g, pkgsize.Package{Path: p.Path, Bytes: d})
		}
	}
	pkgsize.Sort(g)
	return g
}

// andList joins names as a sentence does: "a", "a and b", "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
