package staticbuild

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
)

// archiveStep writes one archive per platform holding every binary built
// for it and the extra files (Config.Archive.Files, else the README,
// LICENSE and CHANGELOG files at the module root), named by
// Config.Archive.Name. An archive whose contents have not changed since it
// was written is kept. Archives of different platforms are written in
// parallel, Config.Jobs at a time.
var archiveStep = Step{Name: "archive", run: func(ctx context.Context, r *Run) (string, error) {
	extra, sums, err := r.extraFiles()
	if err != nil {
		return "", err
	}
	groups := r.byPlatform()
	made := make([]artifact.Artifact, len(groups))
	wrote := make([]bool, len(groups))
	err = forEach(ctx, "archive", r.Config.Jobs, len(groups), func(i int) (err error) {
		made[i], wrote[i], err = r.archive(groups[i], extra, sums)
		return err
	})
	if err != nil {
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
}}

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
	if r.tx.state.current(r.Dist, rel, key) {
		if err := fill(&a, r.Path(a)); err == nil {
			return a, false, nil
		}
	}
	tmp, err := r.tx.stage(rel)
	if err != nil {
		return a, false, err
	}
	if err := archive.Write(tmp, files, archive.Options{Format: format, Time: r.Time, Wrap: wrap}); err != nil {
		return a, false, fmt.Errorf("archive: %s: %w", g.platform, err)
	}
	r.tx.setKey(rel, key)
	return a, true, fill(&a, r.Path(a))
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
