// Package macho joins thin Mach-O executables into a universal ("fat")
// file, as lipo -create does, byte for byte: the same slice order, the same
// alignment, zero padding. Its output depends only on its inputs.
package macho

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// The magic numbers and CPU types the package knows.
const (
	magicFat     = 0xcafebabe // fat_header.magic, big-endian
	magicFat64   = 0xcafebabf // the same with 64-bit offsets (fat_arch_64)
	magic32      = 0xfeedface
	magic64      = 0xfeedfacf
	cpuX86       = 7
	cpuX86_64    = 0x01000007
	cpuARM       = 12
	cpuARM64     = 0x0100000c
	cpuARM64_32  = 0x0200000c
	cpuPowerPC   = 18
	cpuPowerPC64 = 0x01000012
)

// Arch is one slice of a universal file as Create laid it out.
type Arch struct {
	Name        string // lipo's name for it: "x86_64", "arm64"
	CPU, SubCPU uint32 // cputype and cpusubtype, from the thin file's header
	Offset      uint64 // where the slice starts
	Size        uint64 // its length: the thin file's size
	Align       uint32 // log2 of the alignment of Offset
	Source      string // the thin file
}

// Create writes to dst, a new file with mode 0755, the universal file
// holding the thin Mach-O executables at paths, each copied byte for byte.
// It lays them out as llvm-lipo and Apple's lipo do: sorted by CPU type,
// then subtype, arm64 last, the rest by alignment; each at a multiple of its
// CPU's page size (2^12 for x86_64, 2^14 for arm64); zeros between. The
// header is the 32-bit fat_header unless an offset or size reaches 4 GiB.
// It returns the slices in file order. On error dst is removed.
func Create(dst string, paths ...string) ([]Arch, error) {
	archs, err := readArchs(paths)
	if err != nil {
		return nil, err
	}
	hdr, err := layout(archs)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return nil, fmt.Errorf("universal binary: %w", err)
	}
	err = write(f, hdr, archs)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return nil, fmt.Errorf("universal binary %s: %w", dst, err)
	}
	return archs, nil
}

// readArchs reads the header of each thin file.
func readArchs(paths []string) ([]Arch, error) {
	if len(paths) == 0 {
		return nil, errors.New("universal binary: no thin Mach-O file to join")
	}
	var archs []Arch
	for _, p := range paths {
		a, err := readThin(p)
		if err != nil {
			return nil, err
		}
		for _, b := range archs {
			if b.CPU == a.CPU && b.SubCPU&^0xff000000 == a.SubCPU&^0xff000000 {
				return nil, fmt.Errorf("universal binary: %s and %s are both %s: give each architecture once", b.Source, a.Source, a.Name)
			}
		}
		archs = append(archs, a)
	}
	slices.SortStableFunc(archs, compare)
	return archs, nil
}

// readThin reads the CPU type and size of the thin Mach-O file at path.
func readThin(path string) (Arch, error) {
	f, err := os.Open(path)
	if err != nil {
		return Arch{}, fmt.Errorf("universal binary: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Arch{}, fmt.Errorf("universal binary: %w", err)
	}
	var hdr [12]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || !fi.Mode().IsRegular() {
		return Arch{}, fmt.Errorf("universal binary: %s is not a thin Mach-O file (too short or not a regular file)", path)
	}
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(hdr[:]) == magic32, binary.LittleEndian.Uint32(hdr[:]) == magic64:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint32(hdr[:]) == magic32, binary.BigEndian.Uint32(hdr[:]) == magic64:
		bo = binary.BigEndian
	case binary.BigEndian.Uint32(hdr[:]) == magicFat, binary.BigEndian.Uint32(hdr[:]) == magicFat64:
		return Arch{}, fmt.Errorf("universal binary: %s is universal already: give the thin files", path)
	default:
		return Arch{}, fmt.Errorf("universal binary: %s is not a Mach-O file (magic %#x): give a darwin executable", path, hdr[:4])
	}
	a := Arch{CPU: bo.Uint32(hdr[4:]), SubCPU: bo.Uint32(hdr[8:]), Size: uint64(fi.Size()), Source: path}
	a.Name, a.Align = archName(a.CPU, a.SubCPU), align(a.CPU)
	if a.Align == 0 {
		return Arch{}, fmt.Errorf("universal binary: %s has CPU type %#x, which this writer does not lay out: give x86_64, arm64, i386, arm or ppc files", path, a.CPU)
	}
	return a, nil
}

