// Package atomicfile writes files so that no reader, and no run that is
// killed half-way, ever sees a partial file under its final name: the data
// goes to a temporary file beside the destination, which is synced, closed
// and renamed over the destination only when complete. Every temporary
// name starts with Prefix, so that a later run can find and remove what a
// killed one left.
package atomicfile

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Prefix starts the name of every temporary file this package creates.
const Prefix = ".tmp-"

// IsTemp reports whether a file name (not a path) is one of this package's
// temporary names.
func IsTemp(name string) bool { return strings.HasPrefix(name, Prefix) }

// TempName returns a fresh temporary name in dst's directory, for a tool
// that writes its output itself (such as go build -o).
func TempName(dst string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return filepath.Join(filepath.Dir(dst), Prefix+hex.EncodeToString(b)+"-"+filepath.Base(dst))
}

// Write creates dst with the given mode from what write writes. On any
// error the temporary file is removed and dst is left as it was.
func Write(dst string, mode os.FileMode, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(dst), Prefix+"*-"+filepath.Base(dst))
	if err != nil {
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("writing %s: %w", dst, err)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return rename(tmp, dst)
}

// WriteFile writes data to dst with mode 0644, atomically.
func WriteFile(dst string, data []byte) error {
	return Write(dst, 0o644, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Copy copies src to dst with the given mode, atomically.
func Copy(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return Write(dst, mode, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// RemoveTemps removes every temporary file or directory (a directory
// written whole and then renamed, such as an image layout) below dir that
// a killed run left, and reports the first error.
func RemoveTemps(dir string) error {
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == dir || !IsTemp(d.Name()) {
			return err
		}
		if d.IsDir() {
			if err := os.RemoveAll(path); err != nil {
				return err
			}
			return filepath.SkipDir
		}
		return os.Remove(path)
	})
}
