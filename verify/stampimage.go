package verify

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Bounds on what the -X check reads of a file.
const (
	maxRegions  = 1 << 10 // segments or sections
	maxSymbols  = 1 << 22 // symbol table entries
	maxValueLen = 1 << 24 // length of a string a header may claim
)

// memImage is what the -X check reads of a thin executable: where its bytes
// lie in memory, and its symbol table when it has one.
type memImage struct {
	r       io.ReaderAt
	size    int64
	format  string // "elf", "macho" or "pe"
	ptrSize int    // 4 or 8
	bo      binary.ByteOrder
	regions []memRegion // sorted by address, not overlapping

	// syms maps each symbol name to its address and size (0 when the
	// format does not record sizes). It is nil when the file has no
	// symbol table of a Go program: it was stripped (-s).
	syms map[string]memSym
}

// memSym is a symbol: an address and, where the format says, a size.
type memSym struct {
	addr, size uint64
}

// memRegion is a range of the file mapped at a virtual address: an ELF
// PT_LOAD segment, a Mach-O section or a PE section.
type memRegion struct {
	name     string // for messages, such as "the PT_LOAD segment at 0x57e000"
	addr     uint64 // virtual address of the first byte
	memsz    uint64 // bytes in memory
	off      int64  // file offset of the first byte
	filesz   uint64 // bytes in the file, at most memsz; the rest read as zeros
	writable bool
	exec     bool

	// vars says the region holds the program's package-level variables
	// with initial values: ELF .data and .noptrdata, Mach-O __DATA,__data
	// and __DATA,__noptrdata, PE .data. A -X variable's string header is
	// there, while the read-only data the linker makes writable only to
	// relocate it (.data.rel.ro, __DATA_CONST) holds string headers of the
	// program's constants.
	vars bool
}

// openImage reads the layout and symbols of the thin executable of the given
// size in r. The debug packages it calls were not written for hostile input,
// so a panic in them is turned into an error.
func openImage(r io.ReaderAt, size int64) (img *memImage, err error) {
	defer func() {
		if v := recover(); v != nil {
			img, err = nil, fmt.Errorf("the file is malformed: reading it failed (%v)", v)
		}
	}()
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, fmt.Errorf("too short for an executable header: %w", ErrUnknownFormat)
	}
	switch {
	case bytes.Equal(magic[:], []byte("\x7fELF")):
		img, err = elfImage(r, size)
	case isMachO(magic):
		img, err = machoImage(r, size)
	case magic[0] == 'M' && magic[1] == 'Z':
		img, err = peImageOf(r, size)
	default:
		return nil, ErrUnknownFormat
	}
	if err != nil {
		return nil, err
	}
	img.r, img.size = r, size
	if err := img.sortRegions(); err != nil {
		return nil, err
	}
	// A symbol table without the runtime's entry point is not a Go
	// program's: what a stripped file keeps, such as Mach-O's dynamic
	// imports.
	if _, ok := img.lookup("runtime.main"); !ok {
		img.syms = nil
	}
	return img, nil
}

// add records the region g, checking that its file bytes are in the file.
func (img *memImage) add(g memRegion, size int64) error {
	if g.filesz == 0 {
		g.off = 0
	}
	if g.off < 0 || uint64(g.off) > uint64(size) || g.filesz > uint64(size)-uint64(g.off) {
		return fmt.Errorf("%s at file offset %#x+%#x extends past the end of the file: the file is truncated or damaged", g.name, g.off, g.filesz)
	}
	g.memsz = max(g.memsz, g.filesz)
	if g.memsz == 0 {
		return nil
	}
	if g.addr+g.memsz < g.addr {
		return fmt.Errorf("%s at %#x+%#x wraps around the address space", g.name, g.addr, g.memsz)
	}
	if len(img.regions) == maxRegions {
		return fmt.Errorf("the file has more than %d segments or sections", maxRegions)
	}
	img.regions = append(img.regions, g)
	return nil
}

// sortRegions sorts the regions by address and rejects overlapping ones,
// which would make an address ambiguous.
func (img *memImage) sortRegions() error {
	sort.Slice(img.regions, func(i, j int) bool { return img.regions[i].addr < img.regions[j].addr })
	for i := 1; i < len(img.regions); i++ {
		a, b := img.regions[i-1], img.regions[i]
		if b.addr < a.addr+a.memsz {
			return fmt.Errorf("%s (%#x+%#x) overlaps %s (%#x+%#x) in memory: the file is damaged", b.name, b.addr, b.memsz, a.name, a.addr, a.memsz)
		}
	}
	return nil
}

// region returns the region holding addr, or nil.
func (img *memImage) region(addr uint64) *memRegion {
	i := sort.Search(len(img.regions), func(i int) bool { return img.regions[i].addr+img.regions[i].memsz > addr })
	if i < len(img.regions) && img.regions[i].addr <= addr {
		return &img.regions[i]
	}
	return nil
}

