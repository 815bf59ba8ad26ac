package pkgsize

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// An image is what the container formats have in common: the text section,
// the pclntab, and the sizes of everything else.
type image struct {
	textAddr uint64   // address of the text section, where functions start
	textSize int64    // size of the executable sections in the file
	tab      *table   // the pclntab
	regions  []region // the rest, text and pclntab excluded
}

// A region is a number of bytes of one kind, labelled as in
// [Breakdown.Unattributed]. Regions labelled BSS take no space in the file;
// all others do.
type region struct {
	label string
	size  int64
}

// open recognizes the container format of the file of the given size open
// as r and reads its image.
func open(r io.ReaderAt, size int64) (*image, error) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, fmt.Errorf("%w: not an ELF, Mach-O or PE file (too short)", ErrNoPclntab)
	}
	le := binary.LittleEndian.Uint32(magic[:])
	be := binary.BigEndian.Uint32(magic[:])
	switch {
	case bytes.Equal(magic[:], []byte("\x7fELF")):
		return openELF(r, size)
	case bytes.HasPrefix(magic[:], []byte("MZ")):
		return openPE(r, size)
	case le == 0xfeedface || le == 0xfeedfacf || be == 0xfeedface || be == 0xfeedfacf:
		return openMachO(r, size)
	case be == 0xcafebabe:
		return nil, errors.New("universal (fat) Mach-O file: read the file of one architecture, as lipo -thin writes it")
	}
	return nil, fmt.Errorf("%w: not an ELF, Mach-O or PE file", ErrNoPclntab)
}

// inFile checks that the size bytes at offset off lie inside a file of
// fileSize bytes, and returns size as an int64. Nothing is allocated for a
// section before it has passed this check.
func inFile(name string, off, size uint64, fileSize int64) (int64, error) {
	if off > uint64(fileSize) || size > uint64(fileSize)-off {
		return 0, fmt.Errorf("section %s (%d bytes at offset %d) extends past the end of the file (%d bytes)", name, size, off, fileSize)
	}
	return int64(size), nil
}

// memSize returns the size of a section that takes no space in the file.
// A size no real program could have is an error, so that sums cannot
// overflow.
func memSize(name string, size uint64) (int64, error) {
	const limit = 1 << 48
	if size > limit {
		return 0, fmt.Errorf("section %s: implausible size %d", name, size)
	}
	return int64(size), nil
}

// readSection reads size bytes at off, which inFile has checked.
func readSection(r io.ReaderAt, name string, off, size int64) ([]byte, error) {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("reading section %s: %w", name, err)
	}
	return b, nil
}
