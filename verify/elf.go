package verify

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bounds on what an ELF file may ask readELF to read.
const (
	maxInterp      = 4096    // bytes of PT_INTERP
	maxDynamic     = 1 << 20 // bytes of PT_DYNAMIC
	maxLibraryName = 4096    // bytes of one library name
	maxLibraries   = 1024    // DT_NEEDED entries, dylib commands, DLLs
)

// readELF reads an ELF executable the way the kernel and the dynamic loader
// do: from the program headers alone. The section headers, which strip can
// remove and the loader never reads, are hidden from debug/elf.
func readELF(r io.ReaderAt, size int64) (*Binary, error) {
	hr, err := hideSectionHeaders(r, size)
	if err != nil {
		return nil, err
	}
	f, err := elf.NewFile(hr)
	if err != nil {
		return nil, fmt.Errorf("reading ELF header: %w", truncated(err))
	}
	b := &Binary{
		Format: "elf",
		GOOS:   elfGOOS(f.OSABI),
		GOARCH: elfGOARCH(f.Machine, f.Class, f.Data),
		PIE:    f.Type == elf.ET_DYN,
	}
	var dyn *elf.Prog
	for _, p := range f.Progs {
		if p.Off > uint64(size) || p.Filesz > uint64(size)-p.Off {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC || p.Type == elf.PT_LOAD {
				return nil, fmt.Errorf("ELF %s segment at %#x+%#x extends past the end of the file", p.Type, p.Off, p.Filesz)
			}
			continue
		}
		switch p.Type {
		case elf.PT_INTERP:
			if p.Filesz > maxInterp {
				return nil, fmt.Errorf("ELF PT_INTERP of %d bytes is too long for a path", p.Filesz)
			}
			buf := make([]byte, p.Filesz)
			if _, err := p.ReadAt(buf, 0); err != nil {
				return nil, fmt.Errorf("reading ELF PT_INTERP: %w", err)
			}
			b.Interpreter, _, _ = strings.Cut(string(buf), "\x00")
			if b.Interpreter == "" {
				return nil, errors.New("ELF PT_INTERP names no interpreter")
			}
		case elf.PT_DYNAMIC:
			if dyn != nil {
				return nil, errors.New("ELF file has more than one PT_DYNAMIC segment")
			}
			dyn = p
		}
	}
	if dyn != nil {
		if err := readDynamic(b, f, dyn, r, size); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readDynamic reads the PT_DYNAMIC segment p of f into b: the DT_NEEDED
// libraries, DT_RPATH and DT_RUNPATH, and DF_1_PIE. The names live in the
// DT_STRTAB string table, found by mapping its address through the PT_LOAD
// segments.
func readDynamic(b *Binary, f *elf.File, p *elf.Prog, r io.ReaderAt, size int64) error {
	if p.Filesz > maxDynamic {
		return fmt.Errorf("ELF PT_DYNAMIC of %d bytes is too large", p.Filesz)
	}
	data := make([]byte, p.Filesz)
	if _, err := p.ReadAt(data, 0); err != nil {
		return fmt.Errorf("reading ELF PT_DYNAMIC: %w", err)
	}
	entSize := 16
	if f.Class == elf.ELFCLASS32 {
		entSize = 8
	}
	var (
		needed, rpaths        []uint64
		strtab, strsz         uint64
		haveStrtab, haveStrsz bool
		tag, val              uint64
	)
	for off := 0; off+entSize <= len(data); off += entSize {
		if entSize == 16 {
			tag = f.ByteOrder.Uint64(data[off:])
			val = f.ByteOrder.Uint64(data[off+8:])
		} else {
			tag = uint64(f.ByteOrder.Uint32(data[off:]))
			val = uint64(f.ByteOrder.Uint32(data[off+4:]))
		}
		if elf.DynTag(tag) == elf.DT_NULL {
			break
		}
		switch elf.DynTag(tag) {
		case elf.DT_NEEDED:
			needed = append(needed, val)
		case elf.DT_RPATH, elf.DT_RUNPATH:
			rpaths = append(rpaths, val)
		case elf.DT_STRTAB:
			strtab, haveStrtab = val, true
		case elf.DT_STRSZ:
			strsz, haveStrsz = val, true
		case elf.DT_FLAGS_1:
			if elf.DynFlag1(val)&elf.DF_1_PIE != 0 {
				b.PIE = true
			}
		}
	}
	if len(needed) == 0 && len(rpaths) == 0 {
		return nil
	}
	if len(needed)+len(rpaths) > maxLibraries {
		return fmt.Errorf("ELF PT_DYNAMIC has %d DT_NEEDED and DT_RPATH entries, more than %d", len(needed)+len(rpaths), maxLibraries)
	}
	if !haveStrtab {
		return errors.New("ELF PT_DYNAMIC has DT_NEEDED or DT_RPATH entries but no DT_STRTAB")
	}
	offset, limit, ok := vaddrToOffset(f, strtab, size)
	if !ok {
		return fmt.Errorf("ELF DT_STRTAB address %#x is in no PT_LOAD segment of the file", strtab)
	}
	if haveStrsz && strsz < uint64(limit-offset) {
		limit = offset + int64(strsz)
	}
	name := func(i uint64) (string, error) {
		if i >= uint64(limit-offset) {
			return "", fmt.Errorf("ELF dynamic string %#x is outside DT_STRTAB", i)
		}
		s, err := readCString(r, offset+int64(i), limit, maxLibraryName)
		if err != nil {
			return "", fmt.Errorf("ELF dynamic string: %w", err)
		}
		return s, nil
	}
	for _, i := range needed {
		s, err := name(i)
		if err != nil {
			return err
		}
		b.Libraries = append(b.Libraries, Library{Name: s, Kind: "needed"})
	}
	for _, i := range rpaths {
		s, err := name(i)
		if err != nil {
			return err
		}
		b.RPaths = append(b.RPaths, s)
	}
	return nil
}

// vaddrToOffset maps the virtual address a to a file offset through the
// PT_LOAD segments of f, and returns the end of that segment's file data.
func vaddrToOffset(f *elf.File, a uint64, size int64) (off, limit int64, ok bool) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || a < p.Vaddr || a-p.Vaddr >= p.Filesz {
			continue
		}
		if p.Off > uint64(size) || p.Filesz > uint64(size)-p.Off {
			return 0, 0, false
		}
		return int64(p.Off + (a - p.Vaddr)), int64(p.Off + p.Filesz), true
	}
	return 0, 0, false
}

