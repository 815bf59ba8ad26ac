package pkgsize

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
)

// This file writes small synthetic binaries, a few hundred bytes each, that
// hold a Go 1.20 pclntab: the fuzz seeds, and the start of the tests of
// malformed input, which change one field of them.

// A synthFunc is a function of a synthetic pclntab.
type synthFunc struct {
	name   string
	size   uint32
	pcfile uint32 // offset of its file table in pctab
	cu     uint32 // its compilation unit's index in cutab
}

// synthTables are the file tables of a synthetic pclntab.
type synthTables struct {
	cutab, filetab, pctab []byte
	nfiles                int
}

// defaultTables has one file, which every function that has a file table
// at offset 1 is in.
var defaultTables = synthTables{
	cutab:   []byte{0, 0, 0, 0},
	filetab: []byte("a.go\x00"),
	pctab:   []byte{0, 2, 1, 0}, // at offset 1: file 0 from pc 0 to 1
	nfiles:  1,
}

var synthFuncs = []synthFunc{
	{"main.main", 64, 1, 0},
	{"gopkg.in/yaml%2ev3.(*T[go.shape.int]).M", 32, 1, 0},
	{"cmpbody", 32, 1, 0},
}

// synthLayout tells where the parts of a synthetic pclntab are, for the
// tests that corrupt them.
type synthLayout struct {
	names   int // offset of funcnametab
	functab int // offset of the functab
	records int // offset of the first _func record
}

// synthPclntab returns a little-endian Go 1.20 pclntab for 8-byte
// pointers listing funcs, and where its parts are.
func synthPclntab(funcs []synthFunc) ([]byte, synthLayout) {
	return synthPclntabFiles(funcs, defaultTables)
}

// synthPclntabFiles is synthPclntab with the given file tables.
func synthPclntabFiles(funcs []synthFunc, ft synthTables) ([]byte, synthLayout) {
	const ptrSize = 8
	le := binary.LittleEndian
	var names bytes.Buffer
	nameOff := make([]uint32, len(funcs))
	for i, f := range funcs {
		nameOff[i] = uint32(names.Len())
		names.WriteString(f.name)
		names.WriteByte(0)
	}
	hdr := 8 + 8*ptrSize
	var l synthLayout
	l.names = hdr
	cutab := l.names + names.Len()
	filetab := cutab + len(ft.cutab)
	pctab := filetab + len(ft.filetab)
	l.functab = pctab + len(ft.pctab)
	l.functab += -l.functab & (ptrSize - 1)
	l.records = l.functab + 8*len(funcs) + 4
	l.records += -l.records & (ptrSize - 1)
	size := l.records + funcSize*len(funcs)
	b := make([]byte, size)
	le.PutUint32(b, go120Magic)
	b[6], b[7] = 1, ptrSize
	for i, v := range []int{len(funcs), ft.nfiles, 0, l.names, cutab, filetab, pctab, l.functab} {
		le.PutUint64(b[8+i*ptrSize:], uint64(v))
	}
	copy(b[l.names:], names.Bytes())
	copy(b[cutab:], ft.cutab)
	copy(b[filetab:], ft.filetab)
	copy(b[pctab:], ft.pctab)
	var pc uint32
	for i, f := range funcs {
		rec := l.records + i*funcSize
		le.PutUint32(b[l.functab+8*i:], pc)
		le.PutUint32(b[l.functab+8*i+4:], uint32(rec-l.functab))
		le.PutUint32(b[rec:], pc)
		le.PutUint32(b[rec+funcNameOff:], nameOff[i])
		le.PutUint32(b[rec+funcPcfile:], f.pcfile)
		le.PutUint32(b[rec+funcCuOffset:], f.cu)
		pc += f.size
	}
	le.PutUint32(b[l.functab+8*len(funcs):], pc)
	return b, l
}

func textSize(funcs []synthFunc) int {
	n := 0
	for _, f := range funcs {
		n += int(f.size)
	}
	return n
}

// synthELF returns a 64-bit little-endian ELF file with sections .text
// and .gopclntab, the latter holding pclntab, and where the pclntab starts.
func synthELF(pclntab []byte, text int) ([]byte, int) {
	le := binary.LittleEndian
	shstrtab := "\x00.text\x00.gopclntab\x00.shstrtab\x00"
	const ehsize, shentsize = 64, 64
	textOff := ehsize
	pclnOff := textOff + text
	strOff := pclnOff + len(pclntab)
	shOff := strOff + len(shstrtab)
	shOff += -shOff & 7
	var buf bytes.Buffer
	hdr := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: 1,
		Shoff: uint64(shOff), Ehsize: ehsize, Shentsize: shentsize, Shnum: 4, Shstrndx: 3,
	}
	copy(hdr.Ident[:], "\x7fELF\x02\x01\x01")
	binary.Write(&buf, le, hdr)
	buf.Write(make([]byte, text))
	buf.Write(pclntab)
	buf.WriteString(shstrtab)
	buf.Write(make([]byte, shOff-buf.Len()))
	sections := []elf.Section64{
		{},
		{Name: 1, Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC | elf.SHF_EXECINSTR), Addr: 0x401000, Off: uint64(textOff), Size: uint64(text), Addralign: 32},
		{Name: 7, Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC), Addr: 0x500000, Off: uint64(pclnOff), Size: uint64(len(pclntab)), Addralign: 8},
		{Name: 18, Type: uint32(elf.SHT_STRTAB), Off: uint64(strOff), Size: uint64(len(shstrtab)), Addralign: 1},
	}
	binary.Write(&buf, le, sections)
	return buf.Bytes(), pclnOff
}

