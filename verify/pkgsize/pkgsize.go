// Package pkgsize tells how many bytes of a Go binary each package's code
// takes, read from the binary itself.
//
// The sizes come from the Go pclntab, the table of functions that the
// runtime needs for stack traces and that the linker therefore keeps even in
// binaries built with -ldflags "-s -w". It is found in the ELF section
// .gopclntab, the Mach-O section __gopclntab, or, in PE files, by its magic
// number inside .rdata, and read with debug/gosym. Every function's extent
// (from its entry to the next function's entry, alignment padding included)
// is charged to the package its name belongs to, or, for assembly functions
// whose names have no package, to the package of their source file.
//
// What is not code of a package is reported too, on its own named line,
// rather than hidden: read-only data, the pclntab itself, data, bss, symbol
// tables, headers. The package reads the ELF, Mach-O and PE binaries that
// Go 1.18 and later write, for any architecture, and never runs them. A
// malformed file is an error; the memory and time spent on a file grow
// with its size only.
//
// The package uses only the standard library.
package pkgsize

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// ErrNoPclntab is returned, wrapped, for a file that holds no Go pclntab:
// a program not written in Go, or not a program at all.
var ErrNoPclntab = errors.New("no Go pclntab found")

// A Package is a named size: the code of one package or, in
// [Breakdown.Unattributed], one kind of bytes that is not any package's
// code.
type Package struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// Names of the lines of [Breakdown.Unattributed].
const (
	// NoPackage is code in functions whose package cannot be told: C
	// functions linked in with cgo and wrappers the compiler generates for
	// anonymous types.
	NoPackage = "(no package)"
	// OtherText is the part of the executable sections outside every
	// function: the code of C libraries linked in externally, PLT entries,
	// stubs, padding.
	OtherText = "(other text)"
	// Rodata is read-only data: constants, strings, type descriptors.
	Rodata = "(rodata)"
	// Pclntab is the function table that maps program counters to
	// functions, files and lines (runtime.pclntab). The metadata it points
	// to, such as stack maps, counts as rodata.
	Pclntab = "(pclntab)"
	// Data is initialized writable data.
	Data = "(data)"
	// BSS is zero-initialized data. It takes memory at run time but no
	// space in the file.
	BSS = "(bss)"
	// Symbols is symbol tables and debug information, which -s -w remove.
	Symbols = "(symbols and debug)"
	// Headers is the rest of the file: headers, padding between sections,
	// relocations, import tables, code signatures.
	Headers = "(headers and other)"
)

// A Breakdown is where the bytes of one binary go.
//
// For the binaries the Go linker writes, the code of Packages and the
// NoPackage and OtherText lines add up to Text, and all lines but BSS add up
// to File.
type Breakdown struct {
	// Packages is the code of each package, largest first, ties by path.
	Packages []Package
	// Unattributed is everything else, in the order of the constants
	// above; lines of zero bytes are left out.
	Unattributed []Package
	// Text is the size of the executable sections: the text section and
	// any other, such as a PLT or stubs.
	Text int64
	// File is the size of the file.
	File int64
}

// Read reads the binary at path and tells how its bytes are used.
func Read(path string) (*Breakdown, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pkgsize: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pkgsize: %w", err)
	}
	b, err := read(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("pkgsize: %s: %w", path, err)
	}
	return b, nil
}

// read is Read for a file of the given size open as r.
func read(r io.ReaderAt, size int64) (*Breakdown, error) {
	img, err := open(r, size)
	if err != nil {
		return nil, err
	}
	funcs, err := functions(img)
	if err != nil {
		return nil, err
	}
	return breakdown(img, funcs, size), nil
}

// breakdown adds up the functions by package and the image's regions by
// label.
func breakdown(img *image, funcs []function, size int64) *Breakdown {
	byPath := make(map[string]int64)
	var code, noPkg int64
	for _, fn := range funcs {
		code += fn.size
		if fn.pkg == "" {
			noPkg += fn.size
			continue
		}
		byPath[fn.pkg] += fn.size
	}
	b := &Breakdown{Text: img.textSize, File: size}
	for p, n := range byPath {
		b.Packages = append(b.Packages, Package{Path: p, Bytes: n})
	}
	Sort(b.Packages)

	lines := map[string]int64{
		NoPackage: noPkg,
		OtherText: max(0, img.textSize-code),
		Pclntab:   int64(len(img.tab.data)),
	}
	inFile := img.textSize + int64(len(img.tab.data))
	for _, r := range img.regions {
		lines[r.label] += r.size
		if r.label != BSS {
			inFile += r.size
		}
	}
	lines[Headers] += max(0, size-inFile)
	for _, label := range []string{NoPackage, OtherText, Rodata, Pclntab, Data, BSS, Symbols, Headers} {
		if n := lines[label]; n > 0 {
			b.Unattributed = append(b.Unattributed, Package{Path: label, Bytes: n})
		}
	}
	return b
}

// Sort sorts sizes largest first, ties by path, the order of
// [Breakdown.Packages].
func Sort(sizes []Package) {
	slices.SortFunc(sizes, func(a, b Package) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		return cmp.Compare(a.Path, b.Path)
	})
}
