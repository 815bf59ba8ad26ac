// Package ocilayout reads the images of an OCI image layout directory
// (index.json and blobs/sha256/) with the standard library alone, so that
// checking a release's images pulls no image library into a magefile. It
// checks the digest of every blob it reads, and reads each to the end.
package ocilayout

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
)

// maxJSON bounds an index, manifest or config blob.
const maxJSON = 4 << 20

// Image is one image of a layout, as Read gives it.
type Image struct {
	// Digest is the digest of the image's manifest, "sha256:...".
	Digest string
	// Platform is the image config's platform as Go names it: OCI's arm
	// variant "v7" is GOARM "7", arm64's "v8" is the default and none,
	// and amd64's "v2" to "v4" are GOAMD64's.
	Platform platform.Platform
	// Files holds the SHA-256, in hex, of every regular file the image's
	// layers leave after every whiteout and opaque directory, by path
	// without the leading "/" ("usr/local/bin/app").
	Files map[string]string
}

// Media types of the descriptors Manifests follows.
const (
	ociIndex       = "application/vnd.oci.image.index.v1+json"
	ociManifest    = "application/vnd.oci.image.manifest.v1+json"
	dockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
)

// descriptor is the part of an OCI descriptor the reader uses.
type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
}

// Manifests returns the digest of every image manifest that the index.json
// of the layout in dir reaches, directly or through nested indexes, once
// each, in the order of the indexes. It checks each nested index's digest.
// It fails when index.json is missing or not JSON, or a nested index is
// missing or damaged; the error names the layout and the blob.
func Manifests(dir string) ([]string, error) {
	ds, err := manifests(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("the OCI layout %s: %w", dir, err)
	}
	return ds, nil
}

// Read reads the image whose manifest has the given digest ("sha256:...")
// from the blobs of the OCI layout in dir (index.json need not list it):
// its platform, as Go names it, and the SHA-256 of each of its regular
// files. It checks the digests of the manifest, the config and every
// layer, each of which it reads to the end, and applies the layers in
// order: an entry replaces what the layers below have at its path, and a
// whiteout (".wh.NAME") or opaque directory (".wh..wh..opq") removes what
// they have, as the OCI image specification says. Layers are tar,
// gzip-compressed or not. It fails when a blob is missing, damaged or not
// what the manifest says; the error names the layout, the image and the
// blob.
func Read(dir, digest string) (*Image, error) {
	im, err := read(os.DirFS(dir), digest)
	if err != nil {
		return nil, fmt.Errorf("the OCI layout %s: image %s: %w", dir, digest, err)
	}
	return im, nil
}

// manifests walks index.json of fsys.
func manifests(fsys fs.FS) ([]string, error) {
	raw, err := fs.ReadFile(fsys, "index.json")
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	var walk func(what string, raw []byte) error
	walk = func(what string, raw []byte) error {
		var idx struct {
			Manifests []descriptor `json:"manifests"`
		}
		if err := json.Unmarshal(raw, &idx); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for _, d := range idx.Manifests {
			if seen[d.Digest] {
				continue
			}
			seen[d.Digest] = true
			switch d.MediaType {
			case ociManifest, dockerManifest:
				if _, err := blobName(d.Digest); err != nil {
					return fmt.Errorf("%s: %w", what, err)
				}
				out = append(out, d.Digest)
			case ociIndex, dockerList:
				inner, err := readJSON(fsys, d.Digest)
				if err != nil {
					return fmt.Errorf("%s: %w", what, err)
				}
				if err := walk("index "+d.Digest, inner); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk("index.json", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// read reads one image of fsys.
func read(fsys fs.FS, digest string) (*Image, error) {
	raw, err := readJSON(fsys, digest)
	if err != nil {
		return nil, err
	}
	var m struct {
		Config descriptor   `json:"config"`
		Layers []descriptor `json:"layers"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("the manifest: %w", err)
	}
	if m.Config.Digest == "" {
		return nil, fmt.Errorf("the manifest names no config: it is not an image manifest")
	}
	raw, err = readJSON(fsys, m.Config.Digest)
	if err != nil {
		return nil, fmt.Errorf("the config: %w", err)
	}
	var c struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("the config %s: %w", m.Config.Digest, err)
	}
	files := map[string]string{}
	for _, l := range m.Layers {
		if strings.HasSuffix(l.MediaType, "+zstd") {
			return nil, fmt.Errorf("layer %s is zstd-compressed, which this reader does not read: use gzip layers", l.Digest)
		}
		if err := applyLayer(fsys, l.Digest, files); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Digest, err)
		}
	}
	return &Image{Digest: digest, Platform: goPlatform(c.OS, c.Architecture, c.Variant), Files: files}, nil
}

// goPlatform returns an OCI platform as Go names it.
func goPlatform(os, arch, variant string) platform.Platform {
	switch {
	case arch == "arm":
		variant = strings.TrimPrefix(variant, "v")
	case arch == "arm64" && variant == "v8":
		variant = ""
	}
	return platform.Platform{OS: os, Arch: arch, Variant: variant}
}
