//go:build linux

package staticbuild_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// hostile is one way of spoiling a binary: each function takes a real
// binary of its format and returns the spoiled bytes.
type hostile struct {
	name           string
	elf, macho, pe func([]byte) []byte
	passesSizeGate bool   // the spoiled files are within the size budget
	loaderReads    string // the platform whose spoiled file is still sound to the loader, which Verify reads like
}

var hostiles = []hostile{
	{name: "truncated",
		elf:   func(b []byte) []byte { return b[:4096] },
		macho: func(b []byte) []byte { return b[:len(b)/2] },
		pe:    func(b []byte) []byte { return b[:3000] }},
	{name: "garbage after the magic",
		elf:   func(b []byte) []byte { return garbage([]byte("\x7fELF\x02\x01\x01"), len(b)) },
		macho: func(b []byte) []byte { return garbage([]byte{0xcf, 0xfa, 0xed, 0xfe}, len(b)) },
		pe:    func(b []byte) []byte { return garbage([]byte("MZ"), len(b)) }},
	{name: "empty", passesSizeGate: true,
		elf:   func([]byte) []byte { return nil },
		macho: func([]byte) []byte { return nil },
		pe:    func([]byte) []byte { return nil }},
	{name: "absurd counts and offsets",
		elf: func(b []byte) []byte {
			put64(b, 0x20, 1<<62) // e_phoff
			put64(b, 0x28, 1<<62) // e_shoff
			put16(b, 0x38, 0xffff)
			put16(b, 0x3c, 0xffff)
			return b
		},
		macho: func(b []byte) []byte {
			put32(b, 0x10, 0xffffffff) // ncmds
			put32(b, 0x14, 0xfffffff0) // sizeofcmds
			return b
		},
		pe: func(b []byte) []byte {
			coff := int(binary.LittleEndian.Uint32(b[0x3c:])) + 4
			put16(b, coff+2, 0xffff)      // NumberOfSections
			put32(b, coff+8, 0xfffffff0)  // PointerToSymbolTable
			put32(b, coff+12, 0x7fffffff) // NumberOfSymbols
			return b
		}},
	{name: "gigantic claimed sizes",
		elf: func(b []byte) []byte {
			shoff, n := int(binary.LittleEndian.Uint64(b[0x28:])), int(binary.LittleEndian.Uint16(b[0x3c:]))
			for i := 1; i < n; i++ {
				put64(b, shoff+i*64+0x20, 1<<62) // sh_size
			}
			phoff, n := int(binary.LittleEndian.Uint64(b[0x20:])), int(binary.LittleEndian.Uint16(b[0x38:]))
			for i := range n {
				put64(b, phoff+i*56+0x20, 1<<62) // p_filesz
			}
			return b
		},
		macho: func(b []byte) []byte {
			forLoads(b, func(off, cmd int) {
				if cmd == 0x19 { // LC_SEGMENT_64
					put64(b, off+48, 1<<62) // filesize
				}
			})
			return b
		},
		pe: func(b []byte) []byte {
			coff := int(binary.LittleEndian.Uint32(b[0x3c:])) + 4
			n, opt := int(binary.LittleEndian.Uint16(b[coff+2:])), int(binary.LittleEndian.Uint16(b[coff+16:]))
			for i := range n {
				put32(b, coff+20+opt+i*40+16, 0xfffffff0) // SizeOfRawData
			}
			return b
		}},
	{name: "loops and self-references", loaderReads: "linux/amd64",
		elf: func(b []byte) []byte {
			// e_shstrndx escapes to section 0's sh_link, which points
			// back at section 0. Only the section headers are spoiled,
			// which the loader does not read.
			shoff := int(binary.LittleEndian.Uint64(b[0x28:]))
			put16(b, 0x3e, 0xffff)
			put32(b, shoff+0x28, 0)
			return b
		},
		macho: func(b []byte) []byte {
			put32(b, 0x20+4, 0) // the first load command's cmdsize: a reader that trusts it never advances
			return b
		},
		pe: func(b []byte) []byte {
			put32(b, 0x3c, 0) // e_lfanew points at the DOS header itself
			return b
		}},
}

func garbage(magic []byte, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	copy(b, magic)
	return b
}

func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

// forLoads calls fn with the offset and type of every load command of a
// 64-bit Mach-O file.
func forLoads(b []byte, fn func(off, cmd int)) {
	off := 0x20
	for range binary.LittleEndian.Uint32(b[0x10:]) {
		cmd, size := binary.LittleEndian.Uint32(b[off:]), binary.LittleEndian.Uint32(b[off+4:])
		fn(off, int(cmd))
		off += int(size)
	}
}

