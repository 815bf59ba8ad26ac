package staticbuild

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// resolve resolves the configuration and the environment into a run. It reads
// Config.Environ (or the process's environment) once, checks every field
// that can be checked without the source, and reports every mistake at
// once, naming the field and the fix. It runs no command; Build reads the
// source. Close releases what the run holds.
func resolve(cfg Config) (*Run, error) {
	r, errs := newRun(cfg)
	if len(errs) > 0 {
		return nil, errlist.Messages(errs)
	}
	return r, nil
}

// newRun is New, returning the run with the mistakes it found; the run
// is nil only when Config.Dir cannot be resolved. resolveConfig fills in
// the defaults; the validators only read what it resolved.
func newRun(cfg Config) (*Run, []string) {
	vars := cfg.Environ
	if vars == nil {
		vars = os.Environ()
	}
	env, errs := readEnviron(vars, cfg)
	dir, err := filepath.Abs(cmp.Or(cfg.Dir, "."))
	if err != nil {
		return nil, []string{fmt.Sprintf("Config.Dir %q: %v", cfg.Dir, err)}
	}
	r := &Run{Dir: dir, env: env, log: cmp.Or[io.Writer](cfg.Log, os.Stdout),
		report: &runReport{took: map[string]float64{}, verdicts: map[string]string{}}}
	var perr error
	r.Config, r.Dist, r.configured, r.platforms, perr = resolveConfig(cfg, env, dir)
	errs = append(errs, checkDist(cfg.Dist, dir, r.Dist)...)
	if perr != nil {
		errs = append(errs, perr.Error())
	}
	errs = append(errs, checkConfig(r.Config, r.platforms, env.platforms != nil)...)
	r.tx = newTransaction(r.Dist)
	return r, errs
}

// resolveConfig fills in the defaults of cfg that need no source and
// applies the environment's overrides (MAGESTATIC_SNAPSHOT, _SHARD,
// _MERGE, _JOBS, _PLATFORMS). It returns the resolved configuration, the
// output directory (absolute, for the module at dir), the matrix as the
// configuration gives it and the matrix the run builds, parsed; the error
// says why the matrix cannot be parsed. It checks nothing else.
func resolveConfig(cfg Config, env environ, dir string) (c Config, dist string, configured []string, pls []platform.Platform, err error) {
	c = cfg
	c.Go = cmp.Or(cfg.Go, "go")
	c.Cgo = cmp.Or(cfg.Cgo, CgoOff)
	c.Output = cmp.Or(cfg.Output, defaultOutput)
	c.Archive.Name = cmp.Or(cfg.Archive.Name, defaultArchiveName)
	c.Snapshot = cfg.Snapshot || env.snapshot
	c.Shard = cmp.Or(env.shard, cfg.Shard)
	c.MergeFrom = cmp.Or(env.merge, cfg.MergeFrom)
	if env.jobs > 0 {
		c.Jobs = env.jobs
	}
	if c.Jobs == 0 {
		c.Jobs = defaultJobs()
	}
	dist = cmp.Or(cfg.Dist, "dist")
	if !filepath.IsAbs(dist) {
		dist = filepath.Join(dir, dist)
	}
	dist = filepath.Clean(dist)
	configured = cfg.Platforms
	if len(configured) == 0 {
		configured = DefaultPlatforms()
	}
	list, field := configured, matrixField(env)
	if env.platforms != nil {
		list = env.platforms
	}
	ps, perr := platform.ParseList(list)
	switch {
	case perr != nil:
		return c, dist, configured, nil, fmt.Errorf("%s: %v", field, perr)
	case len(ps) == 0:
		return c, dist, configured, nil, fmt.Errorf("%s: no platforms", field)
	}
	c.Platforms = nil
	for _, p := range ps {
		c.Platforms = append(c.Platforms, p.String())
	}
	return c, dist, configured, ps, nil
}

// newRelease is newRun for a release or a merge. When the configuration
// has mistakes, it reads the source too, unless the output directory is
// itself wrong, so that the mistakes the source reveals (a tree with
// uncommitted changes, a step's settings) are reported with them. A merge
// leaves its shards out of the source (see Run.merge).
func newRelease(ctx context.Context, cfg Config, merge bool) (*Run, error) {
	r, errs := newRun(cfg)
	if len(errs) == 0 {
		r.release = true
		return r, nil
	}
	if r != nil && len(checkDist(cfg.Dist, r.Dir, r.Dist)) == 0 {
		r.release = true
		var exclude []string
		if merge {
			exclude = append(exclude, mergeDir(r.Config, r.Dir))
		}
		if err := r.loadSource(ctx, exclude...); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !slices.Contains(errs, line) {
					errs = append(errs, line)
				}
			}
		}
		r.close()
	}
	return nil, errlist.Messages(errs)
}
