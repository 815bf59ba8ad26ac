package macho

import (
	"bytes"
	dmacho "debug/macho"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const hello = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"

var (
	thinOnce sync.Once
	thinDir  string
	thinErr  error
)

// thin returns the darwin/amd64 and darwin/arm64 builds of a small program,
// built once for the package's tests.
func thin(t *testing.T) (amd64, arm64 string) {
	t.Helper()
	thinOnce.Do(func() {
		thinDir, thinErr = os.MkdirTemp("", "fat-test-")
		if thinErr != nil {
			return
		}
		os.WriteFile(filepath.Join(thinDir, "go.mod"), []byte("module example.com/hello\n\ngo 1.22\n"), 0o644)
		os.WriteFile(filepath.Join(thinDir, "main.go"), []byte(hello), 0o644)
		for _, arch := range []string{"amd64", "arm64"} {
			cmd := exec.Command("go", "build", "-trimpath", "-o", "hello_"+arch, ".")
			cmd.Dir = thinDir
			cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH="+arch, "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
			if out, err := cmd.CombinedOutput(); err != nil {
				thinErr = &exec.ExitError{Stderr: out}
				return
			}
		}
	})
	if thinErr != nil {
		t.Fatalf("building the thin binaries: %v %s", thinErr, thinErr.(*exec.ExitError).Stderr)
	}
	return filepath.Join(thinDir, "hello_amd64"), filepath.Join(thinDir, "hello_arm64")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if thinDir != "" {
		os.RemoveAll(thinDir)
	}
	os.Exit(code)
}

// lipo returns the path of llvm-lipo, skipping the test when it is missing
// outside CI.
func lipo(t *testing.T) string {
	for _, name := range []string{"llvm-lipo", "llvm-lipo-14", "llvm-lipo-15", "llvm-lipo-16", "llvm-lipo-19"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("llvm-lipo is not installed (apt-get install llvm)")
	}
	t.Skip("llvm-lipo is not installed (apt-get install llvm)")
	return ""
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestCreateMatchesLipo(t *testing.T) {
	tool := lipo(t)
	amd, arm := thin(t)
	dir := t.TempDir()
	ours := filepath.Join(dir, "ours")
	// The order of the arguments does not matter: arm64 goes last.
	archs, err := Create(ours, arm, amd)
	if err != nil {
		t.Fatal(err)
	}
	if len(archs) != 2 || archs[0].Name != "x86_64" || archs[1].Name != "arm64" || archs[0].Offset != 1<<12 || archs[1].Offset%(1<<14) != 0 {
		t.Fatalf("layout %+v: want x86_64 at 4096, then arm64 at a multiple of 16384", archs)
	}
	theirs := filepath.Join(dir, "theirs")
	run(t, tool, "-create", "-output", theirs, amd, arm)
	a, _ := os.ReadFile(ours)
	b, _ := os.ReadFile(theirs)
	if !bytes.Equal(a, b) {
		t.Errorf("our universal file (%d bytes) differs from llvm-lipo -create's (%d bytes)", len(a), len(b))
	}
	if fi, _ := os.Stat(ours); fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755", fi.Mode())
	}
	if info := run(t, tool, "-info", ours); !strings.Contains(info, "x86_64 arm64") {
		t.Errorf("llvm-lipo -info: %s, want x86_64 arm64", info)
	}
	for arch, src := range map[string]string{"x86_64": amd, "arm64": arm} {
		out := filepath.Join(dir, arch)
		run(t, tool, ours, "-thin", arch, "-output", out)
		got, _ := os.ReadFile(out)
		want, _ := os.ReadFile(src)
		if !bytes.Equal(got, want) {
			t.Errorf("llvm-lipo -thin %s gives %d bytes, not the thin file's %d", arch, len(got), len(want))
		}
	}
	if objdump, err := exec.LookPath("llvm-objdump"); err == nil {
		out := run(t, objdump, "--macho", "--universal-headers", ours)
		if !strings.Contains(out, "nfat_arch 2") || !strings.Contains(out, "align 2^14 (16384)") || !strings.Contains(out, "align 2^12 (4096)") {
			t.Errorf("llvm-objdump --universal-headers:\n%s", out)
		}
	}
}

func TestCreateOpenFat(t *testing.T) {
	amd, arm := thin(t)
	out := filepath.Join(t.TempDir(), "fat")
	if _, err := Create(out, amd, arm); err != nil {
		t.Fatal(err)
	}
	f, err := dmacho.OpenFat(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, _ := os.ReadFile(out)
	want := map[dmacho.Cpu]string{dmacho.CpuAmd64: amd, dmacho.CpuArm64: arm}
	if len(f.Arches) != 2 {
		t.Fatalf("%d slices, want 2", len(f.Arches))
	}
	for _, a := range f.Arches {
		src, _ := os.ReadFile(want[a.Cpu])
		if !bytes.Equal(data[a.Offset:a.Offset+a.Size], src) {
			t.Errorf("the %v slice is not the thin file", a.Cpu)
		}
	}
	// Between the slices, only zeros.
	end := f.Arches[0].Offset + f.Arches[0].Size
	if bytes.ContainsFunc(data[end:f.Arches[1].Offset], func(r rune) bool { return r != 0 }) || bytes.ContainsFunc(data[48:f.Arches[0].Offset], func(r rune) bool { return r != 0 }) {
		t.Error("the padding is not zeros")
	}
	// The same inputs give the same bytes.
	again := filepath.Join(t.TempDir(), "fat")
	if _, err := Create(again, arm, amd); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, data) {
		t.Error("two runs on the same inputs wrote different bytes")
	}
}

func TestCreateRefuses(t *testing.T) {
	amd, arm := thin(t)
	dir := t.TempDir()
	fat := filepath.Join(dir, "fat")
	if _, err := Create(fat, amd, arm); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "text")
	os.WriteFile(text, []byte("#!/bin/sh\necho hi\n"), 0o755)
	for _, tc := range []struct {
		name  string
		paths []string
		want  string
	}{
		{"none", nil, "no thin Mach-O file"},
		{"twice", []string{amd, arm, amd}, "are both x86_64"},
		{"fat", []string{fat, arm}, "universal already"},
		{"script", []string{text}, "is not a Mach-O file"},
		{"missing", []string{filepath.Join(dir, "nope")}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			_, err := Create(out, tc.paths...)
			// A missing file's message is the system's own: ask errors.Is.
			if err == nil || !strings.Contains(err.Error(), tc.want) && !(tc.name == "missing" && errors.Is(err, fs.ErrNotExist)) {
				t.Errorf("Create: %v, want %q", err, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a refused Create left a file")
			}
		})
	}
	// An existing file is not overwritten.
	if _, err := Create(fat, amd, arm); err == nil {
		t.Error("Create over an existing file succeeded")
	}
}

