package staticbuild

import (
	"cmp"
	"context"
	"debug/elf"
	"debug/gosym"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/gobuild"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// fn is one entry of a binary's function table.
type fn struct {
	Name string
	Size uint64
}

// funcTable reads the function table of an ELF Go binary from its pclntab,
// which the linker keeps even with -s -w: every function's name and size.
func funcTable(path string) ([]fn, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil, fmt.Errorf("%s: no .gopclntab or .text section", path)
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, fmt.Errorf("%s: reading .gopclntab: %w", path, err)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the function table: %w", path, err)
	}
	if len(tab.Funcs) == 0 {
		return nil, fmt.Errorf("%s: empty function table", path)
	}
	out := make([]fn, len(tab.Funcs))
	for i, f := range tab.Funcs {
		out[i] = fn{f.Name, f.End - f.Entry}
	}
	return out, nil
}

// TestNoDWARFKeepsFunctions proves the noDWARF lever: a program built with
// it has the same functions, every one with the same size (the linker may
// order a few generated ones differently), and the same size on disk as
// without it. The program uses net and os/user,
// so the comparison covers most of the standard library.
func TestNoDWARFKeepsFunctions(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	root := testmod.Root(t)
	for _, target := range []string{"linux/amd64", "linux/arm64"} {
		t.Run(target, func(t *testing.T) {
			pl, err := platform.Parse(target)
			if err != nil {
				t.Fatal(err)
			}
			build := func(name string, flags []string) string {
				out := filepath.Join(t.TempDir(), name)
				j := gobuild.Job{Dir: root, Package: "./examples/netuser", Output: out, Platform: pl,
					Flags: flags, Ldflags: []string{"-s", "-w"}, Base: os.Environ()}
				if _, err := j.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				return out
			}
			with, without := build("with", []string{"-gcflags=" + noDWARF}), build("without", nil)
			a, err := funcTable(without)
			if err != nil {
				t.Fatal(err)
			}
			b, err := funcTable(with)
			if err != nil {
				t.Fatal(err)
			}
			// The linker may lay out the generated equality functions in
			// another order; what must not change is which functions there
			// are and how large each is.
			sortFuncs(a)
			sortFuncs(b)
			if !slices.Equal(a, b) {
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Fatalf("function %d differs: %v without %s, %v with it (%d and %d functions)", i, a[i], noDWARF, b[i], len(a), len(b))
					}
				}
				t.Fatalf("%d functions without %s, %d with it", len(a), noDWARF, len(b))
			}
			sa, sb := fileSize(t, without), fileSize(t, with)
			if sa != sb {
				t.Errorf("binary is %d bytes without %s, %d with it", sa, noDWARF, sb)
			}
			t.Logf("%d functions, %d bytes, identical with and without %s", len(a), sa, noDWARF)
		})
	}
}

// TestFuncTableRejectsOtherFiles checks that the comparison cannot pass on
// files it cannot read.
func TestFuncTableRejectsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("\x7fELF not really"), 0o644)
	if _, err := funcTable(garbage); err == nil {
		t.Error("funcTable accepted a file that is not ELF")
	}
	if _, err := funcTable(filepath.Join(dir, "missing")); err == nil {
		t.Error("funcTable accepted a missing file")
	}
}

// TestJobsLeaveOutDWARF checks that every build of the engine leaves out
// DWARF, and that the project's Gcflags for all packages is added to it.
func TestJobsLeaveOutDWARF(t *testing.T) {
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	for _, tc := range []struct {
		gcflags string
		want    []string
	}{
		{"", []string{"-gcflags=" + noDWARF}},
		{"all=-N -l", []string{"-gcflags=" + noDWARF + " -N -l"}},
		{"example.com/app=-m", []string{"-gcflags=" + noDWARF, "-gcflags=example.com/app=-m"}},
	} {
		r, err := resolve(Config{Dir: dir, Gcflags: tc.gcflags, Log: io.Discard, Environ: testEnv()})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.loadSource(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, pl := range r.platforms {
			j, err := newJob(r, r.src.targets[0], pl)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(j.build.Flags, tc.want) {
				t.Errorf("Gcflags %q, %s: flags %q, want %q", tc.gcflags, pl, j.build.Flags, tc.want)
			}
		}
		r.close()
	}
}

func sortFuncs(fs []fn) {
	slices.SortFunc(fs, func(x, y fn) int {
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return cmp.Compare(x.Size, y.Size)
	})
}

func fileSize(t *testing.T, name string) int64 {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
