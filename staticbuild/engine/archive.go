package engine

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/platform"
)

// Archive writes one archive per platform holding every binary built for
// it and the extra files (Config.Archive.Files, else the README, LICENSE
// and CHANGELOG files at the module root, and what steps added with
// AddToArchives), named by Config.Archive.Name. An archive whose contents
// have not changed since it was written is kept. Archives of different
// platforms are written in parallel, Config.Jobs at a time.
func (r *Run) Archive(ctx context.Context) error {
	return r.step("archive", func() (string, error) {
		extra, err := r.extraFiles()
		if err != nil {
			return "", err
		}
		extra = append(extra, r.extra...)
		// The extra files are the same in every archive: hash them once.
		sums := make([]string, len(extra))
		for i, f := range extra {
			if sums[i], err = archive.SHA256File(f.Source); err != nil {
				return "", fmt.Errorf("archive: %w", err)
			}
		}
		groups := r.byPlatform()
		made := make([]artifact.Artifact, len(groups))
		wrote := make([]bool, len(groups))
		var g errgroup.Group
		g.SetLimit(r.jobs)
		for i, grp := range groups {
			g.Go(func() error {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("archive cancelled: %w", context.Cause(ctx))
				}
				a, w, err := r.archive(grp, extra, sums)
				made[i], wrote[i] = a, w
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return "", err
		}
		n := 0
		for i, a := range made {
			r.setArtifact(a)
			if wrote[i] {
				n++
			}
		}
		r.Logf("archive: %d archives, %d written, %d unchanged\n", len(made), n, len(made)-n)
		return fmt.Sprintf("%d archives, %d written", len(made), n), nil
	})
}

// platformGroup is the binaries of one platform.
type platformGroup struct {
	platform platform.Platform
	bins     artifact.List
}

// byPlatform groups the run's binaries by platform, in the matrix's order.
func (r *Run) byPlatform() []platformGroup {
	var out []platformGroup
	for _, b := range r.Artifacts.Of(artifact.Binary) {
		pl, err := platform.Parse(b.Platform)
		if err != nil {
			continue
		}
		i := 0
		for i < len(out) && out[i].platform != pl {
			i++
		}
		if i == len(out) {
			out = append(out, platformGroup{platform: pl})
		}
		out[i].bins = append(out[i].bins, b)
	}
	return out
}

// archiveData is what the archive templates see.
func (r *Run) archiveData(name string, pl platform.Platform) map[string]string {
	variant := strings.TrimPrefix(pl.ArchiveSuffix(), pl.OS+"_"+pl.Arch)
	return map[string]string{
		"Name": name, "Version": strings.TrimPrefix(r.Version, "v"), "Tag": r.Version,
		"OS": pl.OS, "Arch": pl.Arch, "Variant": strings.TrimPrefix(variant, "_"), "Platform": pl.ArchiveSuffix(),
	}
}

// archive writes the archive of one platform unless the one in dist has
// the same contents, and reports whether it wrote it. sums are the extra
// files' SHA-256s.
func (r *Run) archive(g platformGroup, extra []archive.File, sums []string) (artifact.Artifact, bool, error) {
	data := r.archiveData(r.src.project, g.platform)
	base, err := execTemplate(r.Config.Archive.Name, archiveFields, data)
	if err != nil {
		return artifact.Artifact{}, false, fmt.Errorf("Config.Archive.Name: %w", err)
	}
	wrap := ""
	if r.Config.Archive.Dir != "" {
		if wrap, err = execTemplate(r.Config.Archive.Dir, archiveFields, data); err != nil {
			return artifact.Artifact{}, false, fmt.Errorf("Config.Archive.Dir: %w", err)
		}
	}
	format := archive.FormatFor(g.platform.OS)
	if f, ok := r.Config.Archive.Formats[g.platform.OS]; ok {
		format = archive.Format(f)
	}
	rel, err := cleanRel(base + "." + string(format))
	if err != nil || strings.Contains(base, "/") {
		return artifact.Artifact{}, false, fmt.Errorf("Config.Archive.Name %q gives %q for %s: want a file name without slashes", r.Config.Archive.Name, base, g.platform)
	}
	var files []archive.File
	keyParts := []string{"archive 1", archive.Encoding, rel, string(format), wrap, r.Time.UTC().String()}
	for _, b := range g.bins {
		files = append(files, archive.File{Name: path.Base(b.Path), Source: r.Path(b), Executable: true})
		keyParts = append(keyParts, path.Base(b.Path), b.SHA256)
	}
	for i, f := range extra {
		files = append(files, f)
		keyParts = append(keyParts, f.Name, sums[i])
	}
	a := artifact.Artifact{Name: path.Base(rel), Path: rel, Kind: artifact.Archive,
		Platform: g.platform.String(), OS: g.platform.OS, Arch: g.platform.Arch, Variant: g.platform.Variant,
		Version: r.Version, Commit: r.Commit}
	key := hashStrings(keyParts...)
	if r.state.current(r.Dist, rel, key) {
		if err := r.fill(&a); err == nil {
			return a, false, nil
		}
	}
	tmp, err := r.stage(rel)
	if err != nil {
		return a, false, err
	}
	if err := archive.Write(tmp, files, archive.Options{Format: format, Time: r.Time, Wrap: wrap}); err != nil {
		return a, false, fmt.Errorf("archive: %s: %w", g.platform, err)
	}
	r.setKey(rel, key)
	return a, true, r.fill(&a)
}

// extraFiles returns the files every archive holds beside the binaries:
// Config.Archive.Files, each of which must exist, or else the README,
// LICENSE and CHANGELOG files at the module root.
func (r *Run) extraFiles() ([]archive.File, error) {
	var out []archive.File
	if len(r.Config.Archive.Files) > 0 {
		var missing []string
		for _, f := range r.Config.Archive.Files {
			name := filepath.Join(r.Dir, filepath.FromSlash(f))
			fi, err := os.Stat(name)
			if err != nil || !fi.Mode().IsRegular() {
				missing = append(missing, f)
				continue
			}
			if real, err := filepath.EvalSymlinks(name); err != nil || !inside(r.Dir, real) {
				return nil, fmt.Errorf("Config.Archive.Files: %s is a link to %s, outside the module %s: copy the file into the module", f, real, r.Dir)
			}
			out = append(out, archive.File{Name: path.Clean(filepath.ToSlash(f)), Source: name})
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("Config.Archive.Files: %s not a file in %s: create it or remove it from the list", strings.Join(missing, ", ")+pluralIs(len(missing)), r.Dir)
		}
		return out, nil
	}
	entries, err := os.ReadDir(r.Dir)
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
				out = append(out, archive.File{Name: e.Name(), Source: filepath.Join(r.Dir, e.Name())})
				break
			}
		}
	}
	return out, nil
}

// inside reports whether the file at name lies in the directory dir, both
// with their links resolved.
func inside(dir, name string) bool {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	rel, err := filepath.Rel(dir, name)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func pluralIs(n int) string {
	if n == 1 {
		return " is"
	}
	return " are"
}
