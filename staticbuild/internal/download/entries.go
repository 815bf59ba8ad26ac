package download

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// entry is a file or directory in an archive.
type entry struct {
	name string // slash-separated, cleaned, without a trailing slash
	dir  bool
}

// list returns the entries of the archive at file, a .tar.gz or a .zip
// named name.
func list(file, name string) ([]entry, error) {
	var es []entry
	var err error
	switch {
	case strings.HasSuffix(name, ".zip"):
		es, err = listZip(file)
	case strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".tgz"):
		es, err = listTarGz(file)
	default:
		return nil, fmt.Errorf("reading the archive %s: want a .tar.gz or a .zip", name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the archive %s: %w (release again to rebuild it)", name, err)
	}
	return es, nil
}

func listZip(file string) ([]entry, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var es []entry
	for _, f := range zr.File {
		es = append(es, newEntry(f.Name, f.FileInfo().IsDir()))
	}
	return es, nil
}

func listTarGz(file string) ([]entry, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var es []entry
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return es, nil
		}
		if err != nil {
			return nil, err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			es = append(es, newEntry(h.Name, true))
		case tar.TypeReg:
			es = append(es, newEntry(h.Name, false))
		}
	}
}

func newEntry(name string, dir bool) entry {
	return entry{name: strings.TrimPrefix(path.Clean("/"+name), "/"), dir: dir || strings.HasSuffix(name, "/")}
}