func TestLayoutWideOnlyWhenNeeded(t *testing.T) {
	small := []Arch{{CPU: cpuX86_64, SubCPU: 3, Size: 5000, Align: 12}, {CPU: cpuARM64, Size: 7000, Align: 14}}
	hdr, err := layout(small)
	if err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint32(hdr) != magicFat || len(hdr) != 48 || small[0].Offset != 4096 || small[1].Offset != 16384 {
		t.Errorf("small: header %x, offsets %d %d", hdr, small[0].Offset, small[1].Offset)
	}
	// Two slices below 4 GiB each, the second starting past 4 GiB.
	big := []Arch{{CPU: cpuX86_64, SubCPU: 3, Size: 0xfffff000, Align: 12}, {CPU: cpuARM64, Size: 1 << 20, Align: 14}}
	hdr, err = layout(big)
	if err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint32(hdr) != magicFat64 || len(hdr) != 8+2*32 || big[1].Offset <= math.MaxUint32 {
		t.Fatalf("big: header %x, offsets %d %d", hdr, big[0].Offset, big[1].Offset)
	}
	if got := binary.BigEndian.Uint64(hdr[8+32+8:]); got != big[1].Offset {
		t.Errorf("fat_arch_64 offset %d, want %d", got, big[1].Offset)
	}
}

// TestCreateEmptyInput checks that a short file is refused, not copied.
func TestCreateEmptyInput(t *testing.T) {
	p := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(p, nil, 0o644)
	if _, err := Create(filepath.Join(t.TempDir(), "out"), p); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("Create of an empty file: %v", err)
	}
}
