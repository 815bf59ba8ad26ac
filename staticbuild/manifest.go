package staticbuild

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// manifestName is the manifest's name in the output directory.
const manifestName = "artifacts.json"

// errIncomplete says that a run failed while it put its files in place.
var errIncomplete = errors.New("dist/ is incomplete and has no " + manifestName + ": run again to complete it")

// manifestStep puts every file the run wrote in place and then writes the
// manifest, dist/artifacts.json, last, so that its presence means the run
// is complete. In a release, the files of an earlier release that this one
// does not write again are removed, and a version published before must
// have the same bytes unless Config.Replace is set.
var manifestStep = Step{Name: "manifest", run: func(ctx context.Context, r *Run) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("cancelled before the manifest: %w", context.Cause(ctx))
	}
	old, _ := artifact.Read(filepath.Join(r.Dist, manifestName))
	r.state.remember(old)
	if r.Release {
		if err := r.checkRepublish(); err != nil {
			return "", err
		}
	}
	if err := r.commit(); err != nil {
		return "", fmt.Errorf("%w; %w", err, errIncomplete)
	}
	// Files the run's steps added without a key of their own (those of
	// the magefile's steps, those inside a staged directory) are
	// recorded by their contents, so that the next run knows them.
	for _, a := range r.Artifacts {
		if _, ok := r.state.Files[a.Path]; !ok {
			r.state.record(r.Dist, a.Path, a.SHA256)
		}
		r.state.setSum(a.Path, a.SHA256)
	}
	if r.Release {
		r.state.Release = r.manifestKey
		r.removeStale(old)
		r.state.Published = nil
		for _, a := range r.Artifacts {
			if a.Kind == artifact.ImageIndex {
				r.state.Published = append(r.state.Published, path.Dir(a.Path))
			}
			if a.Kind != artifact.Binary {
				r.state.Published = append(r.state.Published, a.Path)
			}
		}
		if !r.Config.Snapshot {
			r.state.addRelease(r.Version, r.Artifacts, true)
		}
	}
	if r.Config.Shard != "" {
		if err := r.writeShard(); err != nil {
			return "", err
		}
	}
	if err := artifact.Write(filepath.Join(r.Dist, manifestName), r.Artifacts); err != nil {
		return "", err
	}
	r.state.record(r.Dist, manifestName, r.manifestKey)
	if sum, err := archive.SHA256File(filepath.Join(r.Dist, manifestName)); err == nil {
		r.state.setSum(manifestName, sum)
	}
	r.state.write(r.Dist)
	return fmt.Sprintf("%d artifacts", len(r.Artifacts)), nil
}}

// checkRepublish fails when this release's version was published from
// this directory before with other bytes.
func (r *Run) checkRepublish() error {
	before, ok := r.state.Released[r.Version]
	if !ok || r.Config.Snapshot || r.Config.Replace {
		return nil
	}
	var changed []string
	for _, a := range r.Artifacts {
		if sum, ok := before[a.Path]; ok && sum != a.SHA256 && a.Kind != artifact.Checksums {
			changed = append(changed, a.Path)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	slices.Sort(changed)
	return fmt.Errorf("release: %s was published before with other bytes, and the same version must not change silently: %s changed. Something that reaches the build changed (a replaced module's directory, the toolchain, the environment): undo it, tag a new version, or set Config.Replace to publish %s again",
		r.Version, summarize(changed, 5), r.Version)
}

// removeStale removes the files an earlier release published, as the old
// manifest or the state lists them, that this one does not, so dist/ holds
// one release.
func (r *Run) removeStale(old artifact.List) {
	stale := slices.Clone(r.state.Published)
	for _, a := range old {
		if a.Kind != artifact.Binary {
			stale = append(stale, a.Path)
		}
		if a.Kind == artifact.ImageIndex {
			stale = append(stale, path.Dir(a.Path)) // the layout directory
		}
	}
	for _, rel := range stale {
		if slices.ContainsFunc(r.Artifacts, func(b artifact.Artifact) bool { return b.Path == rel || strings.HasPrefix(b.Path, rel+"/") }) {
			continue
		}
		if name := filepath.Join(r.Dist, filepath.FromSlash(rel)); strings.HasPrefix(name, r.Dist+string(filepath.Separator)) {
			os.RemoveAll(name)
			delete(r.state.Files, rel)
		}
	}
	r.removeUnlisted()
}

// removeUnlisted removes what the top level of the output directory holds
// besides this release's files and the engine's own: the files of an
// earlier release that neither the old manifest nor the state lists any
// more (a cross or build wrote the manifest since, and the state file was
// lost), and the directories of binaries this release does not build.
func (r *Run) removeUnlisted() {
	entries, err := os.ReadDir(r.Dist)
	if err != nil {
		return
	}
	keep := []string{r.baselinePath(), r.Config.MergeFrom, filepath.Join(r.Dir, cmp.Or(r.Config.MergeFrom, "shards"))}
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == stateName || name == lockName || name == ".gitignore" || name == manifestName || atomicfile.IsTemp(name):
			continue
		case slices.ContainsFunc(r.Artifacts, func(a artifact.Artifact) bool { return a.Path == name || strings.HasPrefix(a.Path, name+"/") }):
			continue
		case slices.ContainsFunc(keep, func(k string) bool { return k != "" && filepath.Join(r.Dist, name) == filepath.Clean(k) }):
			continue
		}
		os.RemoveAll(filepath.Join(r.Dist, name))
		delete(r.state.Files, name)
	}
}

// summarize lists up to n items and says how many more there are.
func summarize(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
