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
	maxProgHeaders = 1 << 16 // bytes of program headers, as Linux allows
	maxInterp      = 4096    // bytes of PT_INTERP, Linux's PATH_MAX
	maxDynamic     = 1 << 20 // bytes of PT_DYNAMIC
	maxLibraryName = 4096    // bytes of one library name
	maxLibraries   = 1024    // DT_NEEDED entries, dylib commands, DLLs
)

// elfFile is an ELF header and its program headers.
type elfFile struct {
	class elf.Class
	bo    binary.ByteOrder
	progs []progHeader
}

// progHeader is one ELF program header: the fields readELF uses.
type progHeader struct {
	typ                elf.ProgType
	off, vaddr, filesz uint64
}

// readELF reads an ELF executable the way the kernel and the dynamic loader
// do: from the program headers alone, read from e_phoff wherever that is,
// even inside the ELF header. The section headers, which strip can remove
// and the loader never reads, are not read.
func readELF(r io.ReaderAt, size int64) (*Binary, error) {
	var ident [elf.EI_NIDENT]byte
	if _, err := r.ReadAt(ident[:], 0); err != nil {
		return nil, fmt.Errorf("truncated ELF header: %w", err)
	}
	f := &elfFile{class: elf.Class(ident[elf.EI_CLASS])}
	var hdrSize, phentWant int
	switch f.class {
	case elf.ELFCLASS32:
		hdrSize, phentWant = 52, 32
	case elf.ELFCLASS64:
		hdrSize, phentWant = 64, 56
	default:
		return nil, fmt.Errorf("unknown ELF class %d", ident[elf.EI_CLASS])
	}
	data := elf.Data(ident[elf.EI_DATA])
	switch data {
	case elf.ELFDATA2LSB:
		f.bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		f.bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("unknown ELF byte order %d", ident[elf.EI_DATA])
	}
	hdr := make([]byte, hdrSize)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, fmt.Errorf("truncated ELF header: %w", err)
	}
	bo := f.bo
	typ, machine := elf.Type(bo.Uint16(hdr[16:])), elf.Machine(bo.Uint16(hdr[18:]))
	if typ != elf.ET_EXEC && typ != elf.ET_DYN {
		return nil, fmt.Errorf("ELF %s file, which no kernel runs: %w", typ, ErrUnknownFormat)
	}
	// Field offsets in Elf32_Ehdr and Elf64_Ehdr.
	var phoff uint64
	var phentsize, phnum int
	if f.class == elf.ELFCLASS32 {
		phoff = uint64(bo.Uint32(hdr[28:]))
		phentsize, phnum = int(bo.Uint16(hdr[42:])), int(bo.Uint16(hdr[44:]))
	} else {
		phoff = bo.Uint64(hdr[32:])
		phentsize, phnum = int(bo.Uint16(hdr[54:])), int(bo.Uint16(hdr[56:]))
	}
	switch {
	case phnum == 0xffff:
		return nil, errors.New("ELF file uses extended program header numbering (PN_XNUM), which no Go binary does")
	case phnum == 0:
		return nil, errors.New("ELF file has no program headers: no kernel loads it")
	case phentsize != phentWant:
		return nil, fmt.Errorf("ELF program header size e_phentsize is %d, not %d: the kernel refuses the file", phentsize, phentWant)
	case phoff > uint64(size) || uint64(phnum*phentsize) > uint64(size)-phoff:
		return nil, fmt.Errorf("ELF program header table (%d entries at %#x) extends past the end of the file: the file is truncated or damaged; build it again", phnum, phoff)
	case phnum*phentsize > maxProgHeaders:
		return nil, fmt.Errorf("ELF program header table of %d bytes is larger than the %d the kernel reads", phnum*phentsize, maxProgHeaders)
	}
	// The kernel reads the table at e_phoff even when it overlaps the ELF
	// header, so its entries are read from the file as it is.
	tab := make([]byte, phnum*phentsize)
	if _, err := r.ReadAt(tab, int64(phoff)); err != nil {
		return nil, fmt.Errorf("reading ELF program headers: %w", err)
	}
	f.progs = make([]progHeader, phnum)
	for i := range f.progs {
		ph := tab[i*phentsize:]
		// Field offsets in Elf32_Phdr and Elf64_Phdr.
		if f.class == elf.ELFCLASS32 {
			f.progs[i] = progHeader{typ: elf.ProgType(bo.Uint32(ph)), off: uint64(bo.Uint32(ph[4:])), vaddr: uint64(bo.Uint32(ph[8:])), filesz: uint64(bo.Uint32(ph[16:]))}
		} else {
			f.progs[i] = progHeader{typ: elf.ProgType(bo.Uint32(ph)), off: bo.Uint64(ph[8:]), vaddr: bo.Uint64(ph[16:]), filesz: bo.Uint64(ph[32:])}
		}
	}

	b := &Binary{
		Format: "elf",
		GOOS:   elfGOOS(elf.OSABI(ident[elf.EI_OSABI])),
		GOARCH: elfGOARCH(machine, f.class, data),
		PIE:    typ == elf.ET_DYN,
	}
	var dyn *progHeader
	for i := range f.progs {
		p := &f.progs[i]
		if p.off > uint64(size) || p.filesz > uint64(size)-p.off {
			if p.typ == elf.PT_INTERP || p.typ == elf.PT_DYNAMIC || p.typ == elf.PT_LOAD {
				return nil, fmt.Errorf("ELF %s segment at %#x+%#x extends past the end of the file: the file is truncated or damaged; build it again", p.typ, p.off, p.filesz)
			}
			continue
		}
		switch p.typ {
		case elf.PT_INTERP:
			if b.Interpreter != "" {
				continue // the kernel uses the first
			}
			if p.filesz > maxInterp {
				return nil, fmt.Errorf("ELF PT_INTERP of %d bytes is too long for a path", p.filesz)
			}
			buf := make([]byte, p.filesz)
			if _, err := r.ReadAt(buf, int64(p.off)); err != nil {
				return nil, fmt.Errorf("reading ELF PT_INTERP: %w", err)
			}
			if len(buf) == 0 || buf[len(buf)-1] != 0 {
				return nil, errors.New("ELF PT_INTERP does not end in a NUL: the kernel refuses the file")
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
func readDynamic(b *Binary, f *elfFile, p *progHeader, r io.ReaderAt, size int64) error {
	if p.filesz > maxDynamic {
		return fmt.Errorf("ELF PT_DYNAMIC of %d bytes is too large", p.filesz)
	}
	data := make([]byte, p.filesz)
	if _, err := r.ReadAt(data, int64(p.off)); err != nil {
		return fmt.Errorf("reading ELF PT_DYNAMIC: %w", err)
	}
	entSize := 16
	if f.class == elf.ELFCLASS32 {
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
			tag = f.bo.Uint64(data[off:])
			val = f.bo.Uint64(data[off+8:])
		} else {
			tag = uint64(f.bo.Uint32(data[off:]))
			val = uint64(f.bo.Uint32(data[off+4:]))
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
func vaddrToOffset(f *elfFile, a uint64, size int64) (off, limit int64, ok bool) {
	for _, p := range f.progs {
		if p.typ != elf.PT_LOAD || a < p.vaddr || a-p.vaddr >= p.filesz {
			continue
		}
		if p.off > uint64(size) || p.filesz > uint64(size)-p.off {
			return 0, 0, false
		}
		return int64(p.off + (a - p.vaddr)), int64(p.off + p.filesz), true
	}
	return 0, 0, false
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
