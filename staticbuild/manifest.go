package staticbuild

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
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
	r.tx.state.remember(old)
	if r.release {
		if err := checkRepublish(r); err != nil {
			return "", err
		}
	}
	if err := r.tx.commit(); err != nil {
		return "", fmt.Errorf("%w; %w", err, errIncomplete)
	}
	// Files the run's steps added without a key of their own (those of
	// the magefile's steps, those inside a staged directory) are
	// recorded by their contents, so that the next run knows them.
	for _, a := range r.Artifacts {
		if _, ok := r.tx.state.Files[a.Path]; !ok {
			r.tx.state.record(r.Dist, a.Path, a.SHA256)
		}
		r.tx.state.setSum(a.Path, a.SHA256)
	}
	if r.release {
		r.tx.state.Release = r.scope.key
		removeStale(r, old)
		r.tx.state.Published = nil
		for _, a := range r.Artifacts {
			if a.Kind == artifact.ImageIndex {
				r.tx.state.Published = append(r.tx.state.Published, path.Dir(a.Path))
			}
			if a.Kind != artifact.Binary {
				r.tx.state.Published = append(r.tx.state.Published, a.Path)
			}
		}
		if !r.Config.Snapshot {
			r.tx.state.addRelease(r.Version, r.Artifacts, true)
		}
	}
	if r.Config.Shard != "" {
		if err := writeShard(r); err != nil {
			return "", err
		}
	}
	if err := artifact.Write(filepath.Join(r.Dist, manifestName), r.Artifacts); err != nil {
		return "", err
	}
	r.tx.state.record(r.Dist, manifestName, r.scope.key)
	if sum, err := archive.SHA256File(filepath.Join(r.Dist, manifestName)); err == nil {
		r.tx.state.setSum(manifestName, sum)
	}
	r.tx.state.write(r.Dist)
	return fmt.Sprintf("%d artifacts", len(r.Artifacts)), nil
}}

// checkPublished checks this release against the record of its version
// before anything builds, once the source says which version and commit
// it is: a version published from another commit (its tag moved) is
// refused, as a binary records its commit and the version's files would
// change. It also says when MAGESTATIC_PLATFORMS sets the platforms the
// version is published for, which a later release of the version for
// others must keep.
func checkPublished(r *Run) error {
	var left []string
	for _, p := range r.configured {
		if pl, err := platform.Parse(p); err == nil && !containsPlatform(r.platforms, pl) {
			left = append(left, p)
		}
	}
	if len(left) > 0 && r.Config.Shard == "" {
		r.Logf("release: %s=%s leaves out %s of the configured matrix: %s is published for %s only\n",
			envPlatforms, strings.Join(r.env.platforms, ","), strings.Join(left, ", "), r.Version, platformList(r.platforms))
	}
	if r.Config.Snapshot || r.Config.Replace {
		return nil
	}
	// After the state file was lost, the manifest in dist/ is what
	// remembers the last release, and its commit.
	old, _ := artifact.Read(filepath.Join(r.Dist, manifestName))
	r.tx.state.remember(old)
	rec := r.tx.state.Versions[r.Version]
	if rec == nil || rec.Commit == "" || r.Commit == "" || rec.Commit == r.Commit {
		return nil
	}
	tag := cmp.Or(r.Tag, r.Version)
	return fmt.Errorf("release: %s was published before with other bytes: the tag %s moved from commit %.12s, which %s were published from, to commit %.12s, and a binary records the commit it is built from. Tag a new version for commit %.12s, move the tag back (git tag -f %s %.12s), or set Config.Replace to publish %s again from commit %.12s; nothing was built",
		r.Version, tag, rec.Commit, summarize(r.tx.state.publishedFiles(r.Version), 3), r.Commit, r.Commit, tag, rec.Commit, r.Version, r.Commit)
}

// checkRepublish fails when this release's version was published from
// this directory before with other bytes: any file of the version,
// checksum files included. The refusal says what explains the change: the
// commit, the platforms, files added or dropped, a signing key; only when
// none does, something else that reaches the build.
func checkRepublish(r *Run) error {
	before, ok := r.tx.state.Released[r.Version]
	if !ok || r.Config.Snapshot || r.Config.Replace {
		return nil
	}
	rec := r.tx.state.Versions[r.Version]
	var changed []string
	for _, a := range r.Artifacts {
		switch {
		case a.Kind == artifact.Checksums:
			if !publishedChecksums(a, r.Path(a), before, rec) {
				changed = append(changed, a.Path)
			}
		case a.Kind != artifact.Binary:
			if sum, ok := before[a.Path]; ok && sum != a.SHA256 {
				changed = append(changed, a.Path)
			}
		}
	}
	if len(changed) == 0 {
		return nil
	}
	slices.Sort(changed)
	return fmt.Errorf("release: %s was published before with other bytes, and the same version must not change silently: %s changed. %s: undo it, tag a new version, or set Config.Replace to publish %s again",
		r.Version, summarize(changed, 5), whyChanged(r, changed, before, rec), r.Version)
}

