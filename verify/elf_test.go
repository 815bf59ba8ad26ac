package verify

import (
	"debug/elf"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestELFCgoDynamicFails(t *testing.T) {
	needTool(t, "gcc", "gcc")
	path := goBuild(t, build{pkg: netuserPkg, cgo: true, flags: []string{"-trimpath"}})
	r := check(t, path, Policy{Cgo: true})
	if r.Interpreter == "" || r.Linkage != "dynamic" {
		t.Fatalf("cgo netuser: interpreter %q, linkage %s; want a dynamic binary with an interpreter", r.Interpreter, r.Linkage)
	}
	if !slices.Contains(r.Libraries, "libc.so.6") {
		t.Errorf("libraries %q, want libc.so.6", r.Libraries)
	}
	wantProblems(t, r, 2, "links libc.so.6 dynamically", "requests the program interpreter "+r.Interpreter)
	// The zero policy judges it by what it is: a dynamic cgo build.
	r = check(t, path, Policy{})
	wantProblems(t, r, 2, "links libc.so.6 dynamically", "requests the program interpreter")
	if r.Cgo != "dynamic" {
		t.Errorf("cgo %q, want dynamic", r.Cgo)
	}
	// The same binary, judged as the pure-Go build it is not.
	wantProblems(t, check(t, path, Policy{PureGo: true}), 3, "CGO_ENABLED=1, but a pure-Go build was asked for")
	// Without the tags a static cgo build needs.
	wantProblems(t, check(t, path, Policy{Cgo: true, RequireTags: []string{"netgo", "osusergo"}}), 4, "netgo", "osusergo")
}

func TestELFRunPathFails(t *testing.T) {
	needTool(t, "gcc", "gcc")
	path := goBuild(t, build{pkg: netuserPkg, cgo: true, flags: []string{"-trimpath", "-ldflags=-r /opt/netuser/lib"}})
	wantProblems(t, check(t, path, Policy{Cgo: true}), 3, "sets the library search path /opt/netuser/lib")
}

func TestELFPIEFails(t *testing.T) {
	// -buildmode=pie without cgo still needs the dynamic loader.
	path := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: append([]string{"-buildmode=pie"}, release...)})
	r := check(t, path, Policy{BuildMode: "pie"})
	wantProblems(t, r, 1, "requests the program interpreter /lib")
	if len(r.Libraries) != 0 {
		t.Errorf("libraries %q, want none", r.Libraries)
	}
	b, err := Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if !b.PIE || b.Static() {
		t.Errorf("PIE %v, Static %v; want a PIE that is not static", b.PIE, b.Static())
	}
}

func TestELFPureGoDynamicImportFails(t *testing.T) {
	// CGO_ENABLED=0 does not by itself make a binary static: a
	// //go:cgo_import_dynamic directive adds DT_NEEDED and PT_INTERP.
	path := goBuild(t, build{pkg: "./testdata/dynimport", goos: "linux", goarch: "amd64", flags: release})
	wantProblems(t, check(t, path, Policy{}), 2, "links /opt/homebrew/lib/libfoo.1.dylib dynamically", "program interpreter")
}

func TestELFExternalStaticPasses(t *testing.T) {
	needTool(t, "gcc", "gcc")
	static := []string{"-trimpath", "-ldflags=-s -w -linkmode external -extldflags -static"}
	// With C code linked in: glibc's getaddrinfo and getpwuid_r.
	path := goBuild(t, build{pkg: netuserPkg, cgo: true, flags: static})
	r := check(t, path, Policy{Cgo: true})
	wantOK(t, r)
	if r.Linkage != "static" || r.Cgo != "static" {
		t.Errorf("linkage %s, cgo %s; want static and static", r.Linkage, r.Cgo)
	}
	// The zero policy takes it for what it is; a pure-Go one does not.
	wantOK(t, check(t, path, Policy{}))
	wantProblems(t, check(t, path, Policy{PureGo: true}), 1, "was built with CGO_ENABLED=1, but a pure-Go build was asked for")
	// The static cgo mode: pure-Go resolver and user lookup.
	tagged := goBuild(t, build{pkg: netuserPkg, cgo: true, flags: append([]string{"-tags=netgo,osusergo"}, static...)})
	wantOK(t, check(t, tagged, Policy{Cgo: true, RequireTags: []string{"netgo", "osusergo"}}))
}

