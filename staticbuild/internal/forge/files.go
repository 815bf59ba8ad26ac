package forge

import (
	"cmp"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// File is a file of the release to publish as an asset.
type File struct {
	Name   string // the asset's name: the file's base name
	Path   string // where the file is now
	Size   int64
	SHA256 string // hex
}

// notPublished are the kinds of artifact that are not release assets:
// images go to a registry, notes are the release's text, the package
// managers' manifests go to their taps and buckets, and binaries travel
// in their archives.
var notPublished = map[artifact.Kind]bool{
	artifact.Binary: true, artifact.Image: true, artifact.ImageIndex: true,
	"image-tarball": true, "notes": true,
	"homebrew-cask": true, "homebrew-formula": true, "scoop-manifest": true, "winget-manifest": true,
}

// Files returns the files of the release list to publish, each at the
// path where returns: every artifact but binaries (which travel in their
// archives), images, image indexes, image tarballs, notes and the package
// managers' manifests. Two files with the same base name are an error,
// since a release's assets have flat names.
func Files(list artifact.List, where func(artifact.Artifact) string) ([]File, error) {
	var files []File
	seen := map[string]string{}
	var errs *multierror.Error
	for _, a := range list {
		if notPublished[a.Kind] {
			continue
		}
		name := path.Base(a.Path)
		if other, ok := seen[name]; ok {
			errs = multierror.Append(errs, fmt.Errorf("%s and %s would both be the asset %s: give them different names", other, a.Path, name))
			continue
		}
		seen[name] = a.Path
		files = append(files, File{Name: name, Path: where(a), Size: a.Size, SHA256: a.SHA256})
	}
	if err := errlist.Lines(errs); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("the release has no file to publish")
	}
	return files, nil
}

// checkFiles checks that every file in dist is as the manifest list says
// (size and SHA-256) and that the checksum file lists each with the same
// SHA-256, before anything is uploaded.
func checkFiles(dist, checksums string, list artifact.List, files []File) error {
	checksums = cmp.Or(checksums, "SHA256SUMS")
	sumsPath := filepath.Join(dist, filepath.FromSlash(checksums))
	sums, err := readSums(sumsPath)
	if err != nil {
		return fmt.Errorf("reading the checksum file: %w (release again)", err)
	}
	byName := map[string]artifact.Artifact{}
	for _, a := range list {
		byName[path.Base(a.Path)] = a
	}
	var errs *multierror.Error
	for _, f := range files {
		a := byName[f.Name]
		fi, err := os.Stat(f.Path)
		if err != nil {
			errs = multierror.Append(errs, fmt.Errorf("%s: %w (release again)", a.Path, err))
			continue
		}
		sum, err := archive.SHA256File(f.Path)
		switch {
		case err != nil:
			errs = multierror.Append(errs, fmt.Errorf("%s: %w", a.Path, err))
		case fi.Size() != f.Size || sum != f.SHA256:
			errs = multierror.Append(errs, fmt.Errorf("%s has %d bytes with SHA-256 %s, but artifacts.json lists %d bytes with %s: it changed after the release; release again", a.Path, fi.Size(), sum, f.Size, f.SHA256))
		case a.Kind != artifact.Checksums && a.Kind != artifact.Binary && sums[a.Path] != f.SHA256:
			errs = multierror.Append(errs, fmt.Errorf("%s: %s lists SHA-256 %q, artifacts.json %s: release again", a.Path, checksums, sums[a.Path], f.SHA256))
		}
	}
	return errlist.Lines(errs)
}

// readSums reads a checksum file into a map from path to hex.
func readSums(name string) (map[string]string, error) {
	list, err := archive.ReadChecksums(name)
	if err != nil {
		return nil, err
	}
	sums := map[string]string{}
	for _, s := range list {
		sums[s.Name] = s.SHA256
	}
	return sums, nil
}
