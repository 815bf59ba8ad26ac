package engine

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/sbom"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// publish writes an archive and an SBOM for every binary, then the
// checksum file, then the manifest, which is written last so that its
// presence means the release is complete. On error, the files this call
// wrote are removed.
func (p *plan) publish(ctx context.Context, bins artifact.List, st stamp.Stamp) (list artifact.List, err error) {
	extra, err := p.extraFiles()
	if err != nil {
		return nil, err
	}
	old, _ := artifact.Read(filepath.Join(p.dist, manifestName))
	var written []string
	defer func() {
		if err != nil {
			for _, name := range written {
				os.Remove(name)
			}
		}
	}()
	list = append(list, bins...)
	var sums []archive.Sum
	for _, b := range bins {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("release cancelled: %w", context.Cause(ctx))
		}
		pl, err := platform.Parse(b.Platform)
		if err != nil {
			return nil, err
		}
		format, err := p.archiveFormat(pl.OS)
		if err != nil {
			return nil, err
		}
		base := fmt.Sprintf("%s_%s_%s", p.cfg.Name, strings.TrimPrefix(st.Version, "v"), pl.ArchiveSuffix())
		bin := filepath.Join(p.dist, filepath.FromSlash(b.Path))
		files := append([]archive.File{{Name: path.Base(b.Path), Source: bin, Executable: true}}, extra...)
		arch := artifact.Artifact{Name: base + "." + string(format), Kind: artifact.Archive}
		doc := artifact.Artifact{Name: base + ".sbom.json", Kind: artifact.SBOM}

		name := filepath.Join(p.dist, arch.Name)
		written = append(written, name)
		if err := archive.Write(name, files, archive.Options{Format: format, Time: st.Time}); err != nil {
			return nil, fmt.Errorf("release: archiving %s: %w", b.Platform, err)
		}
		data, err := sbom.FromBinary(bin, sbom.Options{Version: st.Version, Time: st.Time, Platform: b.Platform})
		if err != nil {
			return nil, fmt.Errorf("release: SBOM of %s: %w", b.Platform, err)
		}
		name = filepath.Join(p.dist, doc.Name)
		written = append(written, name)
		if err := artifact.WriteFile(name, data); err != nil {
			return nil, err
		}
		for _, a := range []*artifact.Artifact{&arch, &doc} {
			a.Path = a.Name
			a.Platform, a.OS, a.Arch, a.Variant = b.Platform, b.OS, b.Arch, b.Variant
			a.Version, a.Commit = st.Version, st.Commit
			if err := fill(p.dist, a); err != nil {
				return nil, err
			}
			sums = append(sums, archive.Sum{Name: a.Name, SHA256: a.SHA256})
			list = append(list, *a)
		}
	}
	sumsName := filepath.Join(p.dist, p.checksumName())
	written = append(written, sumsName)
	if err := archive.WriteChecksums(sumsName, sums); err != nil {
		return nil, err
	}
	sumsArt := artifact.Artifact{Name: p.checksumName(), Path: p.checksumName(), Kind: artifact.Checksums, Version: st.Version, Commit: st.Commit}
	if err := fill(p.dist, &sumsArt); err != nil {
		return nil, err
	}
	list = append(list, sumsArt)
	list.Sort()
	p.removeStale(old, list)
	for _, a := range list {
		if a.Kind != artifact.Binary {
			p.state.record(p.dist, a.Path, a.SHA256)
		}
	}
	if err := artifact.Write(filepath.Join(p.dist, manifestName), list); err != nil {
		return nil, err
	}
	return list, nil
}

// fill sets an artifact's size and checksum from its file.
func fill(dist string, a *artifact.Artifact) error {
	name := filepath.Join(dist, filepath.FromSlash(a.Path))
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	a.Size = fi.Size()
	a.SHA256, err = archive.SHA256File(name)
	return err
}

// archiveFormat returns the archive format of an operating system.
func (p *plan) archiveFormat(goos string) (archive.Format, error) {
	if f, ok := p.cfg.Archive.Formats[goos]; ok {
		format, err := archive.ParseFormat(f)
		if err != nil {
			return "", fmt.Errorf("Config.Archive.Formats[%q]: %w", goos, err)
		}
		return format, nil
	}
	return archive.FormatFor(goos), nil
}

// extraFiles returns the files every archive holds beside the binary:
// Config.Archive.Files, each of which must exist, or else the README,
// LICENSE and CHANGELOG files at the module root.
func (p *plan) extraFiles() ([]archive.File, error) {
	var out []archive.File
	if len(p.cfg.Archive.Files) > 0 {
		for _, f := range p.cfg.Archive.Files {
			name := filepath.Join(p.dir, filepath.FromSlash(f))
			fi, err := os.Stat(name)
			if err != nil || !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("Config.Archive.Files: %s is not a file in %s: create it or remove it from the list", f, p.dir)
			}
			out = append(out, archive.File{Name: path.Clean(filepath.ToSlash(f)), Source: name})
		}
		return out, nil
	}
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		upper := strings.ToUpper(e.Name())
		if !e.Type().IsRegular() {
			continue
		}
		for _, prefix := range []string{"README", "LICENSE", "LICENCE", "CHANGELOG"} {
			if strings.HasPrefix(upper, prefix) {
				out = append(out, archive.File{Name: e.Name(), Source: filepath.Join(p.dir, e.Name())})
				break
			}
		}
	}
	return out, nil
}
