package ocilayout

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// changes is what one layer does to the layers below it.
type changes struct {
	found  map[string]string // SHA-256 of each entry, "" for one that is not a regular file
	dirs   map[string]bool   // the entries that are directories
	gone   []string          // paths removed, each with what is beneath it
	opaque []string          // directories emptied, each ending in "/"
}

// applyLayer reads the layer with a digest to the end, checks its digest,
// and applies it to files, the SHA-256 of each regular file of the layers
// below by path. A whiteout or opaque directory hides only what the layers
// below have; an entry of the layer replaces what they have at its path
// and, unless it is a directory, beneath it. A damaged blob is reported
// as such, before what its damage does to the tar or gzip stream.
func applyLayer(fsys fs.FS, digest string, files map[string]string) error {
	b, err := openBlob(fsys, digest)
	if err != nil {
		return err
	}
	defer b.Close()
	c, err := readLayer(b, files)
	if cerr := b.check(); cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	for p := range files {
		if c.hides(p) {
			delete(files, p)
		}
	}
	for p, s := range c.found {
		if s == "" {
			delete(files, p)
		} else {
			files[p] = s
		}
	}
	return nil
}

// readLayer reads a tar stream, gzip-compressed or not, to the end; files
// are the layers below, for hard links to them.
func readLayer(blob io.Reader, files map[string]string) (*changes, error) {
	br := bufio.NewReader(blob)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	c := &changes{found: map[string]string{}, dirs: map[string]bool{}}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if name == "" {
			continue
		}
		dir, base := path.Split(name)
		switch {
		case base == ".wh..wh..opq":
			c.opaque = append(c.opaque, dir)
		case strings.HasPrefix(base, ".wh."):
			c.gone = append(c.gone, dir+strings.TrimPrefix(base, ".wh."))
		case hdr.Typeflag == tar.TypeReg:
			h := sha256.New()
			if _, err := io.Copy(h, tr); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			c.found[name] = hex.EncodeToString(h.Sum(nil))
		case hdr.Typeflag == tar.TypeLink:
			// A hard link is the file it names, of this layer or below.
			target := strings.TrimPrefix(path.Clean("/"+hdr.Linkname), "/")
			s, ok := c.found[target]
			if !ok {
				s = files[target]
			}
			c.found[name] = s
		default:
			c.found[name] = ""
			c.dirs[name] = hdr.Typeflag == tar.TypeDir
		}
	}
	// The rest of the stream: tar's padding, and gzip's checksum.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, err
	}
	return c, nil
}

// hides reports whether the layer hides the file p of the layers below:
// removes it with a whiteout, empties a directory above it, or has at a
// directory above it something that is not a directory.
func (c *changes) hides(p string) bool {
	for _, g := range c.gone {
		if p == g || strings.HasPrefix(p, g+"/") {
			return true
		}
	}
	for _, d := range c.opaque {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
		if _, ok := c.found[d]; ok && !c.dirs[d] {
			return true
		}
	}
	return false
}