// publishedChecksums reports whether the checksum file a, at name, may be published
// for its version: it has the bytes of one the version was published with,
// or it lists none of the version's files (the version published under
// other archive names), or the record has none to compare with.
func publishedChecksums(a artifact.Artifact, name string, before map[string]string, rec *versionRecord) bool {
	if rec == nil || len(rec.Checksums[a.Path]) == 0 || slices.Contains(rec.Checksums[a.Path], a.SHA256) {
		return true
	}
	sums, err := archive.ReadChecksums(name)
	if err != nil {
		return false
	}
	for _, s := range sums {
		if _, ok := before[s.Name]; ok {
			return false
		}
	}
	return true
}

// whyChanged says what explains that changed, files of a version
// published before, have other bytes in this release, in the order a user
// should look: the commit, the platforms, files added or dropped, a
// signing key, and for what none of those explains, something else that
// reaches the build.
func whyChanged(r *Run, changed []string, before map[string]string, rec *versionRecord) string {
	if rec == nil {
		rec = &versionRecord{}
	}
	if rec.Commit != "" && r.Commit != "" && rec.Commit != r.Commit {
		return fmt.Sprintf("The tag %s moved from commit %.12s to commit %.12s", cmp.Or(r.Tag, r.Version), rec.Commit, r.Commit)
	}
	now := nonBinaries(r)
	d := diffFiles(now, before, rec)
	why := d.reasons(r, rec)
	keys, unexplained := d.explain(changed, now, before, rec, len(why) > 0)
	if len(keys) > 0 {
		why = append(why, "the signing key changed ("+strings.Join(keys, "; ")+")")
	}
	const something = "something that reaches the build changed (a replaced module's directory, the toolchain, the environment)"
	switch {
	case len(why) == 0:
		why = append(why, something)
	case len(unexplained) > 0:
		why = append(why, fmt.Sprintf("and for %s, %s", summarize(unexplained, 3), something))
	}
	return capitalize(strings.Join(why, "; "))
}

// nonBinaries returns the files of this release but its binaries, by
// path.
func nonBinaries(r *Run) map[string]artifact.Artifact {
	now := map[string]artifact.Artifact{}
	for _, a := range r.Artifacts {
		if a.Kind != artifact.Binary {
			now[a.Path] = a
		}
	}
	return now
}

// fileDiff is how the files of a release differ from those its version
// was published with: the platforms, and the files of other platforms,
// kinds or binaries.
type fileDiff struct {
	added, dropped           []string       // the platforms added and dropped
	filesAdded, filesDropped []releasedFile // the files added and dropped, but those of the platforms
	addedPaths, droppedPaths []string       // the paths of filesAdded and filesDropped
}