// align returns log2 of the alignment lipo gives a slice of the CPU type:
// the page size, 4 KiB on Intel and PowerPC, 16 KiB on ARM; 0 for another.
func align(cpu uint32) uint32 {
	switch cpu {
	case cpuX86, cpuX86_64, cpuPowerPC, cpuPowerPC64:
		return 12
	case cpuARM, cpuARM64, cpuARM64_32:
		return 14
	}
	return 0
}

// compare orders slices as lipo does (llvm's MachOUniversalWriter and
// cctools' lipo): one CPU type by subtype, arm64 after every other type,
// the others by alignment to save padding.
func compare(a, b Arch) int {
	switch {
	case a.CPU == b.CPU:
		return cmp.Compare(a.SubCPU, b.SubCPU)
	case a.CPU == cpuARM64:
		return 1
	case b.CPU == cpuARM64:
		return -1
	}
	return cmp.Compare(a.Align, b.Align)
}

// archName returns lipo's name for a CPU type and subtype.
func archName(cpu, sub uint32) string {
	sub &^= 0xff000000 // the capability bits
	switch {
	case cpu == cpuX86_64 && sub == 8:
		return "x86_64h"
	case cpu == cpuX86_64:
		return "x86_64"
	case cpu == cpuARM64 && sub == 2:
		return "arm64e"
	case cpu == cpuARM64:
		return "arm64"
	case cpu == cpuX86:
		return "i386"
	case cpu == cpuARM:
		return "arm"
	case cpu == cpuARM64_32:
		return "arm64_32"
	case cpu == cpuPowerPC:
		return "ppc"
	case cpu == cpuPowerPC64:
		return "ppc64"
	}
	return fmt.Sprintf("cputype %#x", cpu)
}

// layout sets each slice's offset and returns the fat header: fat_header
// and a fat_arch per slice, or, when an offset or a size does not fit in 32
// bits, fat_header with FAT_MAGIC_64 and a fat_arch_64 per slice. The first
// slice starts at the first multiple of its alignment after the header.
func layout(archs []Arch) ([]byte, error) {
	wide := false
	for {
		entry := uint64(20)
		if wide {
			entry = 32
		}
		off := 8 + entry*uint64(len(archs))
		fits := true
		for i := range archs {
			a := uint64(1) << archs[i].Align
			off = (off + a - 1) &^ (a - 1)
			archs[i].Offset = off
			if off > math.MaxUint32 || archs[i].Size > math.MaxUint32 {
				fits = false
			}
			if archs[i].Size > math.MaxUint64-off {
				return nil, errors.New("universal binary: the slices are too large")
			}
			off += archs[i].Size
		}
		if fits || wide {
			break
		}
		wide = true
	}
	be := binary.BigEndian
	var hdr []byte
	if wide {
		hdr = be.AppendUint32(hdr, magicFat64)
	} else {
		hdr = be.AppendUint32(hdr, magicFat)
	}
	hdr = be.AppendUint32(hdr, uint32(len(archs)))
	for _, a := range archs {
		hdr = be.AppendUint32(hdr, a.CPU)
		hdr = be.AppendUint32(hdr, a.SubCPU)
		if wide {
			hdr = be.AppendUint64(hdr, a.Offset)
			hdr = be.AppendUint64(hdr, a.Size)
			hdr = be.AppendUint32(hdr, a.Align)
			hdr = be.AppendUint32(hdr, 0) // reserved
		} else {
			hdr = be.AppendUint32(hdr, uint32(a.Offset))
			hdr = be.AppendUint32(hdr, uint32(a.Size))
			hdr = be.AppendUint32(hdr, a.Align)
		}
	}
	return hdr, nil
}

// write writes the header, then each slice at its offset, zeros between.
func write(f *os.File, hdr []byte, archs []Arch) error {
	if _, err := f.Write(hdr); err != nil {
		return err
	}
	pos := uint64(len(hdr))
	for _, a := range archs {
		if _, err := f.Write(make([]byte, a.Offset-pos)); err != nil {
			return err
		}
		src, err := os.Open(a.Source)
		if err != nil {
			return err
		}
		n, err := io.Copy(f, src)
		src.Close()
		if err != nil {
			return fmt.Errorf("copying %s: %w", a.Source, err)
		}
		if uint64(n) != a.Size {
			return fmt.Errorf("%s changed size while it was copied (%d bytes, then %d)", a.Source, a.Size, n)
		}
		pos = a.Offset + a.Size
	}
	return f.Sync()
}
