package pkgsize

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
)

// readBytes is read for a file held in memory.
func readBytes(data []byte) (*Breakdown, error) {
	return read(bytes.NewReader(data), int64(len(data)))
}

func TestSynthetic(t *testing.T) {
	for name, data := range synthFiles() {
		if name == "pclntab" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			b, err := readBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			want := []Package{{"main", 64}, {"gopkg.in/yaml.v3", 32}}
			if !equalLines(b.Packages, want) {
				t.Errorf("packages %v, want %v", b.Packages, want)
			}
			if n := bytesOf(b.Unattributed, NoPackage); n != 32 {
				t.Errorf("%s = %d, want 32", NoPackage, n)
			}
			if b.Text != 128 || b.File != int64(len(data)) {
				t.Errorf("text %d, file %d; want 128, %d", b.Text, b.File, len(data))
			}
			if got := sum(b.Packages) + sum(b.Unattributed); got != b.File {
				t.Errorf("lines add up to %d, file is %d", got, b.File)
			}
		})
	}
}

func equalLines(a, b []Package) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMalformed changes one field of a synthetic ELF file at a time and
// checks that reading it fails with an error that says what is wrong.
func TestMalformed(t *testing.T) {
	le := binary.LittleEndian
	tab, l := synthPclntab(synthFuncs)
	file, p := synthELF(tab, textSize(synthFuncs))
	record := p + l.records // the first function's _func record
	u32 := func(off int, v uint32) func([]byte) { return func(b []byte) { le.PutUint32(b[off:], v) } }
	u64 := func(off int, v uint64) func([]byte) { return func(b []byte) { le.PutUint64(b[off:], v) } }
	shdr := func(i, field int) int { return int(le.Uint64(file[40:])) + 64*i + field }
	tests := []struct {
		name   string
		change func([]byte)
		want   string
	}{
		{"no magic", u32(p, 0), "bad magic number"},
		{"old version", u32(p, 0xfffffffa), "unsupported version"},
		{"big-endian", func(b []byte) { binary.BigEndian.PutUint32(b[p:], go120Magic) }, "byte order"},
		{"quantum", func(b []byte) { b[p+6] = 3 }, "pc quantum"},
		{"pointer size", func(b []byte) { b[p+7] = 4 }, "pointer size 4, want 8"},
		{"padding", func(b []byte) { b[p+4] = 1 }, "padding"},
		{"no functions", u64(p+8, 0), "no functions"},
		{"too many functions", u64(p+8, 1<<31), "do not fit"},
		{"too many files", u64(p+16, 1<<40), "do not fit"},
		{"header word", u64(p+8+7*8, 1<<40), "past the end of the table"},
		{"name offset", u32(record+4, 1<<30), "name at"},
		{"record offset", u32(p+l.functab+4, 1<<30), "record at"},
		{"pcdata count", u32(record+28, 1<<30), "record at"},
		{"order", u32(p+l.functab+8, 1<<20), "starts before"},
		{"end of text", u32(p+l.functab+8*len(synthFuncs), 1), "end of text"},
		{"section past end", u64(shdr(2, 32), 1<<40), "extends past the end of the file"},
		{"section offset past end", u64(shdr(2, 24), 1<<62), "extends past the end of the file"},
		{"huge bss", func(b []byte) {
			le.PutUint32(b[shdr(1, 4):], uint32(7+1)) // SHT_NOBITS
			le.PutUint64(b[shdr(1, 32):], 1<<60)
		}, "implausible size"},
		{"no pclntab section", func(b []byte) { copy(b[bytes.Index(b, []byte(".gopclntab")):], ".gopclntaX") }, "no Go pclntab found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := bytes.Clone(file)
			tt.change(data)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := readBytes(data)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
			// A file of a few hundred bytes costs a few kilobytes, whatever
			// sizes its headers claim.
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
				t.Errorf("reading %d bytes allocated %d bytes", len(data), n)
			}
		})
	}
}

// TestOverlappingNames checks that names pointing into each other, which
// would cost memory quadratic in the table size once copied, are refused.
func TestOverlappingNames(t *testing.T) {
	long := "main." + strings.Repeat("x", 1000)
	funcs := []synthFunc{{name: long, size: 32}}
	for range 200 {
		funcs = append(funcs, synthFunc{name: "", size: 32})
	}
	tab, l := synthPclntab(funcs)
	for i := range funcs {
		binary.LittleEndian.PutUint32(tab[l.records+i*funcSize+4:], uint32(i%len(long)))
	}
	file, _ := synthELF(tab, textSize(funcs))
	if _, err := readBytes(file); err == nil || !strings.Contains(err.Error(), "names overlap") {
		t.Errorf("error %v, want one saying names overlap", err)
	}
}