func TestELFStaticPIEPasses(t *testing.T) {
	needTool(t, "gcc", "gcc")
	path := goBuild(t, build{pkg: netuserPkg, cgo: true, flags: []string{
		"-trimpath", "-buildmode=pie", "-tags=netgo,osusergo",
		"-ldflags=-linkmode external -extldflags -static-pie",
	}})
	r := check(t, path, Policy{Cgo: true, BuildMode: "pie", RequireTags: []string{"netgo", "osusergo"}})
	wantOK(t, r)
	if r.Linkage != "static-pie" || r.Cgo != "static-pie" {
		t.Errorf("linkage %s, cgo %s; want static-pie and static-pie", r.Linkage, r.Cgo)
	}
	wantOK(t, check(t, path, Policy{}))
	wantProblems(t, check(t, path, Policy{BuildMode: "exe"}), 1, "was built with -buildmode=pie, not exe")
}

func TestELFSectionHeadersRemoved(t *testing.T) {
	// debug/elf reads libraries from the section headers, which a loader
	// ignores and a stripper may remove; Verify reads the program headers.
	pie := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: append([]string{"-buildmode=pie"}, release...)})
	stripped := patched(t, pie, removeSectionHeaders)
	f, err := elf.Open(stripped)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Sections) != 0 {
		t.Fatalf("%d sections left after removing the section headers", len(f.Sections))
	}
	f.Close()
	wantProblems(t, check(t, stripped, Policy{BuildMode: "pie"}), 1, "requests the program interpreter /lib")

	needTool(t, "gcc", "gcc")
	dynamic := goBuild(t, build{pkg: netuserPkg, cgo: true, flags: []string{"-trimpath"}})
	stripped = patched(t, dynamic, removeSectionHeaders)
	if libs := importedLibraries(t, dynamic); !slices.Contains(libs, "libc.so.6") {
		t.Fatalf("debug/elf finds %q in the original, want libc.so.6", libs)
	}
	if libs := importedLibraries(t, stripped); len(libs) != 0 {
		t.Fatalf("debug/elf finds %q without section headers, want nothing (the blind spot this test covers)", libs)
	}
	r := check(t, stripped, Policy{Cgo: true})
	wantProblems(t, r, 2, "links libc.so.6 dynamically", "requests the program interpreter")
	// Build information is still read.
	if r.BuildInfo == nil || r.BuildInfo.Setting("CGO_ENABLED") != "1" {
		t.Errorf("build info %+v, want CGO_ENABLED=1", r.BuildInfo)
	}
}

// importedLibraries returns what debug/elf says the file at path imports.
func importedLibraries(t *testing.T, path string) []string {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, _ := f.ImportedLibraries()
	return libs
}

