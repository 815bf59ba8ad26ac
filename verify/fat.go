package verify

import (
	"cmp"
	"debug/macho"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// A universal (fat) Mach-O file is a big-endian fat_header (magic, count)
// and a table of fat_arch entries (cputype, cpusubtype, offset, size,
// align), or fat_arch_64 entries with 64-bit offset and size and a reserved
// word after FAT_MAGIC_64, then a thin Mach-O file per entry.
const (
	magicFat64   = macho.MagicFat + 1
	maxFatArches = 20 // as file(1): more is a Java class file
	fatArchSize  = 20
	fatArch64    = 32
)

// fatSlice is where one architecture's file lies in a universal file.
type fatSlice struct {
	cpu, sub  uint32
	off, size int64
}

// readFatHeader reads the fat header and its table, and checks that every
// slice lies in the file after the table, that no two overlap, and that no
// architecture is there twice.
func readFatHeader(r io.ReaderAt, size int64) ([]fatSlice, error) {
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, errors.New("truncated fat header")
	}
	be := binary.BigEndian
	entry := int64(fatArchSize)
	if be.Uint32(hdr[:]) == magicFat64 {
		entry = fatArch64
	}
	n := be.Uint32(hdr[4:])
	if n == 0 || n >= maxFatArches {
		return nil, fmt.Errorf("fat header claims %d architectures", n)
	}
	table := make([]byte, entry*int64(n))
	end := 8 + int64(len(table))
	if end > size {
		return nil, fmt.Errorf("the table of %d architectures extends past the end of the file", n)
	}
	if _, err := r.ReadAt(table, 8); err != nil {
		return nil, fmt.Errorf("reading the table of architectures: %w", truncated(err))
	}
	var out []fatSlice
	for i := range int64(n) {
		e := table[i*entry:]
		s := fatSlice{cpu: be.Uint32(e), sub: be.Uint32(e[4:])}
		var off, sz uint64
		if entry == fatArch64 {
			off, sz = be.Uint64(e[8:]), be.Uint64(e[16:])
		} else {
			off, sz = uint64(be.Uint32(e[8:])), uint64(be.Uint32(e[12:]))
		}
		name := cpuName(s.cpu)
		switch {
		case off < uint64(end):
			return nil, fmt.Errorf("the %s slice at offset %#x overlaps the fat header", name, off)
		case off > uint64(size) || sz > uint64(size)-off:
			return nil, fmt.Errorf("the %s slice at %#x+%#x extends past the end of the file", name, off, sz)
		case sz == 0:
			return nil, fmt.Errorf("the %s slice is empty", name)
		}
		s.off, s.size = int64(off), int64(sz)
		for _, o := range out {
			if o.cpu == s.cpu && o.sub&^0xff000000 == s.sub&^0xff000000 {
				return nil, fmt.Errorf("the fat header lists %s twice", name)
			}
			if s.off < o.off+o.size && o.off < s.off+s.size {
				return nil, fmt.Errorf("the %s and %s slices overlap", cpuName(o.cpu), name)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// readFat reads a universal file: each slice as the thin Mach-O file it
// is, with its build information. The universal file's own Binary has the
// slices' libraries, each once, and no build information.
func readFat(r io.ReaderAt, size int64) (*Binary, error) {
	fat, err := readFatHeader(r, size)
	if err != nil {
		return nil, fmt.Errorf("universal (fat) Mach-O file: %w", err)
	}
	b := &Binary{Format: "macho", GOOS: "darwin", GOARCH: "all", PIE: true, Libraries: []Library{}}
	for _, s := range fat {
		sr := io.NewSectionReader(r, s.off, s.size)
		var magic [4]byte
		if _, err := sr.ReadAt(magic[:], 0); err != nil || !isMachO(magic) {
			return nil, fmt.Errorf("universal (fat) Mach-O file: the %s slice is not a Mach-O file", cpuName(s.cpu))
		}
		t, err := readMachO(sr, s.size)
		if err != nil {
			return nil, fmt.Errorf("universal (fat) Mach-O file: the %s slice: %w", cpuName(s.cpu), err)
		}
		if want := machoGOARCH(macho.Cpu(s.cpu)); t.GOARCH != want {
			return nil, fmt.Errorf("universal (fat) Mach-O file: the fat header says %s, but the slice holds %s code", cpuName(s.cpu), cmp.Or(t.GOARCH, "unknown"))
		}
		t.BuildInfo = readBuildInfo(sr, s.size)
		if t.Libraries == nil {
			t.Libraries = []Library{}
		}
		t.slice = &s
		b.Slices = append(b.Slices, t)
		b.PIE = b.PIE && t.PIE
		if b.Interpreter == "" {
			b.Interpreter = t.Interpreter
		}
		for _, l := range t.Libraries {
			if !slices.Contains(b.Libraries, l) {
				b.Libraries = append(b.Libraries, l)
			}
		}
	}
	return b, nil
}

// cpuName names a Mach-O CPU type by its GOARCH, else by number.
func cpuName(cpu uint32) string {
	if a := machoGOARCH(macho.Cpu(cpu)); a != "" {
		return a
	}
	return fmt.Sprintf("cputype %#x", cpu)
}

// judgeSlices judges each slice of the universal file b, in r, by p, each
// by its own architecture when p.GOARCH is "all" or "". It returns the
// slices' reports and their problems and notes, each naming its slice.
func (p Policy) judgeSlices(b *Binary, r io.ReaderAt) ([]*Report, []string, []string, error) {
	sp := p
	if sp.GOARCH == "all" {
		sp.GOARCH = ""
	}
	var reports []*Report
	var problems, notes []string
	for _, s := range b.Slices {
		landed, n, err := checkStamped(io.NewSectionReader(r, s.slice.off, s.slice.size), s.slice.size, p.Stamped)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("the %s slice: %w", cpuName(s.slice.cpu), err)
		}
		probs := append(sp.judge(s), landed...)
		rep := newReport(s, probs)
		rep.Notes = n
		reports = append(reports, rep)
		for _, prob := range probs {
			problems = append(problems, cpuName(s.slice.cpu)+" slice: "+prob)
		}
		for _, note := range n {
			notes = append(notes, cpuName(s.slice.cpu)+" slice: "+note)
		}
	}
	return reports, problems, notes, nil
}

// newFatReport returns the report on the universal file b from its
// slices' reports.
func newFatReport(b *Binary, slices []*Report, problems []string) *Report {
	r := newReport(b, problems)
	r.Slices = slices
	r.GOARCH = "all"
	r.Cgo = ""
	for i, s := range slices {
		if i == 0 {
			r.Cgo = s.Cgo
		} else if s.Cgo != r.Cgo {
			r.Cgo = ""
			break
		}
	}
	return r
}

// universalProblem is the problem of a thin file when a universal one was
// asked for.
func universalProblem(b *Binary) string {
	what := "a " + formatName(b.Format) + " file"
	switch b.Format {
	case "macho":
		what = "a thin Mach-O file for " + cmp.Or(b.GOARCH, "an unknown processor")
	case "elf":
		what = "an ELF file"
	}
	return fmt.Sprintf("is %s, but a universal (darwin/all) binary was asked for: join the darwin/amd64 and darwin/arm64 files into one, as lipo -create does", what)
}
