package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
)

// gzipOSUnknown is the gzip header's OS byte for "unknown", so that the
// header does not name the building host's system.
const gzipOSUnknown = 255

// writeTarGz writes entries to w as a gzip-compressed PAX tar stream. PAX
// is chosen explicitly: for short ASCII names its header block is the same
// as USTAR's, and longer or non-ASCII names get a PAX path record, placed
// deterministically, instead of failing.
func writeTarGz(w io.Writer, entries []entry, mtime time.Time) error {
	zw, err := gzip.NewWriterLevel(w, level)
	if err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	zw.Name, zw.Comment, zw.Extra = "", "", nil
	zw.ModTime = time.Unix(0, 0) // written as 0: no timestamp
	zw.OS = gzipOSUnknown

	tw := tar.NewWriter(zw)
	for _, e := range entries {
		if err := writeTarEntry(tw, e, mtime); err != nil {
			return fmt.Errorf("entry %q: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("tar: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	return nil
}

func writeTarEntry(tw *tar.Writer, e entry, mtime time.Time) error {
	hdr := &tar.Header{
		Name:    e.name,
		Mode:    int64(e.mode.Perm()),
		ModTime: mtime,
		Format:  tar.FormatPAX,
		// Uid, Gid 0 and Uname, Gname "" are the zero values.
	}
	if e.isDir() {
		hdr.Typeflag = tar.TypeDir
		return tw.WriteHeader(hdr)
	}
	f, fi, err := openSource(e.source)
	if err != nil {
		return err
	}
	defer f.Close()
	hdr.Typeflag = tar.TypeReg
	hdr.Size = fi.Size()
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	// A source that grows while it is copied fails with tar.ErrWriteTooLong;
	// one that shrinks fails at the next header or at Close.
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("copy %s: %w", e.source, err)
	}
	return nil
}
