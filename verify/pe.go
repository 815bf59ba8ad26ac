package verify

import (
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sizes of the PE structures readPE reads itself.
const (
	peImportDescriptorSize = 20 // IMAGE_IMPORT_DESCRIPTOR
	peDelayDescriptorSize  = 32 // IMAGE_DELAYLOAD_DESCRIPTOR
	peSectionHeaderSize    = 40
	peSymbolSize           = 18
	maxDLLName             = 512
)

// readPE reads a PE executable: its machine and the DLLs its import and
// delay-import directories name. It walks the import descriptors itself:
// pe.File.ImportedLibraries returns nothing, and pe.File.ImportedSymbols
// drops a DLL whose functions are all imported by ordinal.
func readPE(r io.ReaderAt, size int64) (*Binary, error) {
	if err := checkPEHeader(r, size); err != nil {
		return nil, err
	}
	f, err := pe.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("reading PE file: %w", truncated(err))
	}
	for _, s := range f.Sections {
		if int64(s.Offset)+int64(s.Size) > size {
			return nil, fmt.Errorf("PE section %s at %#x+%#x extends past the end of the file", s.Name, s.Offset, s.Size)
		}
	}
	b := &Binary{
		Format: "pe",
		GOOS:   "windows",
		GOARCH: peGOARCH(f.Machine),
	}
	var (
		imageBase uint64
		dirs      []pe.DataDirectory
	)
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		imageBase = uint64(oh.ImageBase)
		dirs = oh.DataDirectory[:min(oh.NumberOfRvaAndSizes, 16)]
	case *pe.OptionalHeader64:
		imageBase = oh.ImageBase
		dirs = oh.DataDirectory[:min(oh.NumberOfRvaAndSizes, 16)]
	default:
		return nil, errors.New("PE file has no optional header: it is an object file, not an executable")
	}
	img := peImage{r: r, size: size, sections: f.Sections}
	seen := make(map[string]bool)
	add := func(name, kind string) error {
		key := kind + ":" + strings.ToLower(name)
		if seen[key] {
			return nil
		}
		if len(b.Libraries) == maxLibraries {
			return fmt.Errorf("PE file imports more than %d DLLs", maxLibraries)
		}
		seen[key] = true
		b.Libraries = append(b.Libraries, Library{Name: name, Kind: kind})
		return nil
	}
	if len(dirs) > pe.IMAGE_DIRECTORY_ENTRY_IMPORT {
		if d := dirs[pe.IMAGE_DIRECTORY_ENTRY_IMPORT]; d.VirtualAddress != 0 {
			err := img.walk(d.VirtualAddress, peImportDescriptorSize, func(desc []byte) (bool, error) {
				nameRVA := binary.LittleEndian.Uint32(desc[12:])
				if nameRVA == 0 {
					return false, nil
				}
				name, err := img.string(nameRVA)
				if err != nil {
					return false, fmt.Errorf("PE import directory: %w", err)
				}
				return true, add(name, "needed")
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if len(dirs) > pe.IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT {
		if d := dirs[pe.IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT]; d.VirtualAddress != 0 {
			err := img.walk(d.VirtualAddress, peDelayDescriptorSize, func(desc []byte) (bool, error) {
				attrs := binary.LittleEndian.Uint32(desc)
				nameRVA := binary.LittleEndian.Uint32(desc[4:])
				if nameRVA == 0 {
					return false, nil
				}
				if attrs&1 == 0 {
					// Old (Visual C++ 6) format: a virtual address, not an RVA.
					nameRVA = uint32(uint64(nameRVA) - imageBase)
				}
				name, err := img.string(nameRVA)
				if err != nil {
					return false, fmt.Errorf("PE delay-import directory: %w", err)
				}
				return true, add(name, "delay")
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// peImage reads a PE file by relative virtual address.
type peImage struct {
	r        io.ReaderAt
	size     int64
	sections []*pe.Section
}

// offset returns the file offset of rva and the end of the raw data of the
// section that holds it.
func (img peImage) offset(rva uint32) (off, limit int64, err error) {
	for _, s := range img.sections {
		if rva < s.VirtualAddress || rva-s.VirtualAddress >= s.Size {
			continue
		}
		end := int64(s.Offset) + int64(s.Size)
		if end > img.size {
			end = img.size
		}
		off := int64(s.Offset) + int64(rva-s.VirtualAddress)
		if off >= end {
			break
		}
		return off, end, nil
	}
	return 0, 0, fmt.Errorf("address %#x is in no section's data", rva)
}

// string reads the NUL-terminated string at rva.
func (img peImage) string(rva uint32) (string, error) {
	off, limit, err := img.offset(rva)
	if err != nil {
		return "", err
	}
	s, err := readCString(img.r, off, limit, maxDLLName)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", fmt.Errorf("empty DLL name at %#x", rva)
	}
	return s, nil
}

// walk calls fn with each size-byte descriptor of the table at rva until fn
// returns false, the section ends or maxLibraries descriptors were read.
func (img peImage) walk(rva uint32, size int, fn func([]byte) (bool, error)) error {
	off, limit, err := img.offset(rva)
	if err != nil {
		return fmt.Errorf("PE directory: %w", err)
	}
	desc := make([]byte, size)
	for i := 0; i <= maxLibraries; i++ {
		if off+int64(size) > limit {
			return fmt.Errorf("PE directory at %#x runs past the end of its section", rva)
		}
		if _, err := img.r.ReadAt(desc, off); err != nil {
			return fmt.Errorf("reading PE directory: %w", err)
		}
		more, err := fn(desc)
		if err != nil || !more {
			return err
		}
		off += int64(size)
	}
	return fmt.Errorf("PE directory at %#x has more than %d entries", rva, maxLibraries)
}

// checkPEHeader checks the counts of the COFF header against the file's size
// before debug/pe trusts them.
func checkPEHeader(r io.ReaderAt, size int64) error {
	var dos [64]byte
	if _, err := r.ReadAt(dos[:], 0); err != nil {
		return fmt.Errorf("truncated DOS header: %w", err)
	}
	peOff := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	coffSize := int64(binary.Size(pe.FileHeader{}))
	if peOff < int64(len(dos)) || peOff > size-4-coffSize {
		return fmt.Errorf("DOS header points at a PE header outside the file (%#x)", peOff)
	}
	hdr := make([]byte, 4+coffSize)
	if _, err := r.ReadAt(hdr, peOff); err != nil {
		return fmt.Errorf("truncated PE header: %w", err)
	}
	if string(hdr[:4]) != "PE\x00\x00" {
		return fmt.Errorf("MZ file without a PE signature (a DOS program?): %w", ErrUnknownFormat)
	}
	coff := hdr[4:]
	nsect := int64(binary.LittleEndian.Uint16(coff[2:]))
	optSize := int64(binary.LittleEndian.Uint16(coff[16:]))
	if peOff+4+coffSize+optSize+nsect*peSectionHeaderSize > size {
		return fmt.Errorf("PE section table (%d sections) extends past the end of the file", nsect)
	}
	symOff := int64(binary.LittleEndian.Uint32(coff[8:]))
	nsym := int64(binary.LittleEndian.Uint32(coff[12:]))
	if symOff != 0 && (symOff > size || nsym*peSymbolSize > size-symOff) {
		return fmt.Errorf("PE symbol table (%d symbols at %#x) extends past the end of the file", nsym, symOff)
	}
	return nil
}

// peGOARCH returns the GOARCH of a PE machine type, or "".
func peGOARCH(m uint16) string {
	switch m {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		return "amd64"
	case pe.IMAGE_FILE_MACHINE_I386:
		return "386"
	case pe.IMAGE_FILE_MACHINE_ARM64:
		return "arm64"
	case pe.IMAGE_FILE_MACHINE_ARMNT, pe.IMAGE_FILE_MACHINE_ARM:
		return "arm"
	}
	return ""
}
