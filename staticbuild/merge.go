package staticbuild

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// runMerge puts together a release that n CI jobs built with Config.Shard
// set to 1/n … n/n: it reads their shard directories from
// Config.MergeFrom (as actions/download-artifact lays them out, one
// directory per shard or all in one), checks that they come from this
// commit, version and configuration and cover the matrix exactly once,
// checks every file's SHA-256 against its shard's manifest, verifies every
// binary again, and writes the release into dist/ with its checksum file
// and manifest: the same bytes one machine's release would have written.
// When any check fails it writes nothing.
func runMerge(ctx context.Context, cfg Config) (*Run, error) {
	start := time.Now()
	r, err := newRelease(ctx, cfg, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	err = mergeRelease(ctx, r)
	r.finish("merge", err)
	if errors.Is(err, errIncomplete) {
		return r, err
	}
	if err != nil {
		return r, fmt.Errorf("%w\nmerge: nothing was written; %s is as it was", err, r.relDist())
	}
	r.Logf("merge: %s %s: %d artifacts from %d shards in %s (%.2fs)\n", r.src.project, r.Version, len(r.Artifacts),
		len(r.scope.shards), r.show(manifestName), time.Since(start).Seconds())
	return r, nil
}

var shardFile = regexp.MustCompile(`^shard-([0-9]+)-of-([0-9]+)\.json$`)

// mergeDir is the directory Merge reads the shards from: c.MergeFrom,
// relative to the module's root, dir.
func mergeDir(c Config, dir string) string {
	from := cmp.Or(c.MergeFrom, "shards")
	if !filepath.IsAbs(from) {
		from = filepath.Join(dir, from)
	}
	return from
}

// mergeRelease reads and checks the shards and runs Merge's steps.
func mergeRelease(ctx context.Context, r *Run) error {
	from := mergeDir(r.Config, r.Dir)
	// The shards are downloaded into the checkout, as a CI job does, and
	// without their dist/.gitignore: git sees them, but they are not a
	// change to the source.
	if err := r.loadSource(ctx, from); err != nil {
		return err
	}
	shards, err := readShards(from)
	if err != nil {
		return err
	}
	if err := checkShards(r, from, shards); err != nil {
		return err
	}
	if err := checkPublished(r); err != nil {
		return err
	}
	if err := r.tx.lock(ctx, r.Logf, r.relDist()); err != nil {
		return err
	}
	if err := r.tx.prepare(); err != nil {
		return err
	}
	r.scope.shards = shards
	r.scope.key = releaseKey(r)
	return r.runSteps(ctx, schedule(mergeSteps, r.Config.Steps, merged))
}

// mergeStep stages every file of the shards Merge read, as their
// manifests list them, in place of a build.
var mergeStep = Step{Name: "merge", run: func(ctx context.Context, r *Run) (string, error) {
	for _, s := range r.scope.shards {
		for _, a := range s.m.Artifacts {
			mode := os.FileMode(0o644)
			if a.Kind == artifact.Binary {
				mode = 0o755
			}
			tmp, err := r.tx.stage(a.Path)
			if err != nil {
				return "", err
			}
			if err := atomicfile.Copy(filepath.Join(s.dir, filepath.FromSlash(a.Path)), tmp, mode); err != nil {
				return "", fmt.Errorf("shard %s: %w", s.name(), err)
			}
			r.tx.setKey(a.Path, a.SHA256)
			r.setArtifact(a)
		}
	}
	return fmt.Sprintf("%d shards", len(r.scope.shards)), nil
}}

// shardDir is one shard as Merge found it.
type shardDir struct {
	dir  string // where its files are
	file string // its manifest
	m    shardManifest
}

func (s shardDir) name() string { return fmt.Sprintf("%d/%d (%s)", s.m.Shard, s.m.Of, s.file) }

// readShards finds and reads the shard manifests in from and the
// directories below it.
func readShards(from string) ([]shardDir, error) {
	var shards []shardDir
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !shardFile.MatchString(d.Name()) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := shardDir{dir: filepath.Dir(p), file: p}
		if err := json.Unmarshal(data, &s.m); err != nil || s.m.Format != shardFormat {
			return fmt.Errorf("shard manifest %s is not one magestatic wrote (format %q, %v): download the shard again", p, s.m.Format, err)
		}
		shards = append(shards, s)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("merge: %s does not exist: download the shards there (actions/download-artifact with path: %s), or set %s", from, filepath.Base(from), envMerge)
	}
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("merge: no shard manifest (shard-I-of-N.json) in %s: run the release with %s=I/N in each job and upload its dist/", from, envShard)
	}
	slices.SortFunc(shards, func(a, b shardDir) int { return cmp.Compare(a.m.Shard, b.m.Shard) })
	return shards, nil
}

