package pkgsize

import (
	"debug/elf"
	"fmt"
	"io"
	"strings"
)

// openELF reads the image of an ELF file.
func openELF(r io.ReaderAt, size int64) (*image, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%w: reading ELF: %w", ErrNoPclntab, err)
	}
	ptrSize := 8
	if f.Class == elf.ELFCLASS32 {
		ptrSize = 4
	}
	img := &image{}
	var text, pcln *elf.Section
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NULL {
			continue
		}
		if s.Type == elf.SHT_NOBITS {
			n, err := memSize(s.Name, s.Size)
			if err != nil {
				return nil, err
			}
			img.regions = append(img.regions, region{BSS, n})
			continue
		}
		// FileSize, not Size: debug sections may be compressed.
		n, err := inFile(s.Name, s.Offset, s.FileSize, size)
		if err != nil {
			return nil, err
		}
		switch {
		case s.Name == ".text":
			text = s
			img.textAddr = s.Addr
			img.textSize += n
			continue
		case s.Name == ".gopclntab" || s.Name == ".data.rel.ro.gopclntab":
			pcln = s
			continue
		case s.Flags&elf.SHF_ALLOC != 0 && s.Flags&elf.SHF_EXECINSTR != 0:
			img.textSize += n // such as the PLT of a cgo binary
			continue
		}
		if label := elfLabel(s); label != "" {
			img.regions = append(img.regions, region{label, n})
		}
	}
	if text == nil {
		return nil, fmt.Errorf("%w: ELF file has no .text section", ErrNoPclntab)
	}
	if pcln == nil {
		return nil, fmt.Errorf("%w: ELF file has no .gopclntab section", ErrNoPclntab)
	}
	data, err := readSection(r, pcln.Name, int64(pcln.Offset), int64(pcln.FileSize))
	if err != nil {
		return nil, err
	}
	img.tab, err = checkPclntab(data, f.ByteOrder, ptrSize)
	if err != nil {
		return nil, fmt.Errorf("section %s: %w", pcln.Name, err)
	}
	// The rest of the section is the function metadata the table points
	// to (go:func.*, runtime.findfunctab): read-only data, as in PE files.
	img.regions = append(img.regions, region{Rodata, int64(len(data) - len(img.tab.data))})
	return img, nil
}

// elfLabel tells what kind of bytes an ELF section other than .text and
// the pclntab holds, or "" to count it with the headers.
func elfLabel(s *elf.Section) string {
	switch {
	case s.Name == ".gosymtab":
		return Pclntab
	case s.Flags&elf.SHF_ALLOC == 0:
		if s.Type == elf.SHT_SYMTAB || s.Name == ".strtab" ||
			strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			return Symbols
		}
		return ""
	case s.Flags&elf.SHF_WRITE != 0:
		return Data
	}
	return Rodata
}
