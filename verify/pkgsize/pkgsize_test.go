package pkgsize

import (
	"cmp"
	"debug/gosym"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const yamlPkg = "github.com/magestatic/magestatic/verify/pkgsize/testdata/prog/yaml.v3"

func TestRead(t *testing.T) {
	for _, p := range platforms {
		t.Run(p.name, func(t *testing.T) {
			b, err := Read(prog(t, p.goos, p.goarch, true))
			if err != nil {
				t.Fatal(err)
			}
			checkBreakdown(t, b)
			for _, want := range []string{"runtime", "fmt", "main", yamlPkg} {
				if bytesOf(b.Packages, want) <= 0 {
					t.Errorf("no code for package %s", want)
				}
			}
			for _, want := range []string{Rodata, Pclntab, Data, BSS, Headers} {
				if bytesOf(b.Unattributed, want) <= 0 {
					t.Errorf("no %s line", want)
				}
			}
			// PE files keep a 4-byte string table.
			if n := bytesOf(b.Unattributed, Symbols); n > 4 {
				t.Errorf("%s = %d in a binary built with -s -w", Symbols, n)
			}
			for _, pkg := range b.Packages {
				if strings.ContainsAny(pkg.Path, "%[]() *") || pkg.Path == "" {
					t.Errorf("bad package path %q", pkg.Path)
				}
			}
		})
	}
}

// checkBreakdown checks what must hold of every binary the Go linker
// writes.
func checkBreakdown(t *testing.T, b *Breakdown) {
	t.Helper()
	if !slices.IsSortedFunc(b.Packages, func(x, y Package) int {
		if x.Bytes != y.Bytes {
			return int(y.Bytes - x.Bytes)
		}
		return strings.Compare(x.Path, y.Path)
	}) {
		t.Errorf("packages not sorted largest first: %v", b.Packages)
	}
	code := sum(b.Packages)
	// The attributed code is the text section, give or take 1%.
	if d := b.Text - code; d < 0 || d*100 > b.Text {
		t.Errorf("packages hold %d code bytes, text section is %d: differ by %.2f%%", code, b.Text, 100*float64(d)/float64(b.Text))
	}
	// Everything in the text section is counted once.
	if got := code + bytesOf(b.Unattributed, NoPackage) + bytesOf(b.Unattributed, OtherText); got != b.Text {
		t.Errorf("code + %s + %s = %d, text section is %d", NoPackage, OtherText, got, b.Text)
	}
	// Everything in the file is counted once.
	if got := code + sum(b.Unattributed) - bytesOf(b.Unattributed, BSS); got != b.File {
		t.Errorf("all lines but %s add up to %d, file is %d bytes", BSS, got, b.File)
	}
	for _, l := range append(slices.Clone(b.Packages), b.Unattributed...) {
		if l.Bytes <= 0 {
			t.Errorf("line %s has %d bytes", l.Path, l.Bytes)
		}
	}
	t.Logf("text %d, file %d, %d packages, unattributed %v", b.Text, b.File, len(b.Packages), b.Unattributed)
}

// TestStrippedTwin checks that -s -w, which removes the symbol table,
// changes nothing in the attribution, and that the attribution agrees with
// the symbol table of the unstripped twin as go tool nm prints it.
func TestStrippedTwin(t *testing.T) {
	for _, p := range platforms {
		t.Run(p.name, func(t *testing.T) {
			stripped, err := Read(prog(t, p.goos, p.goarch, true))
			if err != nil {
				t.Fatal(err)
			}
			path := prog(t, p.goos, p.goarch, false)
			full, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			checkBreakdown(t, full)
			if !slices.Equal(stripped.Packages, full.Packages) {
				t.Errorf("stripped and unstripped binaries differ:\n%v\n%v", stripped.Packages, full.Packages)
			}
			if bytesOf(full.Unattributed, Symbols) <= 0 {
				t.Errorf("no %s line in an unstripped binary", Symbols)
			}
			compareNm(t, path, full)
		})
	}
}

// compareNm checks that the per-package code totals of b agree within 5%
// with those computed from go tool nm -size on the same binary.
//
// The symbol table gives the size of a function's instructions, without
// the alignment padding up to the next function that the pclntab counts
// (functions are 32-byte aligned on amd64): the padding is added back by
// extending each text symbol to the next one's address.
func compareNm(t *testing.T, path string, b *Breakdown) {
	t.Helper()
	img, funcs := readFuncs(t, path)
	pkgOf := make(map[string]string) // for the names with no package in them
	for _, fn := range funcs {
		pkgOf[fn.name] = fn.pkg
	}
	cmd := exec.Command("go", "tool", "nm", "-size", "-sort=address", path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	type sym struct {
		addr, size uint64
		name       string
	}
	var syms []sym
	addrOf := make(map[string]uint64)
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 {
			addr, _ := strconv.ParseUint(f[0], 16, 64)
			addrOf[f[3]] = addr
		}
		if len(f) < 4 || (f[2] != "T" && f[2] != "t") {
			continue
		}
		addr, err1 := strconv.ParseUint(f[0], 16, 64)
		size, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad nm line %q", line)
		}
		syms = append(syms, sym{addr, size, strings.Join(f[3:], " ")})
	}
	// The pclntab ends where the function metadata starts.
	start, end := addrOf["runtime.pclntab"], addrOf["go:func.*"]
	if start == 0 || end < start {
		t.Errorf("nm: runtime.pclntab at %#x, go:func.* at %#x", start, end)
	} else if n := uint64(len(img.tab.data)); n > end-start || end-start-n >= 32 {
		t.Errorf("pclntab is %d bytes, nm says %d", n, end-start)
	}
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].addr < syms[j].addr })
	raw := make(map[string]int64)
	padded := make(map[string]int64)
	for i, s := range syms {
		if s.size == 0 {
			continue // markers such as runtime.text
		}
		pkg := packagePath(s.name)
		if pkg == "" {
			// Mach-O symbol names without a package start with "_".
			pkg = cmp.Or(pkgOf[s.name], pkgOf[strings.TrimPrefix(s.name, "_")])
		}
		if pkg == "" {
			continue
		}
		size := s.size
		if i+1 < len(syms) && syms[i+1].addr > s.addr {
			size = syms[i+1].addr - s.addr
		}
		raw[pkg] += int64(s.size)
		padded[pkg] += int64(size)
	}
	worst, worstPkg := 0.0, ""
	for _, p := range b.Packages {
		n := padded[p.Path]
		if d := math.Abs(float64(n-p.Bytes)) / float64(p.Bytes); d >= worst {
			worst, worstPkg = d, p.Path
		}
		if d := n - p.Bytes; d*20 > p.Bytes || -d*20 > p.Bytes {
			t.Errorf("%s: %d bytes, nm says %d (%d without padding)", p.Path, p.Bytes, n, raw[p.Path])
		}
		delete(padded, p.Path)
	}
	for pkg, n := range padded {
		t.Errorf("nm finds %d bytes of package %s, Read none", n, pkg)
	}
	t.Logf("largest difference with nm: %.2f%% (%s)", 100*worst, worstPkg)
}