// hideSectionHeaders returns a reader of r whose ELF header declares no
// section headers, after checking that the program header table lies inside
// the file.
func hideSectionHeaders(r io.ReaderAt, size int64) (io.ReaderAt, error) {
	var ident [elf.EI_NIDENT]byte
	if _, err := r.ReadAt(ident[:], 0); err != nil {
		return nil, fmt.Errorf("truncated ELF header: %w", err)
	}
	var hdrSize int
	switch elf.Class(ident[elf.EI_CLASS]) {
	case elf.ELFCLASS32:
		hdrSize = 52
	case elf.ELFCLASS64:
		hdrSize = 64
	default:
		return nil, fmt.Errorf("unknown ELF class %d", ident[elf.EI_CLASS])
	}
	hdr := make([]byte, hdrSize)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, fmt.Errorf("truncated ELF header: %w", err)
	}
	var bo binary.ByteOrder
	switch elf.Data(ident[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("unknown ELF byte order %d", ident[elf.EI_DATA])
	}
	// Field offsets in Elf32_Ehdr and Elf64_Ehdr.
	var phoff uint64
	var phentsize, phnum int
	if hdrSize == 52 {
		phoff = uint64(bo.Uint32(hdr[28:]))
		phentsize, phnum = int(bo.Uint16(hdr[42:])), int(bo.Uint16(hdr[44:]))
		bo.PutUint32(hdr[32:], 0) // e_shoff
		bo.PutUint16(hdr[46:], 0) // e_shentsize
		bo.PutUint16(hdr[48:], 0) // e_shnum
		bo.PutUint16(hdr[50:], 0) // e_shstrndx
	} else {
		phoff = bo.Uint64(hdr[32:])
		phentsize, phnum = int(bo.Uint16(hdr[54:])), int(bo.Uint16(hdr[56:]))
		bo.PutUint64(hdr[40:], 0) // e_shoff
		bo.PutUint16(hdr[58:], 0) // e_shentsize
		bo.PutUint16(hdr[60:], 0) // e_shnum
		bo.PutUint16(hdr[62:], 0) // e_shstrndx
	}
	if phnum == 0xffff {
		return nil, errors.New("ELF file uses extended program header numbering (PN_XNUM), which no Go binary does")
	}
	if phoff > uint64(size) || uint64(phnum)*uint64(phentsize) > uint64(size)-phoff {
		return nil, fmt.Errorf("ELF program header table (%d entries at %#x) extends past the end of the file", phnum, phoff)
	}
	return headerOverlay{r: r, hdr: hdr}, nil
}

// headerOverlay reads r with its first len(hdr) bytes replaced by hdr.
type headerOverlay struct {
	r   io.ReaderAt
	hdr []byte
}

func (o headerOverlay) ReadAt(p []byte, off int64) (int, error) {
	n, err := o.r.ReadAt(p, off)
	if off < int64(len(o.hdr)) {
		copy(p[:n], o.hdr[off:])
	}
	return n, err
}

// elfGOOS returns the GOOS an ELF OS/ABI byte names, or "" when it names none
// (Linux, NetBSD, OpenBSD and others mostly write ELFOSABI_NONE).
func elfGOOS(abi elf.OSABI) string {
	switch abi {
	case elf.ELFOSABI_LINUX:
		return "linux"
	case elf.ELFOSABI_FREEBSD:
		return "freebsd"
	case elf.ELFOSABI_NETBSD:
		return "netbsd"
	case elf.ELFOSABI_OPENBSD:
		return "openbsd"
	case elf.ELFOSABI_SOLARIS:
		return "solaris"
	}
	return ""
}

// elfGOARCH returns the GOARCH of an ELF machine, class and byte order, or
// "" for a machine Go does not target.
func elfGOARCH(m elf.Machine, c elf.Class, d elf.Data) string {
	le := d == elf.ELFDATA2LSB
	is64 := c == elf.ELFCLASS64
	switch m {
	case elf.EM_X86_64:
		return "amd64"
	case elf.EM_386:
		return "386"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_RISCV:
		if is64 {
			return "riscv64"
		}
	case elf.EM_LOONGARCH:
		return "loong64"
	case elf.EM_PPC64:
		if le {
			return "ppc64le"
		}
		return "ppc64"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_MIPS:
		switch {
		case is64 && le:
			return "mips64le"
		case is64:
			return "mips64"
		case le:
			return "mipsle"
		}
		return "mips"
	}
	return ""
}
