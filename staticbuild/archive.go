package staticbuild

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

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
	ar, err := newArchiver(r)
	if err != nil {
		return "", err
	}
	groups := byPlatform(r.Artifacts.Of(artifact.Binary))
	made := make([]artifact.Artifact, len(groups))
	wrote := make([]bool, len(groups))
	err = forEach(ctx, "archive", r.Config.Jobs, len(groups), func(i int) (err error) {
		made[i], wrote[i], err = ar.write(groups[i])
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

// byPlatform groups binaries by platform, in the order they come.
func byPlatform(bins artifact.List) []platformGroup {
	var out []platformGroup
	for _, b := range bins {
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

// archiveData is what the archive templates see for the binary or
// project name of the given version on pl.
func archiveData(name, version string, pl platform.Platform) map[string]string {
	variant := strings.TrimPrefix(pl.ArchiveSuffix(), pl.OS+"_"+pl.Arch)
	return map[string]string{
		"Name": name, "Version": strings.TrimPrefix(version, "v"), "Tag": version,
		"OS": pl.OS, "Arch": pl.Arch, "Variant": strings.TrimPrefix(variant, "_"), "Platform": pl.ArchiveSuffix(),
	}
}

// archiver writes the archives of a run: Config.Archive's name, format
// and extra files, dated with the run's time, staged in its transaction.
type archiver struct {
	cfg     Archive
	project string
	version string
	commit  string
	time    time.Time
	tx      *transaction
	extra   []archive.File // the files beside the binaries
	sums    []string       // their SHA-256s
}

// newArchiver returns the archiver of the run, with its extra files; it
// fails when one is missing.
func newArchiver(r *Run) (*archiver, error) {
	extra, sums, err := extraFiles(r.Config.Archive, r.Dir)
	if err != nil {
		return nil, err
	}
	return &archiver{cfg: r.Config.Archive, project: r.src.project, version: r.Version, commit: r.Commit, time: r.Time,
		tx: r.tx, extra: extra, sums: sums}, nil
}

// write writes the archive of one platform unless the one in dist has
// the same contents, and reports whether it wrote it.
func (ar *archiver) write(g platformGroup) (artifact.Artifact, bool, error) {
	data := archiveData(ar.project, ar.version, g.platform)
	base, err := execTemplate(ar.cfg.Name, archiveFields, data)
	if err != nil {
		return artifact.Artifact{}, false, fmt.Errorf("Config.Archive.Name: %w", err)
	}
	wrap := ""
	if ar.cfg.Dir != "" {
		if wrap, err = execTemplate(ar.cfg.Dir, archiveFields, data); err != nil {
			return artifact.Artifact{}, false, fmt.Errorf("Config.Archive.Dir: %w", err)
		}
	}
	format := archive.FormatFor(g.platform.OS)
	if f, ok := ar.cfg.Formats[g.platform.OS]; ok {
		format = archive.Format(f)
	}
	rel, err := cleanRel(base + "." + string(format))
	if err != nil || strings.Contains(base, "/") {
		return artifact.Artifact{}, false, fmt.Errorf("Config.Archive.Name %q gives %q for %s: want a file name without slashes", ar.cfg.Name, base, g.platform)
	}
	var files []archive.File
	keyParts := []string{"archive 1", archive.Encoding, rel, string(format), wrap, ar.time.UTC().String()}
	for _, b := range g.bins {
		files = append(files, archive.File{Name: path.Base(b.Path), Source: ar.tx.path(b.Path), Executable: true})
		keyParts = append(keyParts, path.Base(b.Path), b.SHA256)
	}
	for i, f := range ar.extra {
		files = append(files, f)
		keyParts = append(keyParts, f.Name, ar.sums[i])
	}
	a := artifact.Artifact{Name: path.Base(rel), Path: rel, Kind: artifact.Archive,
		Platform: g.platform.String(), OS: g.platform.OS, Arch: g.platform.Arch, Variant: g.platform.Variant,
		Version: ar.version, Commit: ar.commit}
	key := hashStrings(keyParts...)
	if ar.tx.state.current(ar.tx.dist, rel, key) {
		if err := fill(&a, ar.tx.path(rel)); err == nil {
			return a, false, nil
		}
	}
	tmp, err := ar.tx.stage(rel)
	if err != nil {
		return a, false, err
	}
	if err := archive.Write(tmp, files, archive.Options{Format: format, Time: ar.time, Wrap: wrap}); err != nil {
		return a, false, fmt.Errorf("archive: %s: %w", g.platform, err)
	}
	ar.tx.setKey(rel, key)
	return a, true, fill(&a, tmp)
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
