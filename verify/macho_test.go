package verify

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"slices"
	"testing"
)

const homebrewDylib = "/opt/homebrew/lib/libfoo.1.dylib"

// dynimportDarwin returns a pure-Go darwin binary whose
// //go:cgo_import_dynamic directive makes the Go linker write an
// LC_LOAD_DYLIB for a Homebrew library, as the syscall package does for
// libSystem. Cross-compiling cgo to darwin is not possible here; this is a
// real linker output all the same.
func dynimportDarwin(t *testing.T) string {
	return goBuild(t, build{pkg: "./testdata/dynimport", goos: "darwin", goarch: "arm64", flags: release})
}

func TestMachOUnknownDylibFails(t *testing.T) {
	path := dynimportDarwin(t)
	r := check(t, path, Policy{GOOS: "darwin", GOARCH: "arm64"})
	wantProblems(t, r, 1, "loads "+homebrewDylib+": it comes from a package manager")
	if !slices.Contains(r.Libraries, homebrewDylib) {
		t.Errorf("libraries %q, want %s", r.Libraries, homebrewDylib)
	}
	// Cgo widens the allowlist to the operating system's libraries only.
	wantProblems(t, check(t, path, Policy{Cgo: true}), 2, homebrewDylib)
	// Unless the policy allows the library by name.
	wantOK(t, check(t, path, Policy{AllowLibraries: []string{homebrewDylib}}))
}

// machoLoad returns the offset in data of the load command that names name.
func machoLoad(t *testing.T, data []byte, name string) int {
	t.Helper()
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	off := 32 // mach_header_64
	for _, l := range f.Loads {
		raw := l.Raw()
		if bytes.Contains(raw, []byte(name+"\x00")) {
			return off
		}
		off += len(raw)
	}
	t.Fatalf("no load command names %s", name)
	return 0
}

func TestMachOLoadCommandKinds(t *testing.T) {
	// debug/macho decodes only LC_LOAD_DYLIB. Rewrite the command that
	// loads the Homebrew library into each other kind, in a copy of the
	// real binary, and check Verify still sees it.
	src := dynimportDarwin(t)
	for _, tc := range []struct {
		cmd  uint32
		kind string
		want string
	}{
		{lcLoadWeakDylib, "weak", "weakly loads " + homebrewDylib},
		{lcReexportDylib, "reexport", "re-exports " + homebrewDylib},
		{lcLazyLoadDylib, "lazy", "lazily loads " + homebrewDylib},
		{lcLoadUpwardDylib, "upward", "loads (upward) " + homebrewDylib},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			path := patched(t, src, func(data []byte) []byte {
				binary.LittleEndian.PutUint32(data[machoLoad(t, data, homebrewDylib):], tc.cmd)
				return data
			})
			f, err := macho.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			libs, _ := f.ImportedLibraries()
			f.Close()
			if slices.Contains(libs, homebrewDylib) {
				t.Fatalf("debug/macho lists the %s dylib; the patch did not take", tc.kind)
			}
			b, err := Inspect(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(b.Libraries, Library{Name: homebrewDylib, Kind: tc.kind}) {
				t.Errorf("libraries %v, want %s as %s", b.Libraries, homebrewDylib, tc.kind)
			}
			wantProblems(t, check(t, path, Policy{}), 1, tc.want)
		})
	}
}

func TestMachORPathAndRelativeDylibFail(t *testing.T) {
	src := dynimportDarwin(t)
	rpath := patched(t, src, func(data []byte) []byte {
		// An rpath_command has its path offset where a dylib_command has
		// its name offset.
		binary.LittleEndian.PutUint32(data[machoLoad(t, data, homebrewDylib):], lcRpath)
		return data
	})
	wantProblems(t, check(t, rpath, Policy{}), 1, "sets the run path "+homebrewDylib+" (LC_RPATH)")

	for _, name := range []string{"@rpath/libfoo.1.dylib", "@loader_path/foo.dylib", "/usr/local/lib/foo.dylib"} {
		path := patched(t, src, func(data []byte) []byte {
			off := machoLoad(t, data, homebrewDylib)
			i := off + int(binary.LittleEndian.Uint32(data[off+8:])) // dylib_command.name
			copy(data[i:i+len(homebrewDylib)], append([]byte(name), make([]byte, len(homebrewDylib))...))
			return data
		})
		wantProblems(t, check(t, path, Policy{Cgo: true}), 2, "loads "+name+": ")
	}
}

func TestMachODyldEnvironmentFails(t *testing.T) {
	src := dynimportDarwin(t)
	path := patched(t, src, func(data []byte) []byte {
		// A dylinker_command, as LC_DYLD_ENVIRONMENT is, has its string
		// offset where a dylib_command has its name offset.
		binary.LittleEndian.PutUint32(data[machoLoad(t, data, homebrewDylib):], lcDyldEnvironment)
		return data
	})
	wantProblems(t, check(t, path, Policy{}), 1, "LC_DYLD_ENVIRONMENT")
}
