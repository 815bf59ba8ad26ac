// Package archive writes release archives and checksum files whose bytes
// depend only on their inputs.
//
// An archive made by [Write] from the same files, names and time has the
// same bytes on every machine, whatever the files' modification times,
// permissions and owners on disk, the user running the build or the time
// zone: entries are sorted by name, every entry carries the given time,
// uid and gid 0 with empty owner names and a fixed mode (0755 for
// executables and directories, 0644 for other files), the tar stream uses
// the PAX format and the gzip and zip streams use a fixed compression level
// with no file name, timestamp or host in their headers. The compressed
// bytes come from the standard library's compress/flate, so they are
// reproducible for a given Go release; a Go release that changes its
// compressor may change them.
//
// Files are written atomically (package atomicfile): the data goes to a temporary file in the
// destination directory, which is synced and renamed over the destination
// only when complete. On any error the temporary file is removed and the
// destination is left as it was.
package archive

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// File is one regular file to put in an archive.
type File struct {
	// Name is the entry's slash-separated path inside the archive, below
	// Options.Wrap. It must be relative and clean: no "." or ".." element,
	// no empty element, no leading or trailing slash, no backslash and no
	// control character.
	Name string

	// Source is the file on disk whose contents the entry holds. Symbolic
	// links are followed; the target must be a regular file.
	Source string

	// Executable gives the entry mode 0755 instead of 0644.
	Executable bool
}

// Format is an archive format, named by its file extension without the
// leading dot.
type Format string

// The archive formats that Write produces.
const (
	TarGz Format = "tar.gz" // gzip-compressed PAX tar, for unix-like targets
	Zip   Format = "zip"    // zip with deflate, for windows
)

// ParseFormat returns the Format named s: "tar.gz" or "zip".
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case TarGz, Zip:
		return f, nil
	}
	return "", fmt.Errorf("archive: unknown format %q (want %q or %q)", s, TarGz, Zip)
}

// FormatFor returns the conventional archive format for a GOOS value:
// Zip for windows and TarGz for every other system.
func FormatFor(goos string) Format {
	if goos == "windows" {
		return Zip
	}
	return TarGz
}

// Options configures Write.
type Options struct {
	// Format is the archive format. It is required.
	Format Format

	// Time is the modification time recorded for every entry, usually the
	// build time of the release. It is required and is recorded in whole
	// seconds, in UTC. Zip archives can only record times from 1980-01-01
	// to 2106-02-07T06:28:15Z (unsigned 32-bit seconds).
	Time time.Time

	// Wrap, when not empty, is a directory that holds every entry, as in
	// "app_1.2.3_linux_amd64/app". By default, as with GoReleaser, entries
	// sit at the root of the archive. Wrap follows the same rules as
	// File.Name.
	Wrap string
}

// level is the deflate level of both formats, fixed so that the bytes do
// not depend on any setting. It is gzip's usual level: on Go binaries level
// 9 takes about three times as long for under 0.1% less size.
//
// The deflate implementation is github.com/klauspost/compress at the
// version go.mod pins: at the same level it compresses Go binaries 2.5 to
// 4 times as fast as the standard library's, for an output about 2% larger
// (BenchmarkDeflateLevels compares both), and it wrote the same bytes on
// amd64 and on arm64. A new version of it may change the bytes, as a new
// Go toolchain may change the binaries.
const level = 6

// Encoding names the compressor and its settings, which decide an
// archive's bytes along with its entries, for the reuse keys of archives
// and releases: when it changes, archives are written again.
// TestEncodingNamesTheCompressor checks it against the version the build
// uses.
const Encoding = "deflate level 6, github.com/klauspost/compress v1.18.7"

// Write writes an archive of files to dst, replacing dst atomically.
//
// Every File is checked before anything is written: a name that is empty,
// absolute, unclean or climbs out with "..", two entries with the same name
// (or names that differ only in case), a file whose name is also a
// directory of another entry, or a missing source or one that is not a
// regular file is an error naming the entry, and no file is created.
// Directories leading to the entries get entries of their own.
func Write(dst string, files []File, o Options) error {
	if _, err := ParseFormat(string(o.Format)); err != nil {
		return err
	}
	mtime, err := entryTime(o.Format, o.Time)
	if err != nil {
		return err
	}
	entries, err := plan(files, o.Wrap)
	if err != nil {
		return err
	}
	err = atomicfile.Write(dst, 0o644, func(w io.Writer) error {
		if o.Format == Zip {
			return writeZip(w, entries, mtime)
		}
		return writeTarGz(w, entries, mtime)
	})
	if err != nil {
		return fmt.Errorf("archive: write %s: %w", dst, err)
	}
	return nil
}

// entryTime returns t as recorded in archives of format f: whole seconds in
// UTC, so that neither the monotonic clock reading nor the local time zone
// reaches the bytes.
func entryTime(f Format, t time.Time) (time.Time, error) {
	if t.IsZero() {
		return time.Time{}, fmt.Errorf("archive: no modification time given")
	}
	t = t.UTC().Truncate(time.Second)
	if f == Zip && (t.Year() < 1980 || t.Unix() > 1<<32-1) {
		return time.Time{}, fmt.Errorf("archive: zip cannot record time %s: 1980-01-01 to 2106-02-07T06:28:15Z only", t.Format(time.RFC3339))
	}
	return t, nil
}

// validName reports why name is not a safe relative archive path.
func validName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty name")
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("absolute name")
	case strings.Contains(name, `\`):
		return fmt.Errorf("name contains a backslash; use forward slashes")
	case strings.ContainsFunc(name, isControl):
		return fmt.Errorf("name contains a control character")
	}
	for _, elem := range strings.Split(name, "/") {
		switch elem {
		case "..":
			return fmt.Errorf(`name contains a ".." element`)
		case ".", "":
			return fmt.Errorf("name is not clean (empty or \".\" element, or trailing slash)")
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
