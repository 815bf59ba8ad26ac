package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// Release builds every platform, checks the binaries with Verify's and
// SizeGate's rules, and only when all pass writes into dist/ one archive
// and one SBOM per binary, a checksum file and the manifest artifacts.json.
//
// HEAD must carry a tag, which is the version, and the tree must be clean;
// with Config.Snapshot (MAGESTATIC_SNAPSHOT=1) any commit is released under
// a snapshot version. A failed gate writes nothing. When nothing that
// determines the output has changed since the last release, Release checks
// that and returns at once.
func Release(ctx context.Context, cfg Config) (artifact.List, error) {
	start := time.Now()
	ctx, cancel := withMargin(ctx)
	defer cancel()
	p, err := newPlan(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st, err := p.releaseStamp()
	if err != nil {
		return nil, err
	}
	if _, err := p.extraFiles(); err != nil {
		return nil, err
	}
	unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	key := p.releaseKey(st)
	if list, ok := p.releaseCurrent(key); ok {
		p.logf("release: %s %s: nothing changed since the last release; %d artifacts in %s are current (%.3fs)\n",
			p.cfg.Name, st.Version, len(list), p.relDist(), time.Since(start).Seconds())
		return list, nil
	}
	if err := p.checkPorts(ctx, p.platforms); err != nil {
		return nil, err
	}
	if err := p.prepareDist(); err != nil {
		return nil, err
	}
	bins, err := p.cross(ctx, "release", p.platforms, st)
	if err != nil {
		return nil, fmt.Errorf("%w\nrelease: nothing was published", err)
	}
	if err := p.verifyAll(bins, !p.cfg.Snapshot); err != nil {
		return nil, fmt.Errorf("%w\nrelease: nothing was published", err)
	}
	if err := p.checkSizes(bins); err != nil {
		return nil, fmt.Errorf("%w\nrelease: nothing was published", err)
	}
	list, err := p.publish(ctx, bins, st)
	if err != nil {
		return nil, err
	}
	p.state.Release = key
	p.state.Published = nil
	for _, a := range list {
		if a.Kind != artifact.Binary {
			p.state.Published = append(p.state.Published, a.Path)
		}
	}
	p.state.record(p.dist, manifestName, key)
	p.state.write(p.dist)
	p.logf("release: %s %s: %d archives, checksums in %s, manifest in %s (%.1fs)\n", p.cfg.Name, st.Version,
		len(list.Of(artifact.Archive)), path.Join(p.relDist(), p.checksumName()), path.Join(p.relDist(), manifestName), time.Since(start).Seconds())
	return list, nil
}

// manifestName is the manifest's name in the output directory.
const manifestName = "artifacts.json"

// releaseStamp applies the version policy to the source's stamp.
func (p *plan) releaseStamp() (stamp.Stamp, error) {
	st := p.stamp
	if p.cfg.Snapshot {
		st.Version += "-snapshot"
		if !st.Git {
			st.Version = "0.0.0-snapshot"
		}
		return st, nil
	}
	switch {
	case !st.Git:
		return st, fmt.Errorf("release: %s is not in a git repository, so there is no version to release: run git init and tag a commit, or set %s=1 for a snapshot", p.dir, EnvSnapshot)
	case st.Dirty:
		return st, fmt.Errorf("release: the tree has uncommitted changes (%s): commit or stash them, or set %s=1 for a snapshot", summarize(st.Changes, 5), EnvSnapshot)
	case st.Tag == "" && isShallow(p.dir):
		return st, fmt.Errorf("release: HEAD (%s) has no tag in this shallow clone, which may have been made without the tags: fetch them (git fetch --tags; in GitHub Actions, actions/checkout with fetch-depth: 0), tag HEAD, or set %s=1 for a snapshot", st.Version, EnvSnapshot)
	case st.Tag == "":
		return st, fmt.Errorf("release: HEAD (%s) has no tag: tag it (git tag v1.2.3) to release that version, or set %s=1 for a snapshot", st.Version, EnvSnapshot)
	}
	return st, nil
}

// isShallow reports whether the git repository at dir is a shallow clone.
func isShallow(dir string) bool {
	cmd := exec.Command("git", "rev-parse", "--is-shallow-repository")
	cmd.Dir = dir
	out, err := cmd.Output()
	return err == nil && strings.TrimSpace(string(out)) == "true"
}

// releaseKey hashes everything that determines a release's files.
func (p *plan) releaseKey(st stamp.Stamp) string {
	cfg := p.cfg
	cfg.Log, cfg.Verbose = nil, false
	data, _ := json.Marshal(cfg)
	var platforms []string
	for _, pl := range p.platforms {
		platforms = append(platforms, pl.String())
	}
	return hashStrings("release 1", p.fp, string(data), st.Version, st.TimeString(), strings.Join(platforms, ","))
}

// releaseCurrent reports whether the output directory holds the complete
// release made from key, every file untouched since.
func (p *plan) releaseCurrent(key string) (artifact.List, bool) {
	if p.state.Release != key || !p.state.current(p.dist, manifestName, key) {
		return nil, false
	}
	list, err := artifact.Read(filepath.Join(p.dist, manifestName))
	if err != nil {
		return nil, false
	}
	for _, a := range list {
		f, ok := p.state.Files[a.Path]
		if !ok || !p.state.current(p.dist, a.Path, f.Key) {
			return nil, false
		}
	}
	return list, true
}

// checksumName is the checksum file's name.
func (p *plan) checksumName() string {
	if p.cfg.Archive.Checksums != "" {
		return p.cfg.Archive.Checksums
	}
	return "SHA256SUMS"
}

// summarize lists up to n items and says how many more there are.
func summarize(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// removeStale removes the files an earlier release published, as the old
// manifest or the state lists them, that the new one does not, so dist/
// holds one release.
func (p *plan) removeStale(old, current artifact.List) {
	stale := slices.Clone(p.state.Published)
	for _, a := range old {
		if a.Kind != artifact.Binary {
			stale = append(stale, a.Path)
		}
	}
	for _, rel := range stale {
		if slices.ContainsFunc(current, func(b artifact.Artifact) bool { return b.Path == rel }) {
			continue
		}
		if name := filepath.Join(p.dist, filepath.FromSlash(rel)); strings.HasPrefix(name, p.dist+string(filepath.Separator)) {
			os.Remove(name)
			delete(p.state.Files, rel)
		}
	}
}
