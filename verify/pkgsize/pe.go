package pkgsize

import (
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// openPE reads the image of a PE file. PE files have no section of their
// own for the pclntab: the linker puts it inside .rdata, so it is found
// there by its magic number.
func openPE(r io.ReaderAt, size int64) (*image, error) {
	f, err := pe.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%w: reading PE: %w", ErrNoPclntab, err)
	}
	var ptrSize int
	switch f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		ptrSize = 8
	case *pe.OptionalHeader32:
		ptrSize = 4
	default:
		return nil, fmt.Errorf("%w: PE file has no optional header (an object file, not a program)", ErrNoPclntab)
	}
	img := &image{}
	var text *pe.Section
	var rdata []*pe.Section // read-only data sections, where the pclntab may be
	for _, s := range f.Sections {
		if _, err := inFile(s.Name, uint64(s.Offset), uint64(s.Size), size); err != nil {
			return nil, err
		}
		n := peFileBytes(s)
		if s.VirtualSize > s.Size {
			extra, err := memSize(s.Name, uint64(s.VirtualSize-s.Size))
			if err != nil {
				return nil, err
			}
			img.regions = append(img.regions, region{BSS, extra})
		}
		ch := s.Characteristics
		switch {
		case s.Name == ".text" && text == nil:
			text = s
			img.textAddr = uint64(s.VirtualAddress)
			img.textSize += n
		case s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_"):
			img.regions = append(img.regions, region{Symbols, n})
		case ch&pe.IMAGE_SCN_CNT_CODE != 0:
			img.textSize += n
		case ch&pe.IMAGE_SCN_CNT_UNINITIALIZED_DATA != 0:
			// Its virtual size was counted as bss above.
		case ch&pe.IMAGE_SCN_MEM_WRITE != 0:
			img.regions = append(img.regions, region{Data, n})
		case ch&pe.IMAGE_SCN_MEM_DISCARDABLE != 0:
			// Relocations and the like: counted with the headers.
		default:
			rdata = append(rdata, s)
			img.regions = append(img.regions, region{Rodata, n})
		}
	}
	if text == nil {
		return nil, fmt.Errorf("%w: PE file has no .text section", ErrNoPclntab)
	}
	if oh, ok := f.OptionalHeader.(*pe.OptionalHeader64); ok {
		img.textAddr += oh.ImageBase
	} else if oh, ok := f.OptionalHeader.(*pe.OptionalHeader32); ok {
		img.textAddr += uint64(oh.ImageBase)
	}
	var firstErr error
	read := int64(0) // sections of a well-formed file do not overlap
	for _, s := range rdata {
		n := peFileBytes(s)
		if read += n; read > size {
			return nil, fmt.Errorf("PE file: sections overlap")
		}
		data, err := readSection(r, s.Name, int64(s.Offset), n)
		if err != nil {
			return nil, err
		}
		t, err := scanPclntab(data, binary.LittleEndian, ptrSize)
		if err == nil {
			img.tab = t
			// The pclntab is not rodata: take it out of the count.
			img.regions = append(img.regions, region{Rodata, -int64(len(t.data))})
			return img, nil
		}
		if firstErr == nil || !errors.Is(firstErr, errPclntab) {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = ErrNoPclntab
	}
	return nil, fmt.Errorf("PE file: %w", firstErr)
}

// peFileBytes returns the size of the contents of a PE section in the
// file. Its raw size is rounded up to the file alignment: the bytes beyond
// its virtual size are padding, counted with the headers. Memory beyond
// its raw size is bss.
func peFileBytes(s *pe.Section) int64 {
	if s.VirtualSize == 0 {
		return int64(s.Size)
	}
	return int64(min(s.Size, s.VirtualSize))
}