// TestHostileBinaries replaces the binaries in dist/ with spoiled files
// and runs Verify, SizeGate and SizeBaseline on them through the engine:
// each must return an error that names each file, in bounded time and
// memory, and none may panic. A panic here ends the test binary.
func TestHostileBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	dir := testmod.New(t, "", "hostapp", map[string]string{"main.go": testmod.Hello, "magefile.go": testmod.Magefile}, "v1.0.0")
	cfg := staticbuild.Config{
		Dir:       dir,
		Platforms: []string{"linux/amd64", "darwin/arm64", "windows/amd64"},
		Size:      staticbuild.Size{Budget: "1kB", Baseline: filepath.Join(t.TempDir(), "sizes.json")},
		Log:       io.Discard,
	}
	ctx := context.Background()
	if _, err := cfg.Cross(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.SizeBaseline(ctx); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"linux/amd64":   "dist/hostapp_linux_amd64/hostapp",
		"darwin/arm64":  "dist/hostapp_darwin_arm64/hostapp",
		"windows/amd64": "dist/hostapp_windows_amd64/hostapp.exe",
	}
	originals := map[string][]byte{}
	for pl, rel := range files {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		originals[pl] = data
	}

	for _, h := range hostiles {
		t.Run(h.name, func(t *testing.T) {
			spoil := map[string]func([]byte) []byte{"linux/amd64": h.elf, "darwin/arm64": h.macho, "windows/amd64": h.pe}
			for pl, rel := range files {
				data := spoil[pl](bytes.Clone(originals[pl]))
				if err := os.WriteFile(filepath.Join(dir, rel), data, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			var notes []string
			for _, step := range []struct {
				name string
				run  func() error
			}{
				{"verify", func() error { _, err := cfg.Verify(ctx); return err }},
				{"sizegate", func() error { _, err := cfg.SizeGate(ctx); return err }},
				{"sizebaseline", func() error {
					c := cfg
					c.Size.Baseline = filepath.Join(t.TempDir(), "new.json")
					_, err := c.SizeBaseline(ctx)
					return err
				}},
			} {
				took, alloc, err := bounded(t, step.run)
				notes = append(notes, fmt.Sprintf("%s %.0fms %.1f MB allocated", step.name, took.Seconds()*1000, float64(alloc)/1e6))
				switch {
				case step.name == "sizegate" && h.passesSizeGate:
					if err != nil {
						t.Errorf("sizegate: %v", err)
					}
					continue
				case err == nil:
					t.Errorf("%s accepted the spoiled binaries", step.name)
					continue
				}
				msg := err.Error()
				noPanic(t, msg)
				for pl, rel := range files {
					want := pl
					if step.name == "verify" {
						if pl == h.loaderReads {
							continue
						}
						want = rel + " (" + pl + ")"
					}
					if step.name == "sizebaseline" {
						// The baseline stops at the first binary it cannot read.
						if strings.Contains(msg, pl) {
							break
						}
						continue
					}
					if !strings.Contains(msg, want) {
						t.Errorf("%s: the error does not name %s:\n%s", step.name, want, msg)
					}
				}
				if step.name == "sizegate" && !strings.Contains(msg, "cannot tell what grew") {
					t.Errorf("sizegate: the error does not say the binaries could not be read:\n%s", msg)
				}
				t.Logf("%s: %s", step.name, strings.ReplaceAll(msg, "\n", "\n    "))
			}
			t.Logf("observed: hostile binaries, %s: no panic; %s", h.name, strings.Join(notes, ", "))
		})
	}

	t.Run("through mage", func(t *testing.T) {
		// The compiled magefile's Verify, as CI runs it, on garbage.
		bin := compileMagefile(t, dir)
		for pl, rel := range files {
			if err := os.WriteFile(filepath.Join(dir, rel), garbage(originals[pl][:4], len(originals[pl])), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		env := faultEnv("MAGESTATIC_PLATFORMS=linux/amd64,darwin/arm64,windows/amd64")
		o := runFault(t, dir, env, bin, "verify")
		expectFailure(t, o, "verify: 3 problems", files["linux/amd64"], files["darwin/arm64"], files["windows/amd64"])
		t.Logf("observed: mage verify on three garbage binaries: exit %d after %.2fs, %.0f MB resident at most, one error per file: %q",
			o.code, o.took.Seconds(), float64(o.maxRSS)/1e6, lastError(o.out))
	})
}

// bounded runs fn, failing the test when it takes more than a minute or
// allocates more than 1 GiB, and returns its wall time, the bytes it
// allocated and its error.
func bounded(t *testing.T, fn func() error) (time.Duration, uint64, error) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("still running after a minute")
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	if alloc > 1<<30 {
		t.Errorf("allocated %d MB", alloc>>20)
	}
	return took, alloc, err
}