func readFuncs(t *testing.T, path string) (*image, []function) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	img, err := open(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	funcs, err := functions(img)
	if err != nil {
		t.Fatal(err)
	}
	return img, funcs
}

func TestNotGo(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	paths := []string{
		write("empty", ""),
		write("text", "#!/bin/sh\necho hello\n"),
		write("elf-header-only", "\x7fELF\x02\x01\x01"),
		write("mz", "MZ"),
	}
	if p, err := exec.LookPath("true"); err == nil {
		paths = append(paths, p) // a C program
	} else if os.Getenv("CI") != "" {
		t.Errorf("true not found: %v", err)
	}
	for _, p := range paths {
		_, err := Read(p)
		if !errors.Is(err, ErrNoPclntab) || !strings.Contains(err.Error(), "no Go pclntab found") {
			t.Errorf("Read(%s) = %v, want %v", filepath.Base(p), err, ErrNoPclntab)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read(missing) = %v, want not exist", err)
	}
}

func bytesOf(lines []Package, path string) int64 {
	for _, l := range lines {
		if l.Path == path {
			return l.Bytes
		}
	}
	return 0
}

func sum(lines []Package) int64 {
	var n int64
	for _, l := range lines {
		n += l.Bytes
	}
	return n
}

// TestEntryFiles checks the file of every function at its entry, which
// entryFiles reads directly, against debug/gosym.
func TestEntryFiles(t *testing.T) {
	for _, p := range platforms {
		t.Run(p.name, func(t *testing.T) {
			img, _ := readFuncs(t, prog(t, p.goos, p.goarch, true))
			tab, err := gosym.NewTable(nil, gosym.NewLineTable(img.tab.data, img.textAddr))
			if err != nil {
				t.Fatal(err)
			}
			files := img.tab.entryFiles(func(int) bool { return true })
			known := 0
			for i, fn := range tab.Funcs {
				want, _, _ := tab.PCToLine(fn.Entry)
				if files[i] != want {
					t.Errorf("%s: file %q, gosym says %q", fn.Name, files[i], want)
				}
				if want != "" {
					known++
				}
			}
			if known < len(files)*9/10 {
				t.Errorf("only %d of %d functions have a file", known, len(files))
			}
		})
	}
}

// TestCgo reads a binary that the system linker wrote, with C code in its
// text section.
func TestCgo(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("gcc not found (install gcc and libc6-dev): %v", err)
		}
		t.Skip("gcc not found: install gcc and libc6-dev to test binaries linked externally")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the cgo test builds for linux only")
	}
	for _, stripped := range []bool{true, false} {
		b, err := Read(build(t, target{"testdata/cgo", "linux", runtime.GOARCH, stripped, true}))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("text %d, file %d, unattributed %v", b.Text, b.File, b.Unattributed)
		code := sum(b.Packages)
		if got := code + bytesOf(b.Unattributed, NoPackage) + bytesOf(b.Unattributed, OtherText); got != b.Text {
			t.Errorf("code + %s + %s = %d, text is %d", NoPackage, OtherText, got, b.Text)
		}
		if got := code + sum(b.Unattributed) - bytesOf(b.Unattributed, BSS); got != b.File {
			t.Errorf("all lines but %s add up to %d, file is %d bytes", BSS, got, b.File)
		}
		// The C code, the C runtime's start-up code and the PLT.
		if bytesOf(b.Unattributed, OtherText) < 100 {
			t.Errorf("%s = %d in a binary with C code", OtherText, bytesOf(b.Unattributed, OtherText))
		}
		for _, want := range []string{"main", "runtime", "runtime/cgo"} {
			if bytesOf(b.Packages, want) <= 0 {
				t.Errorf("no code for package %s", want)
			}
		}
	}
}
