package verify

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seed corpora in testdata/fuzz")

// bytesReader returns data as the reader and size the readers take.
func bytesReader(data []byte) (io.ReaderAt, int64) {
	return bytes.NewReader(data), int64(len(data))
}

// fuzzSeeds returns the seed inputs of each fuzz target, by name.
func fuzzSeeds() map[string]map[string][]byte {
	elfDynamic := makeELF("/lib64/ld-linux-x86-64.so.2", "libc.so.6", "libpthread.so.0")
	machoFull := makeMachO(
		machoCmd(lcLoadDylinker, 12, "/usr/lib/dyld"),
		machoCmd(lcBuildVersion, 24, ""),
		machoCmd(lcLoadDylib, 24, "/usr/lib/libSystem.B.dylib"),
		machoCmd(lcLoadWeakDylib, 24, "/opt/homebrew/lib/libfoo.dylib"),
		machoCmd(lcReexportDylib, 24, "@rpath/libbar.dylib"),
		machoCmd(lcLazyLoadDylib, 24, "@loader_path/libbaz.dylib"),
		machoCmd(lcLoadUpwardDylib, 24, "/usr/lib/libresolv.9.dylib"),
		machoCmd(lcRpath, 12, "@executable_path/../lib"),
		machoCmd(lcDyldEnvironment, 12, "DYLD_LIBRARY_PATH=/opt/lib"),
	)
	peFull := makePE([]string{"KERNEL32.dll", "msvcrt.dll", "libstdc++-6.dll"}, []string{"foo.dll"})
	blob := append(buildInfoBlobBytes("go1.26.0", ""), "v1\x00"...)
	fat := makeFat(nil, machoFor(0x01000007), append(machoFull, blob...))
	return map[string]map[string][]byte{
		"FuzzELF": {
			"static":    makeELF(""),
			"interp":    makeELF("/usr/libexec/ld.so"),
			"dynamic":   elfDynamic,
			"truncated": elfDynamic[:100],
			"buildinfo": append(makeELF(""), blob...),
			"overlap":   overlapELF(elfDynamic),
		},
		"FuzzMachO": {
			"minimal":   makeMachO(machoCmd(lcLoadDylinker, 12, "/usr/lib/dyld")),
			"full":      machoFull,
			"truncated": machoFull[:60],
			"buildinfo": append(machoFull, blob...),
		},
		"FuzzFat": {
			"two":       fat,
			"truncated": fat[:4096+100],
			"overlap":   makeFat(func(tb []byte) { tb[20+10] = 0x10 }, machoFull, machoFull),
		},
		"FuzzPE": {
			"imports":   makePE([]string{"kernel32.dll"}, nil),
			"full":      peFull,
			"truncated": peFull[:300],
			"buildinfo": append(peFull, blob...),
		},
	}
}

// overlapELF returns the ELF64 file data from makeELF with its program
// header table starting at byte 8, inside the ELF header: a first entry made
// of header bytes, then the original entries, which stay at byte 64.
func overlapELF(data []byte) []byte {
	data = bytes.Clone(data)
	le.PutUint64(data[32:], 8)                      // e_phoff
	le.PutUint16(data[56:], le.Uint16(data[56:])+1) // e_phnum
	return data
}

// fuzzRead runs read and everything after it on data: none of it may panic.
func fuzzRead(t *testing.T, data []byte, read func(io.ReaderAt, int64) (*Binary, error)) {
	r, size := bytesReader(data)
	b, err := read(r, size)
	if err == nil {
		if b.Format == "" {
			t.Fatalf("no format and no error")
		}
		b.BuildInfo = readBuildInfo(r, size)
		for _, p := range []Policy{
			{},
			{GOOS: "openbsd", Cgo: true, Release: true, RequireTags: []string{"netgo"}},
			{GOARCH: "arm64", PureGo: true, Trimpath: true, BuildMode: "pie"},
		} {
			rep := newReport(b, p.judge(b))
			if rep.OK != (len(rep.Problems) == 0) || rep.Libraries == nil {
				t.Fatalf("inconsistent report %+v", rep)
			}
		}
	}
	// The -X check reads the file again, symbols and data: it may fail,
	// but not panic.
	for _, stamped := range []map[string]string{
		{"main.version": "v1", "main.commit": "v1"},
		{"main.x": "x", "main.empty": ""},
	} {
		checkStamped(r, size, stamped)
	}
}

// addSeeds adds the seeds of the named target, which are also committed in
// testdata/fuzz/name.
func addSeeds(f *testing.F, name string) {
	for _, data := range fuzzSeeds()[name] {
		f.Add(data)
	}
}

func FuzzELF(f *testing.F) {
	addSeeds(f, "FuzzELF")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, readELF) })
}

func FuzzMachO(f *testing.F) {
	addSeeds(f, "FuzzMachO")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, readMachO) })
}

// FuzzFat reads universal files and judges every slice, -X values and
// all.
func FuzzFat(f *testing.F) {
	addSeeds(f, "FuzzFat")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, readFat)
		r, size := bytesReader(data)
		b, err := readFat(r, size)
		if err != nil {
			return
		}
		for _, p := range []Policy{{}, {GOARCH: "all", Stamped: map[string]string{"main.version": "v1"}}, {GOARCH: "arm64", PureGo: true}} {
			reps, probs, _, err := p.judgeSlices(b, r)
			if err != nil {
				continue // the -X check could not read a slice
			}
			rep := newFatReport(b, reps, probs)
			if len(rep.Slices) != len(b.Slices) || rep.OK != (len(rep.Problems) == 0) {
				t.Fatalf("inconsistent report %+v", rep)
			}
		}
	})
}

func FuzzPE(f *testing.F) {
	addSeeds(f, "FuzzPE")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, readPE) })
}

// FuzzInspect starts from any of the seeds and goes through the format
// dispatch, so it also crosses formats.
func FuzzInspect(f *testing.F) {
	for _, seeds := range fuzzSeeds() {
		for _, data := range seeds {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, inspect) })
}

func TestFuzzSeedsCommitted(t *testing.T) {
	// The seed corpora are committed so that go test runs them as tests
	// and go test -fuzz starts from them. go test -run TestFuzzSeeds
	// -update-seeds rewrites them.
	for name, seeds := range fuzzSeeds() {
		for label, data := range seeds {
			path := filepath.Join("testdata", "fuzz", name, "seed-"+label)
			text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
			if *updateSeeds {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != text {
				t.Errorf("%s is missing or stale: run go test -run TestFuzzSeeds -update-seeds", path)
			}
		}
	}
}
