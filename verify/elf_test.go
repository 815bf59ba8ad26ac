package verify

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	// The same binary, judged as the pure-Go build it is not.
	wantProblems(t, check(t, path, Policy{}), 3, "CGO_ENABLED=1, but a pure-Go build was asked for")
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
	if r.Linkage != "static" {
		t.Errorf("linkage %s, want static", r.Linkage)
	}
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
	if r.Linkage != "static-pie" {
		t.Errorf("linkage %s, want static-pie", r.Linkage)
	}
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