// read returns the n bytes at addr as the program sees them before it runs:
// the file's bytes, and zeros past the file data of the region. It fails
// unless all n bytes are in one region.
func (img *memImage) read(addr, n uint64) ([]byte, error) {
	g := img.region(addr)
	if g == nil {
		return nil, fmt.Errorf("address %#x is in no segment of the file", addr)
	}
	rel := addr - g.addr
	if n > g.memsz-rel {
		return nil, fmt.Errorf("%d bytes at %#x run past the end of %s", n, addr, g.name)
	}
	buf := make([]byte, n)
	if rel < g.filesz {
		m := min(n, g.filesz-rel)
		if _, err := img.r.ReadAt(buf[:m], g.off+int64(rel)); err != nil {
			return nil, fmt.Errorf("reading %d bytes at %#x: %w", m, addr, truncated(err))
		}
	}
	return buf, nil
}

// word decodes the pointer-sized word at the start of b.
func (img *memImage) word(b []byte) uint64 {
	if img.ptrSize == 4 {
		return uint64(img.bo.Uint32(b))
	}
	return img.bo.Uint64(b)
}

// lookup returns the symbol of the Go variable named as -X names it,
// "importpath.name", trying the spellings the linkers write: as is, with
// the last element of the import path escaped as the toolchain escapes it
// in symbol names ("gopkg.in/yaml%2ev3.Var"), and with the leading
// underscore of C symbols.
func (img *memImage) lookup(name string) (memSym, bool) {
	if img.syms == nil {
		return memSym{}, false
	}
	names := []string{name}
	if dot := strings.LastIndex(name, "."); dot > 0 {
		if esc := pathToPrefix(name[:dot]) + name[dot:]; esc != name {
			names = append(names, esc)
		}
	}
	for _, n := range names {
		for _, s := range []string{n, "_" + n} {
			if sym, ok := img.syms[s]; ok {
				return sym, true
			}
		}
	}
	return memSym{}, false
}

// pathToPrefix escapes an import path as the Go toolchain does in symbol
// names: control characters, space, '%', '"', bytes from 0x7f, and dots in
// the last path element become %xx.
func pathToPrefix(s string) string {
	slash := strings.LastIndex(s, "/")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || (c == '.' && i > slash) || c == '%' || c == '"' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// addSym records a symbol, keeping the first of a name.
func (img *memImage) addSym(name string, s memSym) error {
	if img.syms == nil {
		img.syms = make(map[string]memSym)
	}
	if len(img.syms) == maxSymbols {
		return fmt.Errorf("the symbol table has more than %d symbols", maxSymbols)
	}
	if _, dup := img.syms[name]; !dup {
		img.syms[name] = s
	}
	return nil
}

// elfImage reads an ELF file's allocated sections, or when the section
// headers are gone its PT_LOAD segments, and its .symtab.
func elfImage(r io.ReaderAt, size int64) (*memImage, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("reading ELF file: %w", truncated(err))
	}
	img := &memImage{format: "elf", bo: f.ByteOrder, ptrSize: 8}
	if f.Class == elf.ELFCLASS32 {
		img.ptrSize = 4
	}
	// The sections say where the variables are; without them (strip
	// --strip-section-headers), the writable PT_LOAD segments may hold
	// them.
	for _, sec := range f.Sections {
		if sec.Flags&elf.SHF_ALLOC == 0 || sec.Flags&elf.SHF_TLS != 0 || sec.Addr == 0 {
			continue
		}
		g := memRegion{
			name: "the section " + sec.Name,
			addr: sec.Addr, memsz: sec.Size, off: int64(sec.Offset), filesz: sec.Size,
			writable: sec.Flags&elf.SHF_WRITE != 0, exec: sec.Flags&elf.SHF_EXECINSTR != 0,
			vars: sec.Name == ".data" || sec.Name == ".noptrdata",
		}
		if sec.Type == elf.SHT_NOBITS {
			g.filesz = 0
		}
		if sec.Offset > uint64(size) {
			g.off = -1
		}
		if err := img.add(g, size); err != nil {
			return nil, fmt.Errorf("ELF %w", err)
		}
	}
	if len(img.regions) == 0 {
		for _, p := range f.Progs {
			if p.Type != elf.PT_LOAD {
				continue
			}
			g := memRegion{
				name: fmt.Sprintf("the PT_LOAD segment at %#x", p.Vaddr),
				addr: p.Vaddr, memsz: p.Memsz, off: int64(p.Off), filesz: p.Filesz,
				writable: p.Flags&elf.PF_W != 0, exec: p.Flags&elf.PF_X != 0,
				vars: p.Flags&elf.PF_W != 0,
			}
			if p.Off > uint64(size) {
				g.off = -1
			}
			if err := img.add(g, size); err != nil {
				return nil, fmt.Errorf("ELF %w", err)
			}
		}
	}
	if sec := f.SectionByType(elf.SHT_SYMTAB); sec != nil {
		if sec.Type != elf.SHT_NOBITS && (sec.Offset > uint64(size) || sec.Size > uint64(size)-sec.Offset) {
			return nil, fmt.Errorf("ELF symbol table at %#x+%#x extends past the end of the file", sec.Offset, sec.Size)
		}
		syms, err := f.Symbols()
		if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
			return nil, fmt.Errorf("reading the ELF symbol table: %w", truncated(err))
		}
		for _, s := range syms {
			if s.Section == elf.SHN_UNDEF || s.Name == "" {
				continue
			}
			if err := img.addSym(s.Name, memSym{addr: s.Value, size: s.Size}); err != nil {
				return nil, fmt.Errorf("ELF %w", err)
			}
		}
	}
	return img, nil
}

