// Package artifact is the one list of files a release is made of: the
// binaries Cross builds, then the archives, SBOMs and checksums Release adds.
// Every step reads the list and extends it; the list is written to
// dist/artifacts.json, which CI steps and scripts read instead of guessing
// paths. Lists from several machines (one CI job per part of the matrix)
// merge into the list a single machine would have written.
package artifact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// Kind says what an artifact is.
type Kind string

// The kinds of artifact.
const (
	Binary    Kind = "binary"
	Archive   Kind = "archive"
	SBOM      Kind = "sbom"
	Checksums Kind = "checksums"
	// ImageIndex is the index.json of an OCI image layout directory whose
	// image index holds one image per platform; Image is one image's
	// manifest in it.
	ImageIndex Kind = "image-index"
	Image      Kind = "image"
)

// Artifact is one file under the output directory.
type Artifact struct {
	Name     string `json:"name"`               // base name of the file
	Path     string `json:"path"`               // slash-separated, relative to the output directory
	Kind     Kind   `json:"kind"`               // binary, archive, sbom, checksums, or a kind of the magefile's own
	Binary   string `json:"binary,omitempty"`   // the binary's name, for a binary and its SBOM
	Platform string `json:"platform,omitempty"` // "linux/arm/7"; empty for checksums
	OS       string `json:"goos,omitempty"`
	Arch     string `json:"goarch,omitempty"`
	Variant  string `json:"variant,omitempty"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Digest   string `json:"digest,omitempty"` // an image's or image index's digest, "sha256:..."
	Image    string `json:"image,omitempty"`  // an image index's reference, REGISTRY/REPO:TAG

	// Build is how a binary was built, for Verify; nil for other kinds.
	Build *Build `json:"build,omitempty"`
}

// Build records what Verify needs to judge a binary.
type Build struct {
	Module  string            `json:"module,omitempty"`  // the main module's path
	Package string            `json:"package,omitempty"` // the main package's import path
	Cgo     string            `json:"cgo"`               // "off", "static", "static-pie" or "dynamic"
	Tags    []string          `json:"tags,omitempty"`    // build tags given to go build
	Stamped map[string]string `json:"stamped,omitempty"` // -X variable -> value
	Key     string            `json:"-"`                 // fingerprint of the inputs; depends on paths, so kept out of the manifest
}

// List is a set of artifacts kept sorted by path.
type List []Artifact

// Sort sorts the list by path.
func (l List) Sort() {
	sort.Slice(l, func(i, j int) bool { return l[i].Path < l[j].Path })
}

// Of returns the artifacts of the given kind, in path order.
func (l List) Of(k Kind) List {
	var out List
	for _, a := range l {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

// Read reads a list written by Write, sorted by path. It fails when the
// file cannot be read or is not such a list; the error names the file and
// says to delete it and build again.
func Read(path string) (List, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l List
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("reading artifact list %s: %w (delete it and build again)", path, err)
	}
	l.Sort()
	return l, nil
}

// Write writes the list to path as indented JSON, sorted by path, through
// a temporary file in the same directory that it syncs and renames, so a
// reader never sees part of a list. It fails when the directory cannot be
// written, leaving any file at path as it was.
func Write(path string, l List) error {
	l = append(List(nil), l...)
	l.Sort()
	if l == nil {
		l = List{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}