func TestELFNotGo(t *testing.T) {
	gcc := needTool(t, "gcc", "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "hello.c")
	if err := os.WriteFile(src, []byte("#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	static, dynamic := filepath.Join(dir, "static"), filepath.Join(dir, "dynamic")
	for _, args := range [][]string{{"-static", "-o", static, src}, {"-o", dynamic, src}} {
		if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %q: %v\n%s", args, err, out)
		}
	}
	r := check(t, static, Policy{})
	wantProblems(t, r, 1, "has no Go build information")
	if r.Linkage != "static" || r.BuildInfo != nil {
		t.Errorf("linkage %s, build info %v; want static and none", r.Linkage, r.BuildInfo)
	}
	wantProblems(t, check(t, dynamic, Policy{}), 3, "has no Go build information", "links libc.so.6 dynamically", "program interpreter")
}

// overlapHeader32 moves the program header table of the little-endian ELF32
// file data to byte 32, inside the ELF header, where the kernel reads it all
// the same. Its first entry is then made of header fields the kernel
// ignores: e_shoff is its p_type, e_flags its p_offset, e_shnum its
// p_filesz. With interp set, that entry is a PT_INTERP naming interp, stored
// at byte 0x200; else it is PT_NULL. The original entries follow it, over
// the start of the section headers, which the kernel does not read either.
func overlapHeader32(t *testing.T, data []byte, interp string) []byte {
	t.Helper()
	const phent, interpOff = 32, 0x200
	phoff := int(le.Uint32(data[28:]))
	phnum := int(le.Uint16(data[44:]))
	if phoff != 52 {
		t.Fatalf("e_phoff %d, want the table right after the header", phoff)
	}
	for i := range phnum {
		ph := data[phoff+i*phent:]
		typ, off, size := elf.ProgType(le.Uint32(ph)), le.Uint32(ph[4:]), le.Uint32(ph[16:])
		if typ != elf.PT_LOAD && typ != elf.PT_PHDR && size > 0 && off < interpOff+0x100 {
			t.Fatalf("%s segment at %#x: the bytes this changes are no longer free", typ, off)
		}
	}
	end := 64 + phnum*phent // the table's new end, 12 bytes past its old one
	table := slices.Clone(data[phoff : phoff+phnum*phent])
	clear(data[52:end])
	copy(data[64:], table)
	le.PutUint32(data[28:], 32)              // e_phoff
	le.PutUint16(data[44:], uint16(phnum+1)) // e_phnum
	le.PutUint32(data[32:], 0)               // e_shoff: p_type PT_NULL
	le.PutUint32(data[36:], interpOff)       // e_flags: p_offset
	le.PutUint32(data[46:], 0)               // e_shentsize and e_shnum: p_paddr and p_filesz
	le.PutUint16(data[50:], 0)               // e_shstrndx
	if interp != "" {
		le.PutUint32(data[32:], uint32(elf.PT_INTERP))
		le.PutUint16(data[48:], uint16(len(interp)+1))
		copy(data[interpOff:], interp+"\x00")
	}
	return data
}

func TestELFProgramHeadersInHeader(t *testing.T) {
	// The kernel reads the program headers at e_phoff even inside the ELF
	// header: a PT_INTERP made of header bytes counts, and must not be
	// hidden by how the header is read.
	exe := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "386", flags: release})
	static := patched(t, exe, func(d []byte) []byte { return overlapHeader32(t, d, "") })
	interp := patched(t, exe, func(d []byte) []byte { return overlapHeader32(t, d, "/nonexistent/ld.so") })

	b, err := Inspect(static)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Static() || b.BuildInfo.Setting("GOARCH") != "386" {
		t.Errorf("static, overlapping: Static %v, build info %v; want a static 386 Go binary", b.Static(), b.BuildInfo)
	}
	wantOK(t, check(t, static, Policy{GOOS: "linux", GOARCH: "386", PureGo: true}))
	r := check(t, interp, Policy{GOOS: "linux", GOARCH: "386"})
	wantProblems(t, r, 1, "requests the program interpreter /nonexistent/ld.so")
	if r.Linkage != "dynamic" {
		t.Errorf("linkage %s, want dynamic", r.Linkage)
	}

	// Where the kernel can run them, it agrees: the first runs, the second
	// asks for its missing interpreter.
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" && runtime.GOARCH != "386" {
		return
	}
	if err := exec.Command(exe).Run(); err != nil {
		t.Logf("this kernel runs no linux/386 binary (%v): not running the patched files", err)
		return
	}
	if out, err := exec.Command(static).CombinedOutput(); err != nil || string(out) != "hello, world\n" {
		t.Errorf("the kernel does not run the static file: %v %q", err, out)
	}
	if err := exec.Command(interp).Run(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("running the file with a PT_INTERP in its header: %v, want the interpreter not found", err)
	}
}

func TestELFProgramHeadersInHeader64(t *testing.T) {
	// In ELF64 an entry starting at e_shoff takes its p_offset from
	// e_flags, e_ehsize and e_phentsize, which put it far past the end of
	// any file: the kernel refuses such a file (EIO), and so does Check.
	exe := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: release})
	path := patched(t, exe, func(d []byte) []byte {
		const phent = 56
		phnum := int(le.Uint16(d[56:]))
		table := slices.Clone(d[64 : 64+phnum*phent])
		clear(d[64 : 96+phnum*phent])
		copy(d[96:], table)
		le.PutUint64(d[32:], 40)              // e_phoff: at e_shoff
		le.PutUint16(d[56:], uint16(phnum+1)) // e_phnum
		le.PutUint64(d[40:], uint64(elf.PT_INTERP))
		le.PutUint64(d[58:], 0) // e_shentsize, e_shnum, e_shstrndx, and 2 bytes of the gap
		le.PutUint64(d[72:], 28)
		return d
	})
	_, err := Check(path, Policy{})
	if err == nil || !strings.Contains(err.Error(), path+": ELF PT_INTERP segment at 0x38004000000000+0x1c extends past the end of the file") {
		t.Errorf("got %v, want the PT_INTERP in the header past the end of the file", err)
	}
}