// Mach-O section types and attributes the -X check tells apart.
const (
	machoSectionType      = 0xff
	machoZerofill         = 0x1
	machoGBZerofill       = 0xc
	machoTLVZerofill      = 0x12
	machoPureInstructions = 0x80000000
	machoSomeInstructions = 0x400
	machoProtWrite        = 0x2
	machoNSect            = 0xe
	machoNType            = 0xe
	machoNStab            = 0xe0
)

// machoImage reads a thin Mach-O file's sections and LC_SYMTAB.
func machoImage(r io.ReaderAt, size int64) (*memImage, error) {
	if err := checkMachOHeader(r, size); err != nil {
		return nil, err
	}
	f, err := macho.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("reading Mach-O file: %w", truncated(err))
	}
	img := &memImage{format: "macho", bo: f.ByteOrder, ptrSize: 4}
	if f.Magic == macho.Magic64 {
		img.ptrSize = 8
	}
	prot := map[string]uint32{}
	for _, l := range f.Loads {
		if s, ok := l.(*macho.Segment); ok {
			prot[s.Name] = s.Prot
		}
	}
	for _, s := range f.Sections {
		g := memRegion{
			name: fmt.Sprintf("the section %s,%s", s.Seg, s.Name),
			addr: s.Addr, memsz: s.Size, off: int64(s.Offset), filesz: s.Size,
			writable: prot[s.Seg]&machoProtWrite != 0,
			exec:     s.Flags&(machoPureInstructions|machoSomeInstructions) != 0,
			vars:     s.Seg == "__DATA" && (s.Name == "__data" || s.Name == "__noptrdata"),
		}
		switch s.Flags & machoSectionType {
		case machoZerofill, machoGBZerofill, machoTLVZerofill:
			g.filesz = 0
		}
		if s.Seg == "__DWARF" || s.Seg == "__LINKEDIT" {
			continue // not mapped where the program reads it
		}
		if err := img.add(g, size); err != nil {
			return nil, fmt.Errorf("Mach-O %w", err)
		}
	}
	if f.Symtab != nil {
		for _, s := range f.Symtab.Syms {
			if s.Type&machoNStab != 0 || s.Type&machoNType != machoNSect || s.Sect == 0 || s.Name == "" {
				continue
			}
			if err := img.addSym(s.Name, memSym{addr: s.Value}); err != nil {
				return nil, fmt.Errorf("Mach-O %w", err)
			}
		}
	}
	return img, nil
}

// PE section characteristics the -X check tells apart.
const (
	peScnCode        = 0x00000020
	peScnDiscardable = 0x02000000
	peScnExecute     = 0x20000000
	peScnWrite       = 0x80000000
)

// peImageOf reads a PE file's sections and COFF symbol table. Addresses
// are virtual addresses at the preferred ImageBase, as the file's data
// holds them.
func peImageOf(r io.ReaderAt, size int64) (*memImage, error) {
	if err := checkPEHeader(r, size); err != nil {
		return nil, err
	}
	f, err := pe.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("reading PE file: %w", truncated(err))
	}
	img := &memImage{format: "pe", bo: binary.LittleEndian}
	var base uint64
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		img.ptrSize, base = 4, uint64(oh.ImageBase)
	case *pe.OptionalHeader64:
		img.ptrSize, base = 8, oh.ImageBase
	default:
		return nil, errors.New("PE file has no optional header: it is an object file, not an executable")
	}
	for _, s := range f.Sections {
		if s.Characteristics&peScnDiscardable != 0 {
			continue // debug information, relocations, symbols: not data the program reads
		}
		filesz := uint64(s.Size)
		if s.VirtualSize != 0 {
			filesz = min(filesz, uint64(s.VirtualSize))
		}
		g := memRegion{
			name: "the section " + s.Name,
			addr: base + uint64(s.VirtualAddress), memsz: max(uint64(s.VirtualSize), filesz),
			off: int64(s.Offset), filesz: filesz,
			writable: s.Characteristics&peScnWrite != 0,
			exec:     s.Characteristics&(peScnExecute|peScnCode) != 0,
			vars:     s.Name == ".data",
		}
		if err := img.add(g, size); err != nil {
			return nil, fmt.Errorf("PE %w", err)
		}
	}
	for _, s := range f.Symbols {
		if s.SectionNumber < 1 || int(s.SectionNumber) > len(f.Sections) || s.Name == "" {
			continue
		}
		addr := base + uint64(f.Sections[s.SectionNumber-1].VirtualAddress) + uint64(s.Value)
		if err := img.addSym(s.Name, memSym{addr: addr}); err != nil {
			return nil, fmt.Errorf("PE %w", err)
		}
	}
	return img, nil
}
