package engine

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"
	"golang.org/x/sync/errgroup"

	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/gobuild"
	"github.com/magestatic/magestatic/staticbuild/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// Cross builds every platform of the matrix, Config.Jobs at a time, and
// writes the list of binaries to dist/artifacts.json. A platform that fails
// does not stop the others: the error names every failed platform with the
// tail of its compiler output, and the binaries that did build are listed.
// Cancelling ctx kills every go build and leaves no partial file.
func Cross(ctx context.Context, cfg Config) (artifact.List, error) {
	ctx, cancel := withMargin(ctx)
	defer cancel()
	p, err := newPlan(ctx, cfg)
	if err != nil {
		return nil, err
	}
	unlock, err := p.start(ctx, p.platforms)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return p.cross(ctx, "cross", p.platforms, p.stamp)
}

// Build builds the host platform only, for the edit-build-run loop. When the
// matrix has an entry for the host's GOOS/GOARCH, its variant and settings
// are used.
func Build(ctx context.Context, cfg Config) (artifact.List, error) {
	ctx, cancel := withMargin(ctx)
	defer cancel()
	p, err := newPlan(ctx, cfg)
	if err != nil {
		return nil, err
	}
	host := platform.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	for _, pl := range p.platforms {
		if pl.Pair() == host.Pair() {
			host = pl
			break
		}
	}
	unlock, err := p.start(ctx, []platform.Platform{host})
	if err != nil {
		return nil, err
	}
	defer unlock()
	return p.cross(ctx, "build", []platform.Platform{host}, p.stamp)
}

// start checks the platforms against the toolchain, then takes the output
// directory's lock and prepares the directory. The returned function
// releases the lock.
func (p *plan) start(ctx context.Context, platforms []platform.Platform) (func(), error) {
	if err := p.checkPorts(ctx, platforms); err != nil {
		return nil, err
	}
	unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.prepareDist(); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// checkPorts checks the platforms against the toolchain's list.
func (p *plan) checkPorts(ctx context.Context, platforms []platform.Platform) error {
	ports, err := platform.List(ctx, p.cfg.Go, nil)
	if err != nil {
		return err
	}
	if err := ports.Check(platforms); err != nil {
		return fmt.Errorf("Config.Platforms: %w", err)
	}
	return nil
}

// cross builds the platforms with the stamp st and writes the artifact
// list. A binary whose inputs have not changed since the run that built it
// is reused. The caller holds the lock.
func (p *plan) cross(ctx context.Context, step string, platforms []platform.Platform, st stamp.Stamp) (artifact.List, error) {
	start := time.Now()
	prev, _ := artifact.Read(filepath.Join(p.dist, "artifacts.json"))
	var (
		jobs           []job
		list           artifact.List
		reused, cached int
	)
	for _, pl := range platforms {
		j, err := p.job(pl, st)
		if err != nil {
			return nil, err
		}
		if a, ok := p.reuse(j, prev); ok {
			list = append(list, a)
			reused++
			continue
		}
		if a, ok := p.fromCache(j); ok {
			list = append(list, a)
			cached++
			p.logf("  ok    %-16s %9s  cached  %s\n", j.platform, humanSize(a.Size), path.Join(filepath.ToSlash(p.relDist()), a.Path))
			continue
		}
		jobs = append(jobs, j)
	}
	if len(jobs) > 0 {
		if err := p.checkCache(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", step, err)
		}
	}
	if len(jobs) == 0 && cached == 0 {
		p.logf("%s: %s %s: all %d binaries are up to date\n", step, p.cfg.Name, st.Version, reused)
	} else {
		p.logf("%s: %s %s for %d platform(s): %d to build, %d at a time; %d from the cache; %d up to date\n",
			step, p.cfg.Name, st.Version, len(platforms), len(jobs), min(p.jobs, max(len(jobs), 1)), cached, reused)
	}

	var (
		mu     sync.Mutex
		failed *multierror.Error
		g      errgroup.Group
	)
	g.SetLimit(p.jobs)
	for _, j := range jobs {
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			if p.cfg.Verbose {
				p.logf("  exec %s\n", j.build.Command())
			}
			a, res, err := j.run(ctx)
			if err == nil && p.cfg.Strict && len(warnings(res.Log)) > 0 {
				os.Remove(res.Output)
				err = &gobuild.Error{Platform: j.platform, Log: res.Log,
					Err: fmt.Errorf("the linker warned and Config.Strict is set: %s", strings.Join(warnings(res.Log), "; "))}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				// A binary an earlier run left would pass for this
				// run's: remove it, so dist/ holds no stale binary.
				if ctx.Err() == nil {
					os.Remove(j.build.Output)
					delete(p.state.Files, j.artifact.Path)
				}
				failed = multierror.Append(failed, err)
				p.logf("  FAIL  %-16s %s\n", j.platform, firstLine(err))
				return nil
			}
			list = append(list, a)
			p.state.record(p.dist, a.Path, a.Build.Key)
			if !j.build.Cgo {
				p.cache.put(a.Build.Key, res.Output)
			}
			p.logf("  ok    %-16s %9s %6.1fs  %s\n", j.platform, humanSize(a.Size), res.Duration.Seconds(), path.Join(filepath.ToSlash(p.relDist()), a.Path))
			for _, w := range warnings(res.Log) {
				p.logf("        warning: %s\n", w)
			}
			return nil
		})
	}
	g.Wait()
	list.Sort()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s cancelled after %.1fs: %w (no partial binaries were left)", step, time.Since(start).Seconds(), context.Cause(ctx))
	}
	p.state.write(p.dist)
	if err := artifact.Write(filepath.Join(p.dist, "artifacts.json"), list); err != nil {
		return nil, err
	}
	if failed != nil {
		failed.ErrorFormat = func(errs []error) string {
			var b strings.Builder
			fmt.Fprintf(&b, "%s: %d of %d platforms failed:", step, len(errs), len(jobs))
			for _, e := range errs {
				b.WriteString("\n  " + strings.ReplaceAll(e.Error(), "\n", "\n  "))
			}
			return b.String()
		}
		return list, failed
	}
	if len(jobs) > 0 || cached > 0 {
		p.logf("%s: %d binaries in %.1fs\n", step, len(list), time.Since(start).Seconds())
	}
	return list, nil
}

