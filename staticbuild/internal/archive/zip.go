package archive

import (
	"archive/zip"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/flate"
)

// writeZip writes entries to w as a zip archive compressed with deflate at
// the package's fixed level. Each entry records mtime both as an MS-DOS
// time (read as UTC) and as an extended Unix timestamp, and its Unix mode.
func writeZip(w io.Writer, entries []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, level)
	})
	for _, e := range entries {
		if err := writeZipEntry(zw, e, mtime); err != nil {
			return fmt.Errorf("entry %q: %w", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	return nil
}

func writeZipEntry(zw *zip.Writer, e entry, mtime time.Time) error {
	fh := &zip.FileHeader{
		Name:     e.name,
		Method:   zip.Deflate,
		Modified: mtime,
	}
	fh.SetMode(e.mode)
	if e.isDir() {
		_, err := zw.CreateHeader(fh) // stored with no data
		return err
	}
	f, _, err := openSource(e.source)
	if err != nil {
		return err
	}
	defer f.Close()
	fw, err := zw.CreateHeader(fh)
	if err != nil {
		return err
	}
	if _, err := io.Copy(fw, f); err != nil {
		return fmt.Errorf("copy %s: %w", e.source, err)
	}
	return nil
}
