package verify

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Mach-O load commands that debug/macho leaves as raw bytes (it decodes only
// LC_LOAD_DYLIB and LC_RPATH).
const (
	lcLoadDylinker     = 0xe
	lcLoadDylib        = 0xc
	lcLazyLoadDylib    = 0x20
	lcDyldEnvironment  = 0x27
	lcBuildVersion     = 0x32
	lcLoadWeakDylib    = 0x80000018
	lcRpath            = 0x8000001c
	lcReexportDylib    = 0x8000001f
	lcLoadUpwardDylib  = 0x80000023
	machoFlagPIE       = 0x200000
	machoPlatformMacOS = 1
	machoPlatformIOS   = 2
	machoPlatformIOSim = 7
)

// isMachO reports whether magic starts a 32- or 64-bit Mach-O file of either
// byte order.
func isMachO(magic [4]byte) bool {
	be := binary.BigEndian.Uint32(magic[:])
	le := binary.LittleEndian.Uint32(magic[:])
	for _, m := range []uint32{macho.Magic32, macho.Magic64} {
		if be == m || le == m {
			return true
		}
	}
	return false
}

// isFatMachO reports whether r starts a universal Mach-O file. Java class
// files share its magic; as file(1) does, a count of architectures below 20
// tells them apart.
func isFatMachO(r io.ReaderAt) bool {
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return false
	}
	magic := binary.BigEndian.Uint32(hdr[:])
	return (magic == macho.MagicFat || magic == macho.MagicFat+1) && binary.BigEndian.Uint32(hdr[4:]) < 20
}

// readMachO reads a thin Mach-O executable: its architecture, dynamic loader,
// the dylibs of every kind of load command, LC_RPATH and
// LC_DYLD_ENVIRONMENT.
func readMachO(r io.ReaderAt, size int64) (*Binary, error) {
	if err := checkMachOHeader(r, size); err != nil {
		return nil, err
	}
	f, err := macho.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("reading Mach-O file: %w", truncated(err))
	}
	b := &Binary{
		Format: "macho",
		GOOS:   "darwin",
		GOARCH: machoGOARCH(f.Cpu),
		PIE:    f.Flags&machoFlagPIE != 0,
	}
	bo := f.ByteOrder
	for _, l := range f.Loads {
		if seg, ok := l.(*macho.Segment); ok && (seg.Offset > uint64(size) || seg.Filesz > uint64(size)-seg.Offset) {
			return nil, fmt.Errorf("Mach-O segment %s at %#x+%#x extends past the end of the file", seg.Name, seg.Offset, seg.Filesz)
		}
		raw := l.Raw()
		if len(raw) < 8 {
			continue
		}
		cmd := bo.Uint32(raw)
		kind := ""
		switch cmd {
		case lcLoadDylib:
			kind = "needed"
		case lcLoadWeakDylib:
			kind = "weak"
		case lcReexportDylib:
			kind = "reexport"
		case lcLazyLoadDylib:
			kind = "lazy"
		case lcLoadUpwardDylib:
			kind = "upward"
		case lcBuildVersion:
			if len(raw) >= 12 {
				switch bo.Uint32(raw[8:]) {
				case machoPlatformIOS, machoPlatformIOSim:
					b.GOOS = "ios"
				}
			}
			continue
		case lcLoadDylinker, lcRpath, lcDyldEnvironment:
		default:
			continue
		}
		s, err := loadCommandString(raw, bo)
		if err != nil {
			return nil, fmt.Errorf("Mach-O load command %#x: %w", cmd, err)
		}
		switch cmd {
		case lcLoadDylinker:
			b.Interpreter = s
		case lcRpath:
			b.RPaths = append(b.RPaths, s)
		case lcDyldEnvironment:
			b.Environment = append(b.Environment, s)
		default:
			if len(b.Libraries) == maxLibraries {
				return nil, fmt.Errorf("Mach-O file loads more than %d dylibs", maxLibraries)
			}
			b.Libraries = append(b.Libraries, Library{Name: s, Kind: kind})
		}
	}
	return b, nil
}

// checkMachOHeader checks the load-command counts of the Mach-O header
// against the file's size before debug/macho trusts them.
func checkMachOHeader(r io.ReaderAt, size int64) error {
	var hdr [28]byte // struct mach_header; mach_header_64 adds 4 bytes
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return fmt.Errorf("truncated Mach-O header: %w", err)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if m := binary.BigEndian.Uint32(hdr[:]); m == macho.Magic32 || m == macho.Magic64 {
		bo = binary.BigEndian
	}
	hdrSize := int64(28)
	if bo.Uint32(hdr[:]) == macho.Magic64 {
		hdrSize = 32
	}
	ncmds, sizeofcmds := bo.Uint32(hdr[16:]), bo.Uint32(hdr[20:])
	if int64(sizeofcmds) > size-hdrSize {
		return fmt.Errorf("Mach-O load commands (%d bytes) extend past the end of the file", sizeofcmds)
	}
	if uint64(ncmds)*8 > uint64(sizeofcmds) {
		return fmt.Errorf("Mach-O header claims %d load commands in %d bytes", ncmds, sizeofcmds)
	}
	return nil
}

// loadCommandString returns the string a dylib, dylinker, rpath or
// dyld-environment load command points at: a 32-bit offset from the start
// of the command, at byte 8, to a NUL-terminated string inside it.
func loadCommandString(raw []byte, bo binary.ByteOrder) (string, error) {
	if len(raw) < 12 {
		return "", fmt.Errorf("command of %d bytes is too short", len(raw))
	}
	off := bo.Uint32(raw[8:])
	if off < 12 || uint64(off) >= uint64(len(raw)) {
		return "", fmt.Errorf("string offset %d is outside the %d-byte command", off, len(raw))
	}
	s := raw[off:]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if len(s) == 0 {
		return "", errors.New("empty path")
	}
	return string(s), nil
}

// machoGOARCH returns the GOARCH of a Mach-O CPU type, or "".
func machoGOARCH(c macho.Cpu) string {
	switch c {
	case macho.CpuAmd64:
		return "amd64"
	case macho.CpuArm64:
		return "arm64"
	case macho.Cpu386:
		return "386"
	case macho.CpuArm:
		return "arm"
	}
	return ""
}
