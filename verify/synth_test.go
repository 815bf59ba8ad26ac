package verify

import (
	"encoding/binary"
	"slices"
	"testing"
)

// Small hand-made executables: the fuzz seeds, and tests of what no
// toolchain here produces. Each holds only what the readers look at.

var le = binary.LittleEndian

// makeELF returns a little-endian ELF64 x86-64 executable with one PT_LOAD
// segment covering the file, a PT_INTERP naming interp when it is not "", and
// a PT_DYNAMIC with a DT_NEEDED for each of needed when there are any.
func makeELF(interp string, needed ...string) []byte {
	const (
		base  = 0x400000
		ehdr  = 64
		phent = 56
	)
	nph := 1
	if interp != "" {
		nph++
	}
	if len(needed) > 0 {
		nph++
	}
	data := make([]byte, ehdr+nph*phent)
	copy(data, "\x7fELF\x02\x01\x01")
	le.PutUint16(data[16:], uint16(elfTypeExec))
	le.PutUint16(data[18:], 62) // EM_X86_64
	le.PutUint32(data[20:], 1)
	le.PutUint64(data[24:], base+0x1000) // e_entry
	le.PutUint64(data[32:], ehdr)        // e_phoff
	le.PutUint16(data[52:], ehdr)
	le.PutUint16(data[54:], phent)
	le.PutUint16(data[56:], uint16(nph))

	ph := ehdr + phent // the PT_LOAD header is written last
	prog := func(typ uint32, off, size uint64) {
		le.PutUint32(data[ph:], typ)
		le.PutUint32(data[ph+4:], 4) // PF_R
		le.PutUint64(data[ph+8:], off)
		le.PutUint64(data[ph+16:], base+off)
		le.PutUint64(data[ph+24:], base+off)
		le.PutUint64(data[ph+32:], size)
		le.PutUint64(data[ph+40:], size)
		le.PutUint64(data[ph+48:], 1)
		ph += phent
	}
	if interp != "" {
		off := uint64(len(data))
		data = append(data, interp+"\x00"...)
		prog(3, off, uint64(len(interp)+1)) // PT_INTERP
	}
	if len(needed) > 0 {
		strtab := uint64(len(data))
		data = append(data, 0)
		var names []uint64
		for _, n := range needed {
			names = append(names, uint64(len(data))-strtab)
			data = append(data, n+"\x00"...)
		}
		strsz := uint64(len(data)) - strtab
		for len(data)%8 != 0 {
			data = append(data, 0)
		}
		dyn := uint64(len(data))
		entry := func(tag, val uint64) {
			data = le.AppendUint64(data, tag)
			data = le.AppendUint64(data, val)
		}
		for _, n := range names {
			entry(1, n) // DT_NEEDED
		}
		entry(5, base+strtab)               // DT_STRTAB
		entry(10, strsz)                    // DT_STRSZ
		entry(0, 0)                         // DT_NULL
		prog(2, dyn, uint64(len(data))-dyn) // PT_DYNAMIC
	}
	ph = ehdr
	prog(1, 0, uint64(len(data))) // PT_LOAD
	return data
}

const elfTypeExec = 2

// machoCmd returns a Mach-O load command whose string s sits at byte fixed,
// with its offset at byte 8, as in dylib (fixed 24), dylinker and rpath
// (fixed 12) commands.
func machoCmd(cmd uint32, fixed int, s string) []byte {
	size := (fixed + len(s) + 1 + 7) &^ 7
	c := make([]byte, size)
	le.PutUint32(c, cmd)
	le.PutUint32(c[4:], uint32(size))
	le.PutUint32(c[8:], uint32(fixed))
	copy(c[fixed:], s)
	return c
}

// makeMachO returns a little-endian 64-bit arm64 Mach-O executable holding
// the given load commands.
func makeMachO(cmds ...[]byte) []byte {
	data := make([]byte, 32)
	le.PutUint32(data, 0xfeedfacf)
	le.PutUint32(data[4:], 0x0100000c) // CPU_TYPE_ARM64
	le.PutUint32(data[12:], 2)         // MH_EXECUTE
	le.PutUint32(data[16:], uint32(len(cmds)))
	le.PutUint32(data[24:], machoFlagPIE)
	for _, c := range cmds {
		data = append(data, c...)
	}
	le.PutUint32(data[20:], uint32(len(data)-32))
	return data
}