// diffFiles returns how now, the files of this release by path (see
// nonBinaries), differ from those rec records, which before gives the
// sums of. When rec says nothing of its files, there is no difference.
func diffFiles(now map[string]artifact.Artifact, before map[string]string, rec *versionRecord) fileDiff {
	var d fileDiff
	if len(rec.Files) == 0 {
		return d
	}
	was, is := map[string]bool{}, map[string]bool{}
	wasFile, isFile := map[releasedFile]bool{}, map[releasedFile]bool{}
	for _, f := range rec.Files {
		was[f.Platform] = f.Platform != ""
		wasFile[f] = true
	}
	for _, a := range now {
		f := releasedFile{Kind: a.Kind, Binary: a.Binary, Platform: a.Platform}
		is[a.Platform] = a.Platform != ""
		isFile[f] = true
	}
	d.added, d.dropped = newKeys(is, was), newKeys(was, is)
	for _, p := range slices.Sorted(maps.Keys(now)) {
		f := releasedFile{Kind: now[p].Kind, Binary: now[p].Binary, Platform: now[p].Platform}
		if _, ok := before[p]; !ok && f.Kind != artifact.Checksums && !wasFile[f] && !slices.Contains(d.added, f.Platform) {
			d.filesAdded, d.addedPaths = append(d.filesAdded, f), append(d.addedPaths, p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(rec.Files)) {
		f := rec.Files[p]
		if _, ok := now[p]; !ok && !isFile[f] && !slices.Contains(d.dropped, f.Platform) {
			d.filesDropped, d.droppedPaths = append(d.filesDropped, f), append(d.droppedPaths, p)
		}
	}
	return d
}

// platformsChanged reports whether the release adds or drops platforms.
func (d fileDiff) platformsChanged() bool { return len(d.added) > 0 || len(d.dropped) > 0 }

// reasons says what d explains, in order: the platforms, the files
// added, the files dropped.
func (d fileDiff) reasons(r *Run, rec *versionRecord) []string {
	var why []string
	if d.platformsChanged() {
		why = append(why, d.platformReason(r, rec))
	}
	if len(d.filesAdded) > 0 {
		why = append(why, fmt.Sprintf("this release adds files %s was not published with (%s)", r.Version, byKind(d.filesAdded, d.addedPaths)))
	}
	if len(d.filesDropped) > 0 {
		why = append(why, fmt.Sprintf("this release drops files %s was published with (%s)", r.Version, byKind(d.filesDropped, d.droppedPaths)))
	}
	return why
}

// platformReason says which platforms the version was published for,
// which this release adds and drops, and, when it sets them, the variable
// that sets this release's platforms.
func (d fileDiff) platformReason(r *Run, rec *versionRecord) string {
	var was []string
	for _, f := range rec.Files {
		if f.Platform != "" && !slices.Contains(was, f.Platform) {
			was = append(was, f.Platform)
		}
	}
	slices.Sort(was)
	var change []string
	if len(d.added) > 0 {
		change = append(change, "adds "+strings.Join(d.added, ", "))
	}
	if len(d.dropped) > 0 {
		change = append(change, "drops "+strings.Join(d.dropped, ", "))
	}
	s := fmt.Sprintf("the platforms changed: %s was published for %s, and this release %s", r.Version, strings.Join(was, ", "), strings.Join(change, " and "))
	if r.env.platforms != nil {
		s += fmt.Sprintf(" (%s=%s sets its platforms)", envPlatforms, strings.Join(r.env.platforms, ","))
	}
	return s
}

// explain sorts changed, the paths of the files that changed, into what a
// new signing key explains, as keys, one sentence per signature, and
// what nothing explains, as unexplained. The rest is explained: a
// signature by what it signs, a checksum file by any other change
// (explained reports whether d explains any), an image index by the
// platforms, an archive by the binaries of its platform added or dropped.
func (d fileDiff) explain(changed []string, now map[string]artifact.Artifact, before map[string]string, rec *versionRecord, explained bool) (keys, unexplained []string) {
	binaries := map[string]bool{}
	for _, f := range slices.Concat(d.filesAdded, d.filesDropped) {
		binaries[f.Platform] = binaries[f.Platform] || f.Binary != ""
	}
	for _, p := range changed {
		a := now[p]
		signed, ok := signedFile(p, now)
		switch {
		case ok && !slices.Contains(changed, signed) && publishedFile(now[signed], before, rec):
			keys = append(keys, fmt.Sprintf("%s changed while %s, which it signs, did not", p, signed))
		case ok && slices.Contains(changed, signed):
		case a.Kind == artifact.Checksums && explained:
		case a.Kind == artifact.ImageIndex && d.platformsChanged():
		case a.Kind == artifact.Archive && binaries[a.Platform]:
		default:
			unexplained = append(unexplained, p)
		}
	}
	return keys, unexplained
}

// publishedFile reports whether a, a file of this release, has the bytes
// its version was published with.
func publishedFile(a artifact.Artifact, before map[string]string, rec *versionRecord) bool {
	if a.Kind == artifact.Checksums {
		return slices.Contains(rec.Checksums[a.Path], a.SHA256)
	}
	sum, ok := before[a.Path]
	return ok && sum == a.SHA256
}

// signedFile returns the file of files that the file at p signs, as a
// signature is named: the signed file's path and a suffix of its own
// (SHA256SUMS.sig, SHA256SUMS.sigstore.json), and not one of the engine's
// own kinds.
func signedFile(p string, files map[string]artifact.Artifact) (string, bool) {
	switch files[p].Kind {
	case artifact.Archive, artifact.SBOM, artifact.Checksums, artifact.ImageIndex, artifact.Image:
		return "", false
	}
	for q := range files {
		if rest, ok := strings.CutPrefix(p, q+"."); ok && q != "" && !strings.Contains(rest, "/") {
			return q, true
		}
	}
	return "", false
}

// byKind lists files grouped by kind: "archive a.tar.gz, b.zip; sbom a.sbom.json".
func byKind(files []releasedFile, paths []string) string {
	kinds := map[string][]string{}
	for i, f := range files {
		kinds[string(f.Kind)] = append(kinds[string(f.Kind)], paths[i])
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		parts = append(parts, fmt.Sprintf("%s %s", k, summarize(kinds[k], 3)))
	}
	return strings.Join(parts, "; ")
}

// newKeys returns the keys set in a and not in b, sorted.
func newKeys(a, b map[string]bool) []string {
	var out []string
	for k, ok := range a {
		if ok && !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// capitalize returns s with its first letter upper case.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// removeStale removes the files an earlier release published, as the old
// manifest or the state lists them, that this one does not, so dist/ holds
// one release.
func removeStale(r *Run, old artifact.List) {
	stale := slices.Clone(r.tx.state.Published)
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
			delete(r.tx.state.Files, rel)
		}
	}
	removeUnlisted(r)
}

// removeUnlisted removes what the top level of the output directory holds
// besides this release's files and the engine's own: the files of an
// earlier release that neither the old manifest nor the state lists any
// more (a cross or build wrote the manifest since, and the state file was
// lost), and the directories of binaries this release does not build.
func removeUnlisted(r *Run) {
	entries, err := os.ReadDir(r.Dist)
	if err != nil {
		return
	}
	keep := []string{baselinePath(r.Config, r.Dir), r.Config.MergeFrom, filepath.Join(r.Dir, cmp.Or(r.Config.MergeFrom, "shards"))}
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
		delete(r.tx.state.Files, name)
	}
}

// summarize lists up to n items and says how many more there are.
func summarize(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
