package verify

import (
	"debug/buildinfo"
	"encoding/binary"
	"io"
	"runtime/debug"
	"strings"
)

// The build information blob the linker writes (cmd/link buildinfo): a
// 32-byte header starting with the magic, then, since Go 1.18, the toolchain
// version and the module information as varint-prefixed strings.
const (
	buildInfoMagic = "\xff Go buildinf:"
	buildInfoHdr   = 32
	maxModInfo     = 16 << 20 // bytes of module information readBuildInfo parses
)

// BuildInfo is what the Go toolchain recorded in a binary. It is read even
// from files built with -ldflags "-s -w", run through strip, or stripped of
// their section headers.
type BuildInfo struct {
	GoVersion string `json:"go_version"`        // toolchain, such as "go1.26.8"
	Path      string `json:"path"`              // main package path
	Module    string `json:"module,omitempty"`  // main module path
	Version   string `json:"version,omitempty"` // main module version, such as "(devel)"

	// Settings are the build settings: GOOS, GOARCH, CGO_ENABLED,
	// -trimpath, -buildmode, -tags, vcs.modified and the rest. Go does
	// not record -ldflags when -trimpath is set.
	Settings map[string]string `json:"settings"`
}

// Setting returns the value of the build setting key, or "" when bi is nil or
// the setting was not recorded.
func (bi *BuildInfo) Setting(key string) string {
	if bi == nil {
		return ""
	}
	return bi.Settings[key]
}

// readBuildInfo returns the build information in r, or nil when r has none.
// debug/buildinfo looks for it in the data section, or without section
// headers in the first writable segment, where a PIE does not keep it; then
// the whole file is searched for the blob.
func readBuildInfo(r io.ReaderAt, size int64) *BuildInfo {
	if info, err := buildinfo.Read(r); err == nil {
		return newBuildInfo(info)
	}
	var found *debug.BuildInfo
	scan(r, size, [][]byte{[]byte(buildInfoMagic)}, func(_ int, off int64) bool {
		vers, mod, _, ok := readBuildInfoBlob(r, size, off, true)
		if !ok {
			return true
		}
		// Strip the sentinels cmd/go puts around the module information.
		if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
			mod = mod[16 : len(mod)-16]
		} else {
			mod = ""
		}
		info, err := debug.ParseBuildInfo(mod)
		if err != nil {
			return true
		}
		info.GoVersion = vers
		found = info
		return false
	})
	if found == nil {
		return nil
	}
	return newBuildInfo(found)
}

// newBuildInfo converts what debug/buildinfo returns.
func newBuildInfo(info *debug.BuildInfo) *BuildInfo {
	bi := &BuildInfo{
		GoVersion: info.GoVersion,
		Path:      info.Path,
		Module:    info.Main.Path,
		Version:   info.Main.Version,
		Settings:  make(map[string]string, len(info.Settings)),
	}
	for _, s := range info.Settings {
		bi.Settings[s.Key] = s.Value
	}
	return bi
}

// readBuildInfoBlob reads the build information blob at off: the toolchain
// version, the module information when withMod is set, and the offset where
// the blob ends. It reports false when the bytes at off are not such a blob
// in the Go 1.18 or later format.
func readBuildInfoBlob(r io.ReaderAt, size, off int64, withMod bool) (vers, mod string, end int64, ok bool) {
	var hdr [buildInfoHdr]byte
	if _, err := r.ReadAt(hdr[:], off); err != nil || string(hdr[:len(buildInfoMagic)]) != buildInfoMagic {
		return "", "", 0, false
	}
	const (
		ptrSize = 14
		flags   = 15
		inline  = 2
	)
	if hdr[flags]&inline == 0 || hdr[ptrSize] != 4 && hdr[ptrSize] != 8 {
		return "", "", 0, false
	}
	pos := off + buildInfoHdr
	// next reads a varint-prefixed string of at most max bytes, or only
	// skips it when read is false.
	next := func(max int64, read bool) (string, bool) {
		var v [binary.MaxVarintLen64]byte
		n, _ := r.ReadAt(v[:], pos)
		length, m := binary.Uvarint(v[:n])
		if m <= 0 || length > uint64(size-pos-int64(m)) || int64(length) > max {
			return "", false
		}
		pos += int64(m)
		var s []byte
		if read {
			s = make([]byte, length)
			if _, err := r.ReadAt(s, pos); err != nil {
				return "", false
			}
		}
		pos += int64(length)
		return string(s), true
	}
	vers, ok = next(1024, true)
	if !ok || !strings.HasPrefix(vers, "go") && !strings.HasPrefix(vers, "devel") {
		return "", "", 0, false
	}
	limit := size
	if withMod {
		limit = maxModInfo
	}
	if mod, ok = next(limit, withMod); !ok {
		return "", "", 0, false
	}
	return vers, mod, pos, true
}
