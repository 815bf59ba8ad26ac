package verify

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// mingw builds pkg for windows/amd64 with cgo and the MinGW-w64 toolchain,
// without -static, as a user who forgot it would.
func mingw(t *testing.T, pkg string) string {
	t.Helper()
	cc := needTool(t, "x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64")
	cxx := needTool(t, "x86_64-w64-mingw32-g++", "g++-mingw-w64-x86-64")
	return goBuild(t, build{pkg: pkg, goos: "windows", goarch: "amd64", cgo: true,
		env: []string{"CC=" + cc, "CXX=" + cxx}, flags: []string{"-trimpath"}})
}

func TestPEMinGWCxxFails(t *testing.T) {
	path := mingw(t, "./testdata/cxx")
	r := check(t, path, Policy{GOOS: "windows", GOARCH: "amd64", Cgo: true})
	wantProblems(t, r, 2,
		"imports libstdc++-6.dll, a MinGW runtime DLL that Windows does not ship",
		"imports libgcc_s_seh-1.dll, a MinGW runtime DLL")
	// Allowing msvcrt.dll for cgo does not allow the MinGW runtime.
	if !slices.Contains(r.Libraries, "msvcrt.dll") {
		t.Errorf("libraries %q, want msvcrt.dll among them", r.Libraries)
	}
}

func TestPECRuntime(t *testing.T) {
	path := mingw(t, "./testdata/cprog")
	wantOK(t, check(t, path, Policy{GOOS: "windows", GOARCH: "amd64", Cgo: true}))
	wantProblems(t, check(t, path, Policy{PureGo: true}), 2, "imports msvcrt.dll: C code was linked, but the build did not ask for cgo")
}

func TestPEImportsCoverDebugPE(t *testing.T) {
	// Every DLL pe.File.ImportedSymbols names is found by walking the
	// import descriptors (which also finds DLLs imported by ordinal only).
	paths := []string{goBuild(t, build{pkg: helloPkg, goos: "windows", goarch: "amd64", flags: release})}
	if _, err := exec.LookPath("x86_64-w64-mingw32-g++"); err == nil {
		paths = append(paths, mingw(t, "./testdata/cxx"))
	}
	for _, path := range paths {
		f, err := pe.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		syms, err := f.ImportedSymbols()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		b, err := Inspect(path)
		if err != nil {
			t.Fatal(err)
		}
		have := strings.ToLower(strings.Join(b.LibraryNames(), " "))
		for _, s := range syms {
			dll := strings.ToLower(s[strings.LastIndex(s, ":")+1:])
			if !strings.Contains(have, dll) {
				t.Errorf("%s: debug/pe imports %s from %s, not in %q", path, s, dll, b.LibraryNames())
			}
		}
	}
}

// addDelayImport adds to a PE32+ file a delay-import directory naming dll,
// written in the padding at the end of a section's raw data. GNU ld cannot
// make one: with dlltool --output-delaylib it links the stubs but leaves
// the delay-import directory entry empty.
func addDelayImport(t *testing.T, data []byte, dll string) []byte {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if oh, ok := f.OptionalHeader.(*pe.OptionalHeader64); !ok || oh.NumberOfRvaAndSizes <= pe.IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT {
		t.Fatal("not a PE32+ file with a delay-import directory entry")
	}
	const optDirs = 112 // offset of DataDirectory in IMAGE_OPTIONAL_HEADER64
	dirOff := binary.LittleEndian.Uint32(data[0x3c:]) + 4 + 20 + optDirs + 8*pe.IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT
	need := uint32(2*peDelayDescriptorSize + len(dll) + 1)
	for _, s := range f.Sections {
		used := (s.VirtualSize + 7) &^ 7
		if s.Size < used || s.Size-used < need {
			continue
		}
		off, rva := s.Offset+used, s.VirtualAddress+used
		table := data[off : off+need]
		clear(table)
		binary.LittleEndian.PutUint32(table[0:], 1)                           // Attributes: RVAs
		binary.LittleEndian.PutUint32(table[4:], rva+2*peDelayDescriptorSize) // DllNameRVA
		copy(table[2*peDelayDescriptorSize:], dll)
		binary.LittleEndian.PutUint32(data[dirOff:], rva)
		binary.LittleEndian.PutUint32(data[dirOff+4:], 2*peDelayDescriptorSize)
		return data
	}
	t.Fatal("no section has room for a delay-import directory")
	return nil
}

func TestPEDelayLoadFails(t *testing.T) {
	src := goBuild(t, build{pkg: helloPkg, goos: "windows", goarch: "amd64", flags: release})
	path := patched(t, src, func(data []byte) []byte { return addDelayImport(t, data, "foo.dll") })
	b, err := Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(b.Libraries, Library{Name: "foo.dll", Kind: "delay"}) {
		t.Errorf("libraries %v, want foo.dll delay-loaded", b.Libraries)
	}
	// Even a DLL the policy allows is flagged when delay-loaded.
	wantProblems(t, check(t, path, Policy{AllowLibraries: []string{"foo.dll"}}), 1, "delay-loads foo.dll")
}

func TestPEOtherDLLFails(t *testing.T) {
	src := goBuild(t, build{pkg: helloPkg, goos: "windows", goarch: "amd64", flags: release})
	// Rename kernel32.dll, in place, to another system DLL.
	path := patched(t, src, func(data []byte) []byte {
		lower := make([]byte, len(data)) // bytes.ToLower would decode UTF-8
		for i, c := range data {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		for i := 0; ; {
			j := bytes.Index(lower[i:], []byte("kernel32.dll\x00"))
			if j < 0 {
				return data
			}
			copy(data[i+j:], "user32.dll\x00\x00\x00")
			i += j + 1
		}
	})
	r := check(t, path, Policy{Cgo: true})
	if !reflect.DeepEqual(r.Libraries, []string{"user32.dll"}) {
		t.Fatalf("libraries %q, want [user32.dll]", r.Libraries)
	}
	wantProblems(t, r, 2, "imports user32.dll, which a pure-Go windows binary does not")
	wantOK(t, check(t, path, Policy{AllowLibraries: []string{"USER32.DLL"}}))
}
