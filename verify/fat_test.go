package verify

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// lipoCreate joins thin Mach-O files with llvm-lipo -create, the tool
// Apple's lipo reimplements, skipping the test when it is missing outside
// CI.
func lipoCreate(t *testing.T, thin ...string) string {
	t.Helper()
	tool := ""
	for _, name := range []string{"llvm-lipo", "llvm-lipo-14", "llvm-lipo-15", "llvm-lipo-16", "llvm-lipo-19"} {
		if p, err := exec.LookPath(name); err == nil {
			tool = p
			break
		}
	}
	if tool == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("llvm-lipo is not installed (apt-get install llvm)")
		}
		t.Skip("llvm-lipo is not installed (apt-get install llvm)")
	}
	out := filepath.Join(t.TempDir(), "universal")
	if msg, err := exec.Command(tool, append([]string{"-create", "-output", out}, thin...)...).CombinedOutput(); err != nil {
		t.Fatalf("llvm-lipo -create: %v\n%s", err, msg)
	}
	return out
}

// universalPolicy is what a release asks of a pure-Go universal binary.
var universalPolicy = Policy{GOOS: "darwin", GOARCH: "all", PureGo: true, Trimpath: true, BuildMode: "exe"}

func TestUniversalPasses(t *testing.T) {
	amd := goBuild(t, build{pkg: helloPkg, goos: "darwin", goarch: "amd64", flags: release})
	arm := goBuild(t, build{pkg: helloPkg, goos: "darwin", goarch: "arm64", flags: release})
	fat := lipoCreate(t, amd, arm)
	r := check(t, fat, universalPolicy)
	wantOK(t, r)
	if r.Format != "macho" || r.GOOS != "darwin" || r.GOARCH != "all" || r.Cgo != "off" || len(r.Slices) != 2 ||
		r.Slices[0].GOARCH != "amd64" || r.Slices[1].GOARCH != "arm64" || !slices.Contains(r.Libraries, "/usr/lib/libSystem.B.dylib") {
		t.Errorf("report %+v, slices %d", r, len(r.Slices))
	}
	for _, s := range r.Slices {
		if !s.OK || s.BuildInfo == nil || s.BuildInfo.Setting("GOARCH") != s.GOARCH || s.Path != fat {
			t.Errorf("slice report %s", s)
		}
	}
	// The zero Policy judges it the same way.
	wantOK(t, check(t, fat, Policy{}))
	// A policy for one architecture fails the other slice, by name.
	wantProblems(t, check(t, fat, Policy{GOOS: "darwin", GOARCH: "arm64"}), 1, "amd64 slice: was built for GOARCH=amd64, not arm64")

	b, err := Inspect(fat)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Slices) != 2 || b.GOARCH != "all" || b.BuildInfo != nil || b.Slices[1].BuildInfo.Setting("GOOS") != "darwin" {
		t.Errorf("Inspect: %+v", b)
	}
}

func TestUniversalDynamicSliceFails(t *testing.T) {
	// The arm64 slice loads a Homebrew library; the amd64 one is clean.
	amd := goBuild(t, build{pkg: "./testdata/dynimport", goos: "darwin", goarch: "amd64", flags: release})
	amdClean := goBuild(t, build{pkg: helloPkg, goos: "darwin", goarch: "amd64", flags: release})
	arm := dynimportDarwin(t)
	r := check(t, lipoCreate(t, amdClean, arm), universalPolicy)
	wantProblems(t, r, 1, "arm64 slice: loads "+homebrewDylib+": it comes from a package manager")
	if !r.Slices[0].OK || r.Slices[1].OK {
		t.Errorf("slice verdicts %v %v, want the amd64 one ok and the arm64 one failed", r.Slices[0].OK, r.Slices[1].OK)
	}
	// Both dynamic: two problems, one per slice.
	wantProblems(t, check(t, lipoCreate(t, amd, arm), universalPolicy), 2, "amd64 slice: loads "+homebrewDylib, "arm64 slice: loads "+homebrewDylib)
}

func TestUniversalStampedPerSlice(t *testing.T) {
	version := versionPkg + ".Version"
	amd := stampedHello(t, "darwin", "amd64", true, version+"=v1.2.3")
	arm := stampedHello(t, "darwin", "arm64", true, version+"=v1.2.3")
	armTypo := stampedHello(t, "darwin", "arm64", true, versionPkg+".Verison=v1.2.3")
	stamped := Policy{GOARCH: "all", Stamped: map[string]string{version: "v1.2.3"}}
	wantOK(t, check(t, lipoCreate(t, amd, arm), stamped))
	// The amd64 slice holds the value; the arm64 one does not, and the
	// amd64 slice's copy does not count for it.
	wantProblems(t, check(t, lipoCreate(t, amd, armTypo), stamped), 1, "arm64 slice: -X "+version+"=v1.2.3 did not land")
}