// TestTruncated reads every prefix of a synthetic file and the first half
// of a real one: each is an error, never a panic.
func TestTruncated(t *testing.T) {
	for name, data := range synthFiles() {
		for n := range len(data) {
			if _, err := readBytes(data[:n]); err == nil {
				t.Errorf("%s cut to %d bytes: no error", name, n)
			}
		}
	}
	for _, p := range platforms {
		data, err := os.ReadFile(prog(t, p.goos, p.goarch, true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readBytes(data[:len(data)/2]); err == nil {
			t.Errorf("%s cut in half: no error", p.name)
		}
	}
}

// TestScanDecoys checks that the PE pclntab scan passes over candidates
// with the wrong pointer size or a bad header, and finds nothing in a file
// whose pclntab was erased.
func TestScanDecoys(t *testing.T) {
	tab, _ := synthPclntab(synthFuncs)
	file, p := synthPE(tab, textSize(synthFuncs))
	if _, err := readBytes(file); err != nil {
		t.Fatalf("decoys in .rdata: %v", err)
	}
	binary.LittleEndian.PutUint32(file[p:], 0)
	_, err := readBytes(file)
	if !errors.Is(err, ErrNoPclntab) {
		t.Fatalf("erased pclntab: error %v, want %v", err, ErrNoPclntab)
	}
	// The decoy with the right pointer size is reported.
	if !strings.Contains(err.Error(), "candidates are invalid") {
		t.Errorf("error %v does not tell of the invalid candidate", err)
	}
}

// TestPEOverlap gives a PE file many sections over the same bytes, none
// with a pclntab: they are not all read.
func TestPEOverlap(t *testing.T) {
	tab, _ := synthPclntab(synthFuncs)
	binary.LittleEndian.PutUint32(tab, 0) // no pclntab to find
	file, _ := synthPEOverlap(tab, textSize(synthFuncs), 1000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readBytes(file)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "sections overlap") {
		t.Errorf("error %v, want one saying sections overlap", err)
	}
	// debug/pe keeps some 300 bytes per 40-byte section header; reading
	// every section would take 1000 times the file.
	if a := after.TotalAlloc - before.TotalAlloc; a > 16*uint64(len(file)) {
		t.Errorf("reading %d bytes allocated %d", len(file), a)
	}
}

// TestRealCorrupt erases the pclntab magic of real binaries.
func TestRealCorrupt(t *testing.T) {
	for _, p := range platforms {
		t.Run(p.name, func(t *testing.T) {
			data, err := os.ReadFile(prog(t, p.goos, p.goarch, true))
			if err != nil {
				t.Fatal(err)
			}
			var magic [4]byte
			binary.LittleEndian.PutUint32(magic[:], go120Magic)
			i := bytes.Index(data, append(magic[:], 0, 0))
			if i < 0 {
				t.Fatal("no pclntab magic in the binary")
			}
			copy(data[i:], "\x00\x00\x00\x00")
			if _, err := readBytes(data); err == nil {
				t.Error("no error")
			} else {
				t.Log(err)
			}
		})
	}
}

// TestHostileFileTables gives thousands of functions without a package
// file tables that debug/gosym would decode to their end, each, and file
// names that overlap: the cost of finding their files must stay linear in
// the size of the file.
func TestHostileFileTables(t *testing.T) {
	const n = 5000
	ft := synthTables{nfiles: 1}
	// A file table that never advances the pc, 100 kB long.
	ft.pctab = append([]byte{0}, bytes.Repeat([]byte{2, 0}, 50_000)...)
	// A second one that does, naming file 0 of the function's unit.
	good := len(ft.pctab)
	ft.pctab = append(ft.pctab, 2, 1, 0)
	// One file name of 4000 bytes; unit i's file 0 starts i bytes into it.
	ft.filetab = append(bytes.Repeat([]byte{'x'}, 4000), 0)
	funcs := make([]synthFunc, n)
	for i := range funcs {
		funcs[i] = synthFunc{name: "asm" + strings.Repeat("_", i%7), size: 16, pcfile: 1, cu: uint32(i)}
		if i%2 == 0 {
			funcs[i].pcfile = uint32(good)
		}
		ft.cutab = binary.LittleEndian.AppendUint32(ft.cutab, uint32(i%4000))
	}
	tab, _ := synthPclntabFiles(funcs, ft)
	file, _ := synthELF(tab, textSize(funcs))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b, err := readBytes(file)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got := bytesOf(b.Unattributed, NoPackage); got != 16*n {
		t.Errorf("%s = %d, want %d", NoPackage, got, 16*n)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 8*uint64(len(file)) {
		t.Errorf("reading %d bytes allocated %d", len(file), a)
	}
}

// TestScanCandidates checks that the PE scan checks a few candidates with
// a plausible header in full, not all: each costs time linear in its size.
func TestScanCandidates(t *testing.T) {
	tab, l := synthPclntab(synthFuncs)
	decoy := bytes.Clone(tab)
	binary.LittleEndian.PutUint32(decoy[l.functab+8:], 1<<20) // functions out of order
	for _, tt := range []struct {
		decoys int
		want   string
	}{
		{maxCandidates - 1, ""},
		{maxCandidates, "more than 8 candidates"},
	} {
		data := append(bytes.Repeat(decoy, tt.decoys), tab...)
		_, err := scanPclntab(data, binary.LittleEndian, 8)
		if tt.want == "" && err != nil {
			t.Errorf("%d decoys: %v", tt.decoys, err)
		}
		if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%d decoys: error %v, want one saying %q", tt.decoys, err, tt.want)
		}
	}
}
