package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrUnknownFormat reports a file that is not an ELF, Mach-O or PE
// executable.
var ErrUnknownFormat = errors.New("not an ELF, Mach-O or PE executable")

// Binary is what a file says about itself: the facts Check judges.
type Binary struct {
	Path   string
	Format string // "elf", "macho" or "pe"

	// GOOS and GOARCH come from the file's headers: GOARCH from the
	// machine type ("all" for a universal Mach-O file), GOOS from the
	// format (darwin, windows) or the ELF OS/ABI byte, and "" when the
	// headers do not tell. The values the toolchain recorded are in
	// BuildInfo.
	GOOS, GOARCH string

	// PIE reports a position-independent executable (ELF ET_DYN or
	// DF_1_PIE; every darwin binary).
	PIE bool

	// Interpreter is the program that loads the binary: ELF PT_INTERP or
	// Mach-O LC_LOAD_DYLINKER. It is empty for a static ELF file and for
	// PE files.
	Interpreter string

	// Libraries are the shared libraries the loader maps, in file order.
	Libraries []Library

	// RPaths are the run-time search paths: ELF DT_RPATH and DT_RUNPATH,
	// Mach-O LC_RPATH.
	RPaths []string

	// Environment holds the Mach-O LC_DYLD_ENVIRONMENT settings, such as
	// DYLD_LIBRARY_PATH=/opt/lib.
	Environment []string

	// BuildInfo is what the Go toolchain recorded, or nil when the file
	// has none (it was not built by Go, or the information was removed,
	// or it is a universal file, whose slices each have their own).
	BuildInfo *BuildInfo

	// Slices are the thin files of a universal (fat) Mach-O file, in
	// file order, each read as a file of its own; nil for any other
	// file. The universal file's Libraries are theirs, each once.
	Slices []*Binary

	slice *fatSlice // where a slice lies in its universal file
}

// Library is one shared library a binary loads.
type Library struct {
	Name string
	// Kind is how it is loaded: "needed" (ELF DT_NEEDED, Mach-O
	// LC_LOAD_DYLIB, a PE import), "weak", "reexport", "lazy" or "upward"
	// (the other Mach-O dylib commands), or "delay" (a PE delay-load
	// import).
	Kind string
}

// Static reports whether the binary needs no loader and no library: a
// static ELF executable or a static-pie.
func (b *Binary) Static() bool {
	return b.Interpreter == "" && len(b.Libraries) == 0 && b.Format == "elf"
}

// LibraryNames returns the names of b's libraries, never nil.
func (b *Binary) LibraryNames() []string {
	names := make([]string, 0, len(b.Libraries))
	for _, l := range b.Libraries {
		names = append(names, l.Name)
	}
	return names
}

// Inspect reads the executable at path and returns its facts without judging
// them. The error is non-nil when the file is missing, is not a regular file,
// or cannot be read as an ELF, Mach-O or PE executable.
func Inspect(path string) (*Binary, error) {
	return inspectPath(path, nil)
}

// inspectPath opens and inspects the file at path, then, when more is not
// nil, calls it with the open file and its size before closing it.
func inspectPath(path string, more func(b *Binary, f *os.File, size int64) error) (*Binary, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := inspect(f, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b.Path = path
	if more != nil {
		if err := more(b, f, size); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// openFile opens path for reading and returns its size, refusing anything
// but a regular file.
func openFile(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if fi.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: is a directory, not an executable", path)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file (%s)", path, fi.Mode().Type())
	}
	return f, fi.Size(), nil
}

// inspect reads the executable of the given size from r.
func inspect(r io.ReaderAt, size int64) (*Binary, error) {
	if size == 0 {
		return nil, fmt.Errorf("empty file: %w", ErrUnknownFormat)
	}
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, fmt.Errorf("too short for an executable header: %w", ErrUnknownFormat)
	}
	var (
		b   *Binary
		err error
	)
	switch {
	case bytes.Equal(magic[:], []byte("\x7fELF")):
		b, err = readELF(r, size)
	case isMachO(magic):
		b, err = readMachO(r, size)
	case isFatMachO(r):
		return readFat(r, size)
	case magic[0] == 'M' && magic[1] == 'Z':
		b, err = readPE(r, size)
	case string(magic[:]) == "\x00asm":
		return nil, fmt.Errorf("WebAssembly module: its imports come from the host that runs it, so there is no linkage to verify: %w", ErrUnknownFormat)
	case magic[0] == 0x01 && (magic[1] == 0xdf || magic[1] == 0xf7):
		return nil, fmt.Errorf("XCOFF (AIX) executable, which Verify does not read: %w", ErrUnknownFormat)
	default:
		return nil, ErrUnknownFormat
	}
	if err != nil {
		return nil, err
	}
	b.BuildInfo = readBuildInfo(r, size)
	if b.Libraries == nil {
		b.Libraries = []Library{}
	}
	return b, nil
}

// truncated explains an unexpected end of file from a debug package, which
// says only "EOF".
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the file is truncated: %w", err)
	}
	return err
}

// readCString reads the NUL-terminated string at off in r, reading at most
// max bytes and never past limit. It fails when no NUL comes first.
func readCString(r io.ReaderAt, off, limit int64, max int) (string, error) {
	if off < 0 || off >= limit {
		return "", fmt.Errorf("string at offset %#x is outside the file", off)
	}
	n := int64(max)
	if limit-off < n {
		n = limit - off
	}
	buf := make([]byte, n)
	m, err := r.ReadAt(buf, off)
	if i := bytes.IndexByte(buf[:m], 0); i >= 0 {
		return string(buf[:i]), nil
	}
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading string at offset %#x: %w", off, err)
	}
	return "", fmt.Errorf("string at offset %#x is not terminated within %d bytes", off, max)
}