// checkShards checks that the shards belong to this release, cover its
// matrix exactly once, and hold the files their manifests list.
func checkShards(r *Run, from string, shards []shardDir) error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	config := configKey(r.Config, r.src.project)
	owner := map[string]string{}
	for _, s := range shards {
		m := s.m
		switch {
		case m.Commit != r.Commit:
			add("shard %s was built from commit %s, not %s (HEAD here): build every shard from the same commit", s.name(), m.Commit, r.Commit)
			continue
		case m.Version != r.Version:
			add("shard %s is version %s, not %s", s.name(), m.Version, r.Version)
			continue
		case m.Config != config || m.Time != r.Time.UTC().Format(time.RFC3339) || !slices.Equal(m.Matrix, r.Config.Platforms):
			add("shard %s was built with another configuration (matrix %s, build time %s): build every shard and the merge with the same magefile and environment", s.name(), strings.Join(m.Matrix, ","), m.Time)
			continue
		case m.Of != shards[0].m.Of:
			add("shard %s is one of %d, but shard %s one of %d", s.name(), m.Of, shards[0].name(), shards[0].m.Of)
		}
		for _, p := range m.Platforms {
			if !slices.Contains(r.Config.Platforms, p) {
				add("shard %s built %s, which is not in the matrix (%s)", s.name(), p, strings.Join(r.Config.Platforms, ", "))
			} else if other, ok := owner[p]; ok {
				add("shards %s and %s both built %s: give each job its own shard number", other, s.name(), p)
			}
			owner[p] = s.name()
		}
		for _, a := range m.Artifacts {
			rel, err := cleanRel(a.Path)
			if err != nil || rel != a.Path {
				add("shard %s lists a file outside its directory: %q", s.name(), a.Path)
				continue
			}
			name := filepath.Join(s.dir, filepath.FromSlash(rel))
			if real, err := filepath.EvalSymlinks(name); err == nil && !inside(s.dir, real) {
				add("shard %s lists a file outside its directory: %q is a link to %s", s.name(), a.Path, real)
				continue
			}
			sum, err := archive.SHA256File(name)
			switch {
			case err != nil:
				add("shard %s: %s is missing: %v", s.name(), a.Path, err)
			case sum != a.SHA256:
				add("shard %s: %s has SHA-256 %s, but the shard's manifest says %s: the file changed after the shard was written", s.name(), a.Path, sum, a.SHA256)
			}
		}
	}
	var missing []string
	for _, p := range r.Config.Platforms {
		if _, ok := owner[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		add("no shard in %s built %s: download every shard (%d of %d were found)", from, strings.Join(missing, ", "), len(shards), shards[0].m.Of)
	}
	return errlist.List(errs, "merge", "problems")
}

// writeShard writes the shard manifest of a shard run.
func writeShard(r *Run) error {
	i, n, _ := parseShard(r.Config.Shard)
	m := shardManifest{Format: shardFormat, Shard: i, Of: n, Commit: r.Commit, Version: r.Version,
		Time: r.Time.UTC().Format(time.RFC3339), Config: configKey(r.Config, r.src.project), Matrix: r.Config.Platforms, Artifacts: r.Artifacts}
	for _, p := range r.scope.only {
		m.Platforms = append(m.Platforms, p.String())
	}
	if m.Artifacts == nil {
		m.Artifacts = artifact.List{}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(r.Dist, shardName(i, n)), append(data, '\n'))
}