func TestThinFileAskedUniversal(t *testing.T) {
	arm := goBuild(t, build{pkg: helloPkg, goos: "darwin", goarch: "arm64", flags: release})
	wantProblems(t, check(t, arm, universalPolicy), 1, "is a thin Mach-O file for arm64, but a universal (darwin/all) binary was asked for")
	linux := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: release})
	wantProblems(t, check(t, linux, Policy{GOARCH: "all"}), 1, "is an ELF file, but a universal (darwin/all) binary")
}

// makeFat returns a universal file of the given thin files, each at the
// next multiple of 4096, with the fat_arch entries edit changes.
func makeFat(edit func(table []byte), thin ...[]byte) []byte {
	be := binary.BigEndian
	hdr := be.AppendUint32(nil, 0xcafebabe)
	hdr = be.AppendUint32(hdr, uint32(len(thin)))
	off := 4096
	var body []byte
	for _, t := range thin {
		hdr = be.AppendUint32(hdr, le.Uint32(t[4:]))
		hdr = be.AppendUint32(hdr, le.Uint32(t[8:]))
		hdr = be.AppendUint32(hdr, uint32(off+len(body)))
		hdr = be.AppendUint32(hdr, uint32(len(t)))
		hdr = be.AppendUint32(hdr, 12)
		body = append(body, t...)
		for len(body)%4096 != 0 {
			body = append(body, 0)
		}
	}
	if edit != nil {
		edit(hdr[8:])
	}
	data := append(hdr, make([]byte, 4096-len(hdr))...)
	return append(data, body...)
}

// machoFor returns a minimal executable for the CPU type.
func machoFor(cpu uint32) []byte {
	m := makeMachO(machoCmd(lcLoadDylinker, 12, "/usr/lib/dyld"), machoCmd(lcLoadDylib, 24, "/usr/lib/libSystem.B.dylib"))
	le.PutUint32(m[4:], cpu)
	return m
}

func TestFatBadInput(t *testing.T) {
	amd, arm := machoFor(0x01000007), machoFor(0x0100000c)
	be := binary.BigEndian
	ok := makeFat(nil, amd, arm)
	b, err := inspect(bytesReader(ok))
	if err != nil || len(b.Slices) != 2 || b.Slices[0].GOARCH != "amd64" || b.Slices[1].GOARCH != "arm64" || len(b.Libraries) != 1 {
		t.Fatalf("inspect: %+v, %v", b, err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"no architectures", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x00"), "claims 0 architectures"},
		{"table past the end", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x03" + strings.Repeat("\x00", 20)), "table of 3 architectures extends past the end"},
		{"slice in the header", makeFat(func(tb []byte) { be.PutUint32(tb[8:], 16) }, amd, arm), "amd64 slice at offset 0x10 overlaps the fat header"},
		{"slice past the end", makeFat(func(tb []byte) { be.PutUint32(tb[20+12:], 1<<30) }, amd, arm), "arm64 slice at 0x2000+0x40000000 extends past the end"},
		{"empty slice", makeFat(func(tb []byte) { be.PutUint32(tb[12:], 0) }, amd, arm), "amd64 slice is empty"},
		{"twice", makeFat(nil, arm, arm), "lists arm64 twice"},
		{"overlap", makeFat(func(tb []byte) { be.PutUint32(tb[20+8:], 4096+8) }, amd, arm), "amd64 and arm64 slices overlap"},
		{"wrong cpu", makeFat(func(tb []byte) { be.PutUint32(tb, 0x0100000c); be.PutUint32(tb[20:], 0x01000007) }, amd, arm), "the fat header says arm64, but the slice holds amd64 code"},
		{"not Mach-O", makeFat(nil, append([]byte("\x7fELF"), amd[4:]...)), "amd64 slice is not a Mach-O file"},
		{"bad slice", makeFat(nil, amd[:20]), "the amd64 slice: truncated Mach-O header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := inspect(bytesReader(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "universal (fat) Mach-O file: ") {
				t.Errorf("inspect: %v, want %q", err, tc.want)
			}
		})
	}
	// A 64-bit fat header is read too.
	wide := []byte("\xca\xfe\xba\xbf\x00\x00\x00\x01")
	wide = be.AppendUint32(wide, 0x0100000c)
	wide = be.AppendUint32(wide, 0)
	wide = be.AppendUint64(wide, 64)
	wide = be.AppendUint64(wide, uint64(len(arm)))
	wide = be.AppendUint64(wide, 14)
	wide = append(append(wide, make([]byte, 64-len(wide))...), arm...)
	if b, err := inspect(bytesReader(wide)); err != nil || len(b.Slices) != 1 || b.Slices[0].GOARCH != "arm64" {
		t.Errorf("FAT_MAGIC_64: %+v, %v", b, err)
	}
}
