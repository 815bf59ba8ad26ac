package staticbuild

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// runRelease builds every binary, checks them with Verify's and SizeGate's
// rules, and only when all pass writes into dist/ one archive per
// platform, one SBOM per binary, a checksum file and the manifest, running
// the magefile's own Config.Steps after the step each names.
//
// HEAD must carry a tag, which is the version, and the tree must be clean;
// with Config.Snapshot (MAGESTATIC_SNAPSHOT=1) any commit is released under
// a snapshot version. A failed step writes nothing: dist/ keeps the last
// release. When nothing that determines the output has changed since the
// last release, Release checks that and returns at once.
func runRelease(ctx context.Context, cfg Config) (*Run, error) {
	start := time.Now()
	ctx, cancel := withMargin(ctx)
	defer cancel()
	r, err := newRelease(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	defer r.close()
	err = buildRelease(ctx, r, start)
	r.finish("release", err)
	return r, err
}

// buildRelease runs a release's steps, or the shard's of it, unless the
// release in dist/ is current.
func buildRelease(ctx context.Context, r *Run, start time.Time) error {
	if err := r.loadSource(ctx); err != nil {
		return err
	}
	// The extra files' contents are part of the release's key: one that
	// git ignores, such as generated completions, changes no fingerprint.
	extra, sums, err := extraFiles(r.Config.Archive, r.Dir)
	if err != nil {
		return err
	}
	for i, f := range extra {
		r.scope.extra = append(r.scope.extra, f.Name+" "+sums[i])
	}
	p := whole
	if r.Config.Shard != "" {
		p = shard
		i, n, _ := parseShard(r.Config.Shard)
		r.scope.only = split(r.platforms, costs(r.Config, r.src.targets), n)[i-1]
		r.Logf("release: shard %d of %d: %s\n", i, n, cmp.Or(platformList(r.scope.only), "no platforms"))
		if len(r.scope.only) == 0 {
			r.scope.only = []platform.Platform{}
		}
	}
	if err := r.tx.lock(ctx, r.Logf, r.relDist()); err != nil {
		return err
	}
	r.scope.key = releaseKey(r)
	if err := checkPublished(r); err != nil {
		return err
	}
	if list, ok := releaseCurrent(r.tx, r.scope.key); ok {
		// A killed run may have left temporary files even though the
		// release is current: remove them, as a release that builds does.
		if err := r.tx.prepare(); err != nil {
			return err
		}
		r.Artifacts = list
		if r.tx.state.refreshed {
			r.tx.state.write(r.Dist)
		}
		r.Logf("release: %s %s: nothing changed since the last release; %d artifacts in %s are current (%.3fs)\n",
			r.src.project, r.Version, len(list), r.relDist(), time.Since(start).Seconds())
		return nil
	}
	if err := r.runSteps(ctx, schedule(releaseSteps, r.Config.Steps, p)); err != nil {
		if errors.Is(err, errIncomplete) {
			return err
		}
		return fmt.Errorf("%w\nrelease: nothing was published; %s is as the last release left it", err, r.relDist())
	}
	if p == shard {
		r.Logf("release: %s %s: shard %s: %d binaries, %d archives, shard manifest in %s (%.1fs)\n", r.src.project, r.Version, r.Config.Shard,
			len(r.Artifacts.Of(artifact.Binary)), len(r.Artifacts.Of(artifact.Archive)), r.show(manifestName), time.Since(start).Seconds())
		return nil
	}
	r.Logf("release: %s %s: %d binaries, %d archives, checksums in %s, manifest in %s (%.1fs)\n", r.src.project, r.Version,
		len(r.Artifacts.Of(artifact.Binary)), len(r.Artifacts.Of(artifact.Archive)), r.show(checksumName(r.Config.Archive)), r.show(manifestName), time.Since(start).Seconds())
	return nil
}

// snapshotSuffix ends the version of every snapshot, so that none is
// taken for a tag's.
const snapshotSuffix = "-snapshot"

// releaseStamp applies the version policy to the source's stamp: a snapshot's version ends
// in snapshotSuffix; a release needs a clean tree at a tagged commit.
// hasSDE says SOURCE_DATE_EPOCH is set; dir is the module's root.
func releaseStamp(st stamp.Stamp, snapshot, hasSDE bool, dir string) (stamp.Stamp, error) {
	switch {
	case !st.Git && !snapshot:
		return st, fmt.Errorf("release: %s is not in a git repository, so there is no version to release and no commit time to date the archives with: run git init, commit and tag a version, or set %s=1 and %s (seconds since 1970, the build time) for a snapshot", dir, envSnapshot, envSourceDateEpoch)
	case !st.Git && !hasSDE:
		return st, fmt.Errorf("release: %s is not in a git repository, so there is no commit time to date the archives with: set %s (seconds since 1970) to the build time, or run git init and commit", dir, envSourceDateEpoch)
	}
	if snapshot {
		st.Version += snapshotSuffix
		if !st.Git || st.NoCommits {
			st.Version = "0.0.0" + snapshotSuffix
		}
		return st, nil
	}
	switch {
	case st.NoCommits:
		return st, fmt.Errorf("release: the git repository at %s has no commits yet: commit and tag the commit (git tag v1.0.0), or set %s=1 for a snapshot", st.Top, envSnapshot)
	case st.Dirty:
		return st, fmt.Errorf("release: the tree has uncommitted changes (%s): commit or stash them, or set %s=1 for a snapshot", summarize(st.Changes, 5), envSnapshot)
	case st.Tag == "" && st.Shallow:
		return st, fmt.Errorf("release: HEAD (%s) has no tag in this shallow clone, which may have been made without the tags: fetch them (git fetch --tags; in GitHub Actions, actions/checkout with fetch-depth: 0), tag HEAD, or set %s=1 for a snapshot", st.Version, envSnapshot)
	case st.Tag == "":
		return st, fmt.Errorf("release: HEAD (%s) has no tag: tag it (git tag %sv1.2.3) to release that version, or set %s=1 for a snapshot", st.Version, tagPrefix(st), envSnapshot)
	}
	return st, nil
}

// tagPrefix is the prefix of a nested module's tags, with its slash.
func tagPrefix(st stamp.Stamp) string {
	if st.Prefix == "" {
		return ""
	}
	return st.Prefix + "/"
}

// releaseKey is the key a release's manifest is recorded with. It hashes
// everything that determines a release's files: the configuration's key
// (configKey), and what a release adds to it: the archives' encoding, the
// source, which shard, the version and build time, the contents of the
// archives' extra files (which git may ignore), and what the steps'
// Checks added.
func releaseKey(r *Run) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	parts := []string{"release 3", archive.Encoding, r.src.keys.fp, configKey(r.Config, r.src.project), "shard " + r.Config.Shard, r.Version, r.Time.UTC().String()}
	parts = append(parts, r.scope.extra...)
	return hashStrings(append(parts, r.scope.checkKeys...)...)
}

// releaseCurrent reports whether the output directory of tx holds the
// complete release made from key, every file untouched since, and returns
// its manifest's list.
func releaseCurrent(tx *transaction, key string) (artifact.List, bool) {
	if tx.state.Release != key || !tx.state.current(tx.dist, manifestName, key) {
		return nil, false
	}
	list, err := artifact.Read(filepath.Join(tx.dist, manifestName))
	if err != nil {
		return nil, false
	}
	for _, a := range list {
		f, ok := tx.state.Files[a.Path]
		if !ok || !tx.state.current(tx.dist, a.Path, f.Key) {
			return nil, false
		}
	}
	return list, true
}