// makePE returns a PE32+ x86-64 executable with one section holding an
// import directory for imports and a delay-import directory for delay.
func makePE(imports, delay []string) []byte {
	const (
		peOff   = 64
		optOff  = peOff + 4 + 20
		optSize = 240
		sectHdr = optOff + optSize
		rawOff  = 0x200
		rva     = 0x1000
	)
	sect := make([]byte, 20*(len(imports)+1)+32*(len(delay)+1))
	name := func(s string) uint32 {
		r := rva + uint32(len(sect))
		sect = append(sect, s+"\x00"...)
		return r
	}
	for i, s := range imports {
		n := name(s) // before indexing sect, which name grows
		le.PutUint32(sect[20*i+12:], n)
	}
	delayOff := 20 * (len(imports) + 1)
	for i, s := range delay {
		n := name(s)
		le.PutUint32(sect[delayOff+32*i:], 1) // RVA-based
		le.PutUint32(sect[delayOff+32*i+4:], n)
	}
	for len(sect)%0x200 != 0 {
		sect = append(sect, 0)
	}

	data := make([]byte, rawOff, rawOff+len(sect))
	copy(data, "MZ")
	le.PutUint32(data[0x3c:], peOff)
	copy(data[peOff:], "PE\x00\x00")
	le.PutUint16(data[peOff+4:], 0x8664) // IMAGE_FILE_MACHINE_AMD64
	le.PutUint16(data[peOff+6:], 1)      // NumberOfSections
	le.PutUint16(data[peOff+20:], optSize)
	le.PutUint16(data[peOff+22:], 0x22) // executable, large address aware
	opt := data[optOff:]
	le.PutUint16(opt, 0x20b)            // PE32+
	le.PutUint64(opt[24:], 0x140000000) // ImageBase
	le.PutUint32(opt[32:], 0x1000)      // SectionAlignment
	le.PutUint32(opt[36:], 0x200)       // FileAlignment
	le.PutUint32(opt[56:], rva+0x1000)  // SizeOfImage
	le.PutUint32(opt[60:], rawOff)      // SizeOfHeaders
	le.PutUint16(opt[68:], 3)           // IMAGE_SUBSYSTEM_WINDOWS_CUI
	le.PutUint32(opt[108:], 16)         // NumberOfRvaAndSizes
	if len(imports) > 0 {
		le.PutUint32(opt[112+8:], rva)
		le.PutUint32(opt[112+8+4:], uint32(20*(len(imports)+1)))
	}
	if len(delay) > 0 {
		le.PutUint32(opt[112+8*13:], rva+uint32(delayOff))
		le.PutUint32(opt[112+8*13+4:], uint32(32*(len(delay)+1)))
	}
	sh := data[sectHdr:]
	copy(sh, ".idata")
	le.PutUint32(sh[8:], uint32(len(sect)))  // VirtualSize
	le.PutUint32(sh[12:], rva)               // VirtualAddress
	le.PutUint32(sh[16:], uint32(len(sect))) // SizeOfRawData
	le.PutUint32(sh[20:], rawOff)            // PointerToRawData
	le.PutUint32(sh[36:], 0xc0000040)        // initialized data, read, write
	return append(data, sect...)
}

func TestSyntheticFiles(t *testing.T) {
	b, err := inspect(bytesReader(makeELF("/lib/ld.so", "libc.so.6", "libm.so.6")))
	if err != nil {
		t.Fatal(err)
	}
	if b.Interpreter != "/lib/ld.so" || !slices.Equal(b.LibraryNames(), []string{"libc.so.6", "libm.so.6"}) || b.GOARCH != "amd64" {
		t.Errorf("ELF: %+v", b)
	}
	b, err = inspect(bytesReader(makeELF("")))
	if err != nil || !b.Static() {
		t.Errorf("static ELF: %+v, %v", b, err)
	}
	b, err = inspect(bytesReader(overlapELF(makeELF("/lib/ld.so", "libc.so.6"))))
	if err != nil || b.Interpreter != "/lib/ld.so" || !slices.Equal(b.LibraryNames(), []string{"libc.so.6"}) {
		t.Errorf("ELF with program headers in its header: %+v, %v", b, err)
	}

	b, err = inspect(bytesReader(makeMachO(
		machoCmd(lcLoadDylinker, 12, "/usr/lib/dyld"),
		machoCmd(lcLoadDylib, 24, "/usr/lib/libSystem.B.dylib"),
		machoCmd(lcLoadWeakDylib, 24, "@rpath/libfoo.dylib"),
		machoCmd(lcRpath, 12, "/opt/lib"),
	)))
	if err != nil {
		t.Fatal(err)
	}
	want := []Library{{"/usr/lib/libSystem.B.dylib", "needed"}, {"@rpath/libfoo.dylib", "weak"}}
	if b.Interpreter != "/usr/lib/dyld" || !slices.Equal(b.Libraries, want) || !slices.Equal(b.RPaths, []string{"/opt/lib"}) || b.GOARCH != "arm64" {
		t.Errorf("Mach-O: %+v", b)
	}

	b, err = inspect(bytesReader(makePE([]string{"KERNEL32.dll", "msvcrt.dll", "kernel32.dll"}, []string{"foo.dll"})))
	if err != nil {
		t.Fatal(err)
	}
	want = []Library{{"KERNEL32.dll", "needed"}, {"msvcrt.dll", "needed"}, {"foo.dll", "delay"}}
	if !slices.Equal(b.Libraries, want) || b.GOARCH != "amd64" {
		t.Errorf("PE: %+v", b)
	}
	wantProblems(t, newReport(b, Policy{Cgo: true}.judge(b)), 2, "delay-loads foo.dll", "has no Go build information")
}
