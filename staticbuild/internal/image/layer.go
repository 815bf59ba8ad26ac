package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// entry is one member of a layer.
type entry struct {
	name     string // path in the image without the leading "/"
	dir      bool
	mode     int64 // permission bits, with 01000 for the sticky bit
	uid, gid int
	data     []byte
}

// Modes of the entries Build writes.
const (
	modeDir  = 0o755
	modeFile = 0o644
	modeExec = 0o755
	modeTmp  = 0o1777
)

// newLayer returns the gzip-compressed tar of entries, sorted by name,
// with every parent directory (root-owned, 0755) that entries lack, and t
// as every mtime.
func newLayer(entries []entry, t time.Time) (*memLayer, error) {
	byName := map[string]entry{}
	for _, e := range entries {
		if o, ok := byName[e.name]; ok && !(o.dir && e.dir) {
			return nil, fmt.Errorf("image: /%s is in the layer twice", e.name)
		}
		byName[e.name] = e
		for d := path.Dir(e.name); d != "."; d = path.Dir(d) {
			if o, ok := byName[d]; ok {
				if !o.dir {
					return nil, fmt.Errorf("image: /%s is a file and the parent directory of /%s", d, e.name)
				}
				continue
			}
			byName[d] = entry{name: d, dir: true, mode: modeDir}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)

	var blob bytes.Buffer
	gz, err := gzip.NewWriterLevel(&blob, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	diff := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(gz, diff))
	for _, n := range names {
		e := byName[n]
		h := &tar.Header{
			Name:    n,
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			ModTime: t,
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("image: layer entry /%s: %w", n, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	l := &memLayer{
		blob:      blob.Bytes(),
		diffID:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(diff.Sum(nil))},
		mediaType: types.OCILayer,
	}
	l.digest = sha256Hash(l.blob)
	return l, nil
}

// binaryLayer returns the layer of one platform's binaries, mode 0755.
func binaryLayer(bins []Binary, t time.Time) (*memLayer, error) {
	var es []entry
	for _, b := range bins {
		data, err := os.ReadFile(b.Source)
		if err != nil {
			return nil, fmt.Errorf("image: binary for %s: %w", b.Platform, err)
		}
		es = append(es, entry{name: b.Path[1:], mode: modeExec, data: data})
	}
	return newLayer(es, t)
}

// filesLayer returns the layer of Config.Files, or nil when there are none.
func filesLayer(files []File, bins []Binary, t time.Time) (*memLayer, error) {
	if len(files) == 0 {
		return nil, nil
	}
	var es []entry
	for _, f := range files {
		if err := checkImagePath(f.Path); err != nil {
			return nil, fmt.Errorf("image: file %s: %w", f.Source, err)
		}
		for _, b := range bins {
			p := b.Path
			if p == "" {
				p = path.Join(BinDir, baseName(b.Source))
			}
			if p == f.Path {
				return nil, fmt.Errorf("image: file %s and binary %s both go to %s", f.Source, b.Source, p)
			}
		}
		data, err := os.ReadFile(f.Source)
		if err != nil {
			return nil, fmt.Errorf("image: Config.Files: %w", err)
		}
		mode := int64(f.Mode.Perm())
		if mode == 0 {
			mode = modeFile
		}
		es = append(es, entry{name: f.Path[1:], mode: mode, data: data})
	}
	return newLayer(es, t)
}

// memLayer is a layer held in memory: one Build made it, or it was
// pulled from a registry once.
type memLayer struct {
	blob      []byte
	digest    v1.Hash
	diffID    v1.Hash
	mediaType types.MediaType
}

var _ v1.Layer = (*memLayer)(nil)

// Digest returns the SHA-256 of the compressed layer.
func (l *memLayer) Digest() (v1.Hash, error) { return l.digest, nil }

// DiffID returns the SHA-256 of the uncompressed layer.
func (l *memLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Compressed returns the layer as it is stored.
func (l *memLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.blob)), nil
}

// Uncompressed returns the layer's tar stream.
func (l *memLayer) Uncompressed() (io.ReadCloser, error) {
	if !bytes.HasPrefix(l.blob, []byte{0x1f, 0x8b}) {
		if l.mediaType == types.OCIUncompressedLayer || l.mediaType == types.DockerUncompressedLayer {
			return l.Compressed()
		}
		return nil, fmt.Errorf("image: layer %s (%s) is not gzip-compressed, which this package cannot read", l.digest, l.mediaType)
	}
	return gzip.NewReader(bytes.NewReader(l.blob))
}

// Size returns the size of the compressed layer.
func (l *memLayer) Size() (int64, error) { return int64(len(l.blob)), nil }

// MediaType returns the layer's media type.
func (l *memLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
