package pkgsize

import (
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus in testdata/fuzz")

// seeds returns the fuzz seed corpus by file name: the synthetic files and
// the shortest inputs that reach each container format.
func seeds() map[string][]byte {
	s := make(map[string][]byte)
	for name, data := range synthFiles() {
		s[name] = data
	}
	s["elf-header"] = s["elf"][:64]
	s["fat-macho"] = []byte("\xca\xfe\xba\xbe\x00\x00\x00\x02")
	return s
}

// TestFuzzCorpus checks that the committed seed corpus is what seeds
// returns; go test -run TestFuzzCorpus -update rewrites it.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzPclntab")
	for name, data := range seeds() {
		want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		path := filepath.Join(dir, name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("seed %s is stale or missing (%v): run go test -run TestFuzzCorpus -update", path, err)
		}
	}
}

// FuzzPclntab reads arbitrary bytes as a binary and, to reach the pclntab
// checks without going through a container format, as a PE file's .rdata
// section. Reading must fail or succeed with consistent sizes, never panic
// nor allocate beyond the input's size.
func FuzzPclntab(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := readBytes(data)
		if err == nil {
			if b.File != int64(len(data)) {
				t.Errorf("file size %d, want %d", b.File, len(data))
			}
			for _, l := range append(slices.Clone(b.Packages), b.Unattributed...) {
				if l.Bytes < 0 || (l.Path == "" && l.Bytes > 0) {
					t.Errorf("line %+v", l)
				}
			}
		}
		tab, err := scanPclntab(data, binary.LittleEndian, 8)
		if err != nil {
			return
		}
		if len(tab.data) > len(data) {
			t.Fatalf("pclntab of %d bytes in %d", len(tab.data), len(data))
		}
		funcs, err := functions(&image{tab: tab, textAddr: 0x401000})
		if err != nil {
			return
		}
		for _, fn := range funcs {
			if fn.size < 0 {
				t.Errorf("function %q of size %d", fn.name, fn.size)
			}
		}
	})
}
