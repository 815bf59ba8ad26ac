package verify

import (
	"fmt"
	"os"
	"strings"
)

// Report is the verdict on one file.
type Report struct {
	Path string `json:"path"`
	OK   bool   `json:"ok"` // no problems

	Format string `json:"format"` // "elf", "macho" or "pe"
	GOOS   string `json:"goos"`   // as recorded in the build information, else from the headers
	GOARCH string `json:"goarch"` // likewise

	// Linkage is "static" or "static-pie" for an ELF file that needs no
	// loader and no library, and "dynamic" otherwise (every Mach-O and PE
	// file is).
	Linkage string `json:"linkage"`

	// Cgo is the cgo mode the file was built in: "off" when its build
	// information records CGO_ENABLED=0, and for CGO_ENABLED=1 its
	// Linkage: "static", "static-pie" or "dynamic". It is "" when the
	// file records neither.
	Cgo string `json:"cgo,omitempty"`

	Interpreter string   `json:"interpreter,omitempty"`
	Libraries   []string `json:"libraries"` // never nil

	// Problems say, for each way the file fails the policy, what is
	// wrong, why it matters and how to fix it. Never nil.
	Problems []string `json:"problems"`

	// Notes say what the check could not know, such as, for a stripped
	// file, which variable holds a -X value. They do not fail the file.
	Notes []string `json:"notes,omitempty"`

	BuildInfo *BuildInfo `json:"build_info,omitempty"`

	// Slices are the reports on the slices of a universal (fat) Mach-O
	// file, in file order; its Problems are theirs, each starting with
	// the slice's architecture ("arm64 slice: "). Its GOARCH is "all",
	// its Libraries theirs, and its Cgo theirs when they agree.
	Slices []*Report `json:"slices,omitempty"`
}

// Check inspects the file at path and judges it by p. The error is non-nil
// only when the file cannot be read as an executable (missing, a directory,
// not ELF, Mach-O or PE, malformed); policy failures are in the report.
func Check(path string, p Policy) (*Report, error) {
	var problems, notes []string
	var slices []*Report
	b, err := inspectPath(path, func(b *Binary, f *os.File, size int64) error {
		if b.Slices != nil {
			var err error
			slices, problems, notes, err = p.judgeSlices(b, f)
			if err != nil {
				return fmt.Errorf("%s: checking -X values: %w", path, err)
			}
			for _, s := range slices {
				s.Path = path
			}
			return nil
		}
		landed, n, err := checkStamped(f, size, p.Stamped)
		if err != nil {
			return fmt.Errorf("%s: checking -X values: %w", path, err)
		}
		problems, notes = append(p.judge(b), landed...), n
		return nil
	})
	if err != nil {
		return nil, err
	}
	var r *Report
	if b.Slices != nil {
		r = newFatReport(b, slices, problems)
	} else {
		r = newReport(b, problems)
	}
	r.Notes = notes
	return r, nil
}

// newReport returns the report on b with the given problems.
func newReport(b *Binary, problems []string) *Report {
	r := &Report{
		Path:        b.Path,
		OK:          len(problems) == 0,
		Format:      b.Format,
		GOOS:        b.GOOS,
		GOARCH:      b.GOARCH,
		Linkage:     "dynamic",
		Interpreter: b.Interpreter,
		Libraries:   b.LibraryNames(),
		Problems:    append([]string{}, problems...),
		BuildInfo:   b.BuildInfo,
	}
	if s := b.BuildInfo.Setting("GOOS"); s != "" {
		r.GOOS = s
	}
	if s := b.BuildInfo.Setting("GOARCH"); s != "" {
		r.GOARCH = s
	}
	if b.Static() {
		r.Linkage = "static"
		if b.PIE {
			r.Linkage = "static-pie"
		}
	}
	switch b.BuildInfo.Setting("CGO_ENABLED") {
	case "0":
		r.Cgo = "off"
	case "1":
		r.Cgo = r.Linkage
	}
	return r
}

// String returns r for a person: a line with the path and the verdict, then
// one indented line per problem, then one per note.
func (r *Report) String() string {
	var sb strings.Builder
	platform := strings.Trim(r.GOOS+"/"+r.GOARCH, "/")
	verdict := "ok"
	if !r.OK {
		verdict = "FAIL"
	}
	fmt.Fprintf(&sb, "%s: %s (%s %s, ", r.Path, verdict, formatName(r.Format), platform)
	if r.Cgo != "" {
		fmt.Fprintf(&sb, "cgo %s, ", r.Cgo)
	}
	sb.WriteString(r.Linkage)
	if len(r.Libraries) > 0 {
		fmt.Fprintf(&sb, ": %s", strings.Join(r.Libraries, ", "))
	}
	sb.WriteString(")")
	for _, p := range r.Problems {
		fmt.Fprintf(&sb, "\n\t%s", p)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&sb, "\n\tnote: %s", n)
	}
	return sb.String()
}
