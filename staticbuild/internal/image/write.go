package image

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// TempPrefix starts the name of every temporary file and directory that
// WriteLayout and WriteTarball create beside their destination.
const TempPrefix = atomicfile.Prefix

// WriteLayout writes r as an OCI image layout in dir, replacing what dir
// held. Its index.json lists the image index under the tag r.Tag
// (annotation org.opencontainers.image.ref.name) and each image under
// PlatformTag's r.Tag-OS-ARCH[-VARIANT] ("v1.2.3-linux-arm64"), since
// umoci unpacks only a tag that names one image. Files have mode 0644 and bytes
// that depend on r alone. The layout is written into a temporary directory
// beside dir and renamed to dir when complete, so dir never holds a
// partial layout. Each file is written and synced with package atomicfile,
// as every file a release writes.
func WriteLayout(dir string, r *Result) error {
	if r == nil || r.index == nil {
		return fmt.Errorf("image: writing %s: no Result from Build", dir)
	}
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("image: writing the layout %s: %w", dir, err)
	}
	tmp := atomicfile.TempName(dir)
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return fmt.Errorf("image: writing the layout %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("image: writing the layout %s: %w", dir, err)
	}
	if err := writeLayout(tmp, r); err != nil {
		return fmt.Errorf("image: writing the layout %s: %w", dir, err)
	}
	if err := replaceDir(tmp, dir); err != nil {
		return fmt.Errorf("image: writing the layout %s: %w", dir, err)
	}
	return nil
}

// PlatformTag returns the tag WriteLayout gives the image of p in its
// index.json: tag-OS-ARCH, or tag-OS-ARCH-VARIANT with the variant as Go
// names it ("v1.2.3-linux-arm-7").
func PlatformTag(tag string, p Platform) string {
	return tag + "-" + strings.ReplaceAll(p.String(), "/", "-")
}

// writeLayout writes the layout's files into the empty directory dir.
func writeLayout(dir string, r *Result) error {
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(filepath.Join(dir, "blobs"), 0o755); err != nil {
		return err
	}
	written := map[v1.Hash]bool{}
	blob := func(h v1.Hash, open func() (io.ReadCloser, error)) error {
		if written[h] {
			return nil
		}
		written[h] = true
		rc, err := open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return writeFile(filepath.Join(blobs, h.Hex), rc)
	}
	bytesOf := func(b []byte) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	top := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	top.Manifests = append(top.Manifests, v1.Descriptor{
		MediaType:   types.OCIImageIndex,
		Size:        int64(len(r.index.manifest)),
		Digest:      r.index.digest,
		Annotations: map[string]string{keyRefName: r.Tag},
	})
	for _, im := range r.Images {
		for _, l := range im.img.layers {
			d, err := l.Digest()
			if err != nil {
				return err
			}
			if err := blob(d, l.Compressed); err != nil {
				return fmt.Errorf("layer %s: %w", d, err)
			}
		}
		if err := blob(sha256Hash(im.img.config), bytesOf(im.img.config)); err != nil {
			return err
		}
		if err := blob(im.img.digest, bytesOf(im.img.manifest)); err != nil {
			return err
		}
		d := im.img.descriptor()
		d.Annotations = map[string]string{keyRefName: PlatformTag(r.Tag, im.Platform)}
		top.Manifests = append(top.Manifests, d)
	}
	if err := blob(r.index.digest, bytesOf(r.index.manifest)); err != nil {
		return err
	}
	raw, err := json.Marshal(top)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "index.json"), bytes.NewReader(raw)); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "oci-layout"), bytes.NewReader([]byte(`{"imageLayoutVersion":"1.0.0"}`)))
}

// writeFile writes name with mode 0644, synced, through atomicfile.
func writeFile(name string, r io.Reader) error {
	return atomicfile.Write(name, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
}

// replaceDir renames the directory tmp to dir. A dir that exists is first
// renamed aside and removed after, so dir always names a whole layout.
// The renames are atomicfile's, which on Windows wait out a scanner that
// holds a file open.
func replaceDir(tmp, dir string) error {
	if _, err := os.Lstat(dir); os.IsNotExist(err) {
		return atomicfile.Rename(tmp, dir)
	}
	old := atomicfile.TempName(dir)
	if err := atomicfile.Rename(dir, old); err != nil {
		return err
	}
	if err := atomicfile.Rename(tmp, dir); err != nil {
		atomicfile.Rename(old, dir)
		return err
	}
	return os.RemoveAll(old)
}

// WriteTarball writes the image of platform p as a tarball that docker
// load and podman load accept (the format of docker save), tagged ref;
// "" is r.Repository:r.Tag. It is written to a temporary file beside path
// and renamed to path when complete, by package atomicfile.
func WriteTarball(path, ref string, r *Result, p Platform) error {
	tag, err := resultRef(ref, r)
	if err != nil {
		return err
	}
	var img *image
	want := ociPlatform(p)
	for _, im := range r.Images {
		if platformString(im.img.platform) == platformString(want) {
			img = im.img
		}
	}
	if img == nil {
		var have []Platform
		for _, im := range r.Images {
			have = append(have, im.Platform)
		}
		return fmt.Errorf("image: writing %s: no %s image; the result has %s", path, p, platList(have))
	}
	err = atomicfile.Write(path, 0o644, func(w io.Writer) error { return tarball.Write(tag, img, w) })
	if err != nil {
		return fmt.Errorf("image: %w", err) // atomicfile's error names path
	}
	return nil
}
