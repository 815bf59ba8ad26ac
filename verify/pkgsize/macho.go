package pkgsize

import (
	"debug/macho"
	"fmt"
	"io"
	"strings"
)

// Mach-O section types and attributes (mach-o/loader.h).
const (
	machoTypeMask         = 0xff
	machoZerofill         = 0x1
	machoGBZerofill       = 0xc
	machoTLZerofill       = 0x12
	machoPureInstructions = 0x80000000
	machoSomeInstructions = 0x400
)

// openMachO reads the image of a thin Mach-O file.
func openMachO(r io.ReaderAt, size int64) (*image, error) {
	f, err := macho.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%w: reading Mach-O: %w", ErrNoPclntab, err)
	}
	ptrSize, nlistSize := 4, uint64(12)
	if f.Magic == macho.Magic64 {
		ptrSize, nlistSize = 8, 16
	}
	img := &image{}
	var text, pcln *macho.Section
	for _, s := range f.Sections {
		name := s.Seg + "," + s.Name
		switch s.Flags & machoTypeMask {
		case machoZerofill, machoGBZerofill, machoTLZerofill:
			n, err := memSize(name, s.Size)
			if err != nil {
				return nil, err
			}
			img.regions = append(img.regions, region{BSS, n})
			continue
		}
		n, err := inFile(name, uint64(s.Offset), s.Size, size)
		if err != nil {
			return nil, err
		}
		switch {
		case s.Name == "__text" && s.Seg == "__TEXT":
			text = s
			img.textAddr = s.Addr
			img.textSize += n
		case s.Name == "__gopclntab":
			pcln = s
		case s.Name == "__gosymtab":
			img.regions = append(img.regions, region{Pclntab, n})
		case s.Seg == "__DWARF":
			img.regions = append(img.regions, region{Symbols, n})
		case s.Flags&(machoPureInstructions|machoSomeInstructions) != 0:
			img.textSize += n // such as the stubs that call libSystem
		case strings.HasPrefix(s.Seg, "__DATA"):
			img.regions = append(img.regions, region{Data, n})
		default:
			img.regions = append(img.regions, region{Rodata, n})
		}
	}
	if f.Symtab != nil {
		n := uint64(f.Symtab.Nsyms)*nlistSize + uint64(f.Symtab.Strsize)
		if _, err := inFile("symbol table", uint64(f.Symtab.Symoff), n, size); err == nil {
			img.regions = append(img.regions, region{Symbols, int64(n)})
		}
	}
	if text == nil {
		return nil, fmt.Errorf("%w: Mach-O file has no __text section", ErrNoPclntab)
	}
	if pcln == nil {
		return nil, fmt.Errorf("%w: Mach-O file has no __gopclntab section", ErrNoPclntab)
	}
	data, err := readSection(r, "__gopclntab", int64(pcln.Offset), int64(pcln.Size))
	if err != nil {
		return nil, err
	}
	img.tab, err = checkPclntab(data, f.ByteOrder, ptrSize)
	if err != nil {
		return nil, fmt.Errorf("section __gopclntab: %w", err)
	}
	// The rest of the section is the function metadata the table points
	// to (go:func.*, runtime.findfunctab): read-only data, as in PE files.
	img.regions = append(img.regions, region{Rodata, int64(len(data) - len(img.tab.data))})
	return img, nil
}