// synthPE returns a PE32+ file for amd64 with sections .text and .rdata,
// the pclntab inside .rdata after some other read-only data, and where the
// pclntab starts.
func synthPE(pclntab []byte, text int) ([]byte, int) {
	return synthPEOverlap(pclntab, text, 0)
}

// synthPEOverlap is synthPE with copies more section headers for the
// bytes of .rdata.
func synthPEOverlap(pclntab []byte, text, copies int) ([]byte, int) {
	le := binary.LittleEndian
	const peOff = 0x40
	var oh pe.OptionalHeader64
	ohSize := binary.Size(oh)
	textOff := peOff + 4 + binary.Size(pe.FileHeader{}) + ohSize + (2+copies)*binary.Size(pe.SectionHeader32{})
	// Decoys: a magic number with the wrong pointer size, and one with a
	// header that does not check out.
	rodata := []byte("rodata\xf1\xff\xff\xff\x00\x00\x01\x04....\xf1\xff\xff\xff\x00\x00\x01\x08")
	rdataOff := textOff + text
	rdata := append(append([]byte{}, rodata...), pclntab...)
	var buf bytes.Buffer
	buf.WriteString("MZ")
	buf.Write(make([]byte, 0x3c-2))
	binary.Write(&buf, le, uint32(peOff))
	buf.WriteString("PE\x00\x00")
	binary.Write(&buf, le, pe.FileHeader{
		Machine: pe.IMAGE_FILE_MACHINE_AMD64, NumberOfSections: uint16(2 + copies),
		SizeOfOptionalHeader: uint16(ohSize), Characteristics: pe.IMAGE_FILE_EXECUTABLE_IMAGE,
	})
	oh = pe.OptionalHeader64{Magic: 0x20b, ImageBase: 0x140000000, SectionAlignment: 0x1000, FileAlignment: 1, NumberOfRvaAndSizes: 16}
	binary.Write(&buf, le, oh)
	sh := func(name string, size, off int, ch uint32) pe.SectionHeader32 {
		h := pe.SectionHeader32{VirtualSize: uint32(size), VirtualAddress: uint32(off), SizeOfRawData: uint32(size), PointerToRawData: uint32(off), Characteristics: ch}
		copy(h.Name[:], name)
		return h
	}
	headers := []pe.SectionHeader32{sh(".text", text, textOff, pe.IMAGE_SCN_CNT_CODE|pe.IMAGE_SCN_MEM_EXECUTE|pe.IMAGE_SCN_MEM_READ)}
	for range 1 + copies {
		headers = append(headers, sh(".rdata", len(rdata), rdataOff, pe.IMAGE_SCN_CNT_INITIALIZED_DATA|pe.IMAGE_SCN_MEM_READ))
	}
	binary.Write(&buf, le, headers)
	buf.Write(make([]byte, text))
	buf.Write(rdata)
	return buf.Bytes(), rdataOff + len(rodata)
}

// synthMachO returns a 64-bit Mach-O file for arm64 with sections
// __TEXT,__text and __TEXT,__gopclntab, and where the pclntab starts.
func synthMachO(pclntab []byte, text int) ([]byte, int) {
	le := binary.LittleEndian
	segSize := binary.Size(macho.Segment64{})
	sectSize := binary.Size(macho.Section64{})
	cmdSize := segSize + 2*sectSize
	textOff := 32 + cmdSize
	pclnOff := textOff + text
	var buf bytes.Buffer
	binary.Write(&buf, le, macho.FileHeader{Magic: macho.Magic64, Cpu: macho.CpuArm64, Type: macho.TypeExec, Ncmd: 1, Cmdsz: uint32(cmdSize)})
	buf.Write(make([]byte, 4)) // reserved
	seg := macho.Segment64{Cmd: macho.LoadCmdSegment64, Len: uint32(cmdSize), Addr: 0x100000000, Memsz: uint64(pclnOff + len(pclntab)), Filesz: uint64(pclnOff + len(pclntab)), Maxprot: 5, Prot: 5, Nsect: 2}
	copy(seg.Name[:], "__TEXT")
	binary.Write(&buf, le, seg)
	sect := func(name string, off, size int, flags uint32) macho.Section64 {
		s := macho.Section64{Addr: 0x100000000 + uint64(off), Size: uint64(size), Offset: uint32(off), Flags: flags}
		copy(s.Name[:], name)
		copy(s.Seg[:], "__TEXT")
		return s
	}
	binary.Write(&buf, le, []macho.Section64{
		sect("__text", textOff, text, machoPureInstructions|machoSomeInstructions),
		sect("__gopclntab", pclnOff, len(pclntab), 0),
	})
	buf.Write(make([]byte, text))
	buf.Write(pclntab)
	return buf.Bytes(), pclnOff
}

// synthFiles returns the synthetic files by name.
func synthFiles() map[string][]byte {
	tab, _ := synthPclntab(synthFuncs)
	text := textSize(synthFuncs)
	elfFile, _ := synthELF(tab, text)
	peFile, _ := synthPE(tab, text)
	machoFile, _ := synthMachO(tab, text)
	return map[string][]byte{
		"elf":     elfFile,
		"pe":      peFile,
		"macho":   machoFile,
		"pclntab": tab,
	}
}