// fromCache copies a pure-Go binary built from the same inputs out of the
// binary cache.
func (p *plan) fromCache(j job) (artifact.Artifact, bool) {
	if j.build.Cgo || os.MkdirAll(filepath.Dir(j.build.Output), 0o755) != nil || !p.cache.get(j.artifact.Build.Key, j.build.Output) {
		return artifact.Artifact{}, false
	}
	fi, err := os.Stat(j.build.Output)
	if err != nil {
		return artifact.Artifact{}, false
	}
	a := j.artifact
	a.Size = fi.Size()
	if a.SHA256, err = archive.SHA256File(j.build.Output); err != nil {
		return artifact.Artifact{}, false
	}
	p.state.record(p.dist, a.Path, a.Build.Key)
	return a, true
}

// reuse returns the artifact of an earlier run when the file it lists is
// still the one built from the same inputs.
func (p *plan) reuse(j job, prev artifact.List) (artifact.Artifact, bool) {
	if !p.state.current(p.dist, j.artifact.Path, j.artifact.Build.Key) {
		return artifact.Artifact{}, false
	}
	for _, a := range prev {
		if a.Path == j.artifact.Path && a.Kind == artifact.Binary && a.Build != nil {
			a.Build.Key = j.artifact.Build.Key
			return a, true
		}
	}
	return artifact.Artifact{}, false
}

// prepareDist creates the output directory with a .gitignore that hides it
// from git, so its files never mark the tree as modified, and removes the
// temporary files of an earlier run that was killed.
func (p *plan) prepareDist() error {
	if err := os.MkdirAll(p.dist, 0o755); err != nil {
		return fmt.Errorf("creating the output directory: %w", err)
	}
	if err := ignoreDir(p.dist); err != nil {
		return err
	}
	return filepath.WalkDir(p.dist, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), gobuild.TempPrefix) {
			return os.Remove(path)
		}
		return nil
	})
}

// ignoreDir writes a .gitignore that hides dir and everything in it from
// git, unless it is there already.
func ignoreDir(dir string) error {
	ignore := filepath.Join(dir, ".gitignore")
	if data, err := os.ReadFile(ignore); err == nil && string(data) == "*\n" {
		return nil
	}
	if err := artifact.WriteFile(ignore, []byte("*\n")); err != nil {
		return fmt.Errorf("the output directory is not writable: %w", err)
	}
	return nil
}

// relDist is the output directory relative to the module root.
func (p *plan) relDist() string {
	rel, err := filepath.Rel(p.dir, p.dist)
	if err != nil {
		return p.dist
	}
	return rel
}

func (p *plan) logf(format string, args ...any) {
	fmt.Fprintf(p.log, format, args...)
}

// warnings returns the lines of a successful build's output that warn,
// such as glibc's notes on static linking.
func warnings(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(strings.ToLower(line), "warning") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// humanSize formats n bytes in SI units with one decimal.
func humanSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
