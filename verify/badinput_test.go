package verify

import (
	"bytes"
	"debug/elf"
	"debug/pe"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// maxBadInputAlloc bounds what Check may allocate on a malformed file: a few
// read buffers, never a size the file claims.
const maxBadInputAlloc = 16 << 20

// elfProg returns the file offset of the first program header of type typ
// in the little-endian ELF64 data, and that segment's file offset.
func elfProg(t *testing.T, data []byte, typ elf.ProgType) (phdr int, off uint64) {
	t.Helper()
	phoff := binary.LittleEndian.Uint64(data[32:])
	phnum := int(binary.LittleEndian.Uint16(data[56:]))
	for i := 0; i < phnum; i++ {
		ph := int(phoff) + i*56
		if elf.ProgType(binary.LittleEndian.Uint32(data[ph:])) == typ {
			return ph, binary.LittleEndian.Uint64(data[ph+8:])
		}
	}
	t.Fatalf("no %s program header", typ)
	return 0, 0
}

// setDyn sets the value of the first dynamic entry with tag in the
// little-endian ELF64 data.
func setDyn(t *testing.T, data []byte, tag elf.DynTag, val uint64) {
	t.Helper()
	_, off := elfProg(t, data, elf.PT_DYNAMIC)
	for p := int(off); ; p += 16 {
		switch elf.DynTag(binary.LittleEndian.Uint64(data[p:])) {
		case tag:
			binary.LittleEndian.PutUint64(data[p+8:], val)
			return
		case elf.DT_NULL:
			t.Fatalf("no %s entry", tag)
		}
	}
}

// peDataDir returns the offset in data of the PE32+ data directory entry i.
func peDataDir(data []byte, i int) int {
	return int(binary.LittleEndian.Uint32(data[0x3c:])) + 4 + 20 + 112 + 8*i
}

func TestBadInput(t *testing.T) {
	elfExe := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: release})
	elfPIE := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: append([]string{"-buildmode=pie"}, release...)})
	elfNeeded := goBuild(t, build{pkg: "./testdata/dynimport", goos: "linux", goarch: "amd64", flags: release})
	machoExe := goBuild(t, build{pkg: helloPkg, goos: "darwin", goarch: "arm64", flags: release})
	peExe := goBuild(t, build{pkg: helloPkg, goos: "windows", goarch: "amd64", flags: release})

	read := func(path string) []byte {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	edit := func(path string, fn func([]byte) []byte) []byte { return fn(read(path)) }
	u16 := func(off int, v uint16) func([]byte) []byte {
		return func(d []byte) []byte { binary.LittleEndian.PutUint16(d[off:], v); return d }
	}
	u32 := func(off int, v uint32) func([]byte) []byte {
		return func(d []byte) []byte { binary.LittleEndian.PutUint32(d[off:], v); return d }
	}

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", []byte{}, "empty file"},
		{"text", []byte("#!/bin/sh\necho hello\n"), ErrUnknownFormat.Error()},
		{"one byte", []byte{0x7f}, "too short"},
		{"ELF magic only", []byte("\x7fELF"), "truncated ELF header"},
		{"ELF bad class", []byte("\x7fELF\x09\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "unknown ELF class"},
		{"ELF header only", read(elfExe)[:64], "program header table"},
		{"ELF truncated", read(elfExe)[:1<<20], "extends past the end of the file"},
		{"ELF absurd phnum", edit(elfExe, u16(56, 0xfffe)), "program header table (65534 entries"},
		{"ELF PN_XNUM", edit(elfExe, u16(56, 0xffff)), "PN_XNUM"},
		{"ELF tiny phentsize", edit(elfExe, u16(54, 1)), "e_phentsize is 1, not 56: the kernel refuses the file"},
		{"ELF object file", edit(elfExe, u16(16, uint16(elf.ET_REL))), "ELF ET_REL file, which no kernel runs"},
		{"ELF no program headers", edit(elfExe, u16(56, 0)), "has no program headers"},
		{"ELF large program header table", edit(elfExe, u16(56, 1200)), "program header table of 67200 bytes is larger than the 65536"},
		{"ELF PT_INTERP without NUL", edit(elfPIE, func(d []byte) []byte {
			ph, _ := elfProg(t, d, elf.PT_INTERP)
			binary.LittleEndian.PutUint64(d[ph+32:], binary.LittleEndian.Uint64(d[ph+32:])-1)
			return d
		}), "PT_INTERP does not end in a NUL"},
		{"ELF huge PT_DYNAMIC", edit(elfPIE, func(d []byte) []byte {
			ph, _ := elfProg(t, d, elf.PT_DYNAMIC)
			binary.LittleEndian.PutUint64(d[ph+32:], 1<<62) // p_filesz
			return d
		}), "extends past the end of the file"},
		{"ELF large PT_DYNAMIC", edit(elfPIE, func(d []byte) []byte {
			ph, _ := elfProg(t, d, elf.PT_DYNAMIC)
			binary.LittleEndian.PutUint64(d[ph+8:], 0)                 // p_offset
			binary.LittleEndian.PutUint64(d[ph+32:], uint64(len(d)-1)) // p_filesz
			return d
		}), "PT_DYNAMIC of"},
		{"ELF long PT_INTERP", edit(elfPIE, func(d []byte) []byte {
			ph, _ := elfProg(t, d, elf.PT_INTERP)
			binary.LittleEndian.PutUint64(d[ph+32:], 1<<20)
			return d
		}), "too long for a path"},
		{"ELF unmapped DT_STRTAB", edit(elfNeeded, func(d []byte) []byte {
			setDyn(t, d, elf.DT_STRTAB, 0xdead0000)
			return d
		}), "DT_STRTAB address 0xdead0000 is in no PT_LOAD segment"},
		{"ELF DT_NEEDED outside DT_STRTAB", edit(elfNeeded, func(d []byte) []byte {
			setDyn(t, d, elf.DT_NEEDED, 1<<40)
			return d
		}), "outside DT_STRTAB"},
		{"Mach-O truncated header", read(machoExe)[:20], "truncated Mach-O header"},
		{"Mach-O truncated", read(machoExe)[:1<<20], "truncated"},
		{"Mach-O absurd ncmds", edit(machoExe, u32(16, 0xffffffff)), "claims 4294967295 load commands"},
		{"Mach-O absurd sizeofcmds", edit(machoExe, u32(20, 0xfffffff0)), "extend past the end of the file"},
		{"Mach-O dylib name outside command", edit(machoExe, func(d []byte) []byte {
			off := machoLoad(t, d, "/usr/lib/libSystem.B.dylib")
			binary.LittleEndian.PutUint32(d[off:], lcLoadWeakDylib)
			binary.LittleEndian.PutUint32(d[off+8:], 0xffff)
			return d
		}), "string offset 65535 is outside"},
		{"fat Mach-O", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x02" + strings.Repeat("\x00", 64)), "universal (fat) Mach-O"},
		{"Java class", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x34" + strings.Repeat("\x00", 64)), ErrUnknownFormat.Error()},
		{"WebAssembly", []byte("\x00asm\x01\x00\x00\x00"), "WebAssembly module"},
		{"XCOFF", []byte("\x01\xf7\x00\x04\x00\x00\x00\x00"), "XCOFF (AIX)"},
		{"MZ only", []byte("MZ"), "too short"},
		{"MZ short", []byte("MZ\x90\x00\x03\x00"), "truncated DOS header"},
		{"PE header outside", edit(peExe, u32(0x3c, 0x7fffffff)), "outside the file"},
		{"DOS program", u32(0x3c, 64)(append(append([]byte("MZ"), make([]byte, 62)...), "NE\x00\x00"+strings.Repeat("\x00", 64)...)), "without a PE signature"},
		{"PE truncated", read(peExe)[:1<<20], "extends past the end of the file"},
		{"PE absurd sections", edit(peExe, func(d []byte) []byte {
			return u16(int(binary.LittleEndian.Uint32(d[0x3c:]))+4+2, 0xffff)(d)
		}), "65535 sections"},
		{"PE absurd symbols", edit(peExe, func(d []byte) []byte {
			coff := int(binary.LittleEndian.Uint32(d[0x3c:])) + 4
			binary.LittleEndian.PutUint32(d[coff+8:], 0x1000)
			binary.LittleEndian.PutUint32(d[coff+12:], 0xffffffff)
			return d
		}), "symbol table"},
		{"PE unmapped import directory", edit(peExe, func(d []byte) []byte {
			return u32(peDataDir(d, pe.IMAGE_DIRECTORY_ENTRY_IMPORT), 0x7fff0000)(d)
		}), "address 0x7fff0000 is in no section's data"},
		{"PE bad DLL name", edit(peExe, func(d []byte) []byte {
			f, err := pe.NewFile(bytes.NewReader(d))
			if err != nil {
				t.Fatal(err)
			}
			rva := binary.LittleEndian.Uint32(d[peDataDir(d, pe.IMAGE_DIRECTORY_ENTRY_IMPORT):])
			for _, s := range f.Sections {
				if rva >= s.VirtualAddress && rva-s.VirtualAddress < s.Size {
					binary.LittleEndian.PutUint32(d[s.Offset+rva-s.VirtualAddress+12:], 0x7fff0000)
				}
			}
			return d
		}), "PE import directory: address 0x7fff0000"},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r, err := Check(path, Policy{Stamped: map[string]string{"main.version": "v1.2.3"}})
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("no error; report:\n%s", r)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("error %q, want it to start with the path and mention %q", err, tc.want)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > maxBadInputAlloc {
				t.Errorf("allocated %d bytes", n)
			}
			if _, err := Inspect(path); err == nil {
				t.Errorf("Inspect: no error")
			}
		})
	}
}

func TestNotAFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := Check(missing, Policy{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
	dir := t.TempDir()
	if _, err := Check(dir, Policy{}); err == nil || !strings.Contains(err.Error(), dir+": is a directory") {
		t.Errorf("directory: got %v", err)
	}
	if _, err := Inspect(dir); err == nil {
		t.Errorf("Inspect of a directory: no error")
	}
}
