package staticbuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/gobuild"
	"github.com/magestatic/magestatic/staticbuild/internal/units"
)

// buildStep builds every binary for each of its platforms, Config.Jobs at
// a time. A binary whose inputs have not changed since the run that built
// it is reused, and a pure-Go one built before from the same inputs comes
// back from the binary cache. A platform that fails does not stop the
// others: the error names every failed binary and platform with the lines
// of its compiler output that name the error. Cancelling ctx kills every
// go build. The new binaries stay under temporary names until the
// manifest step. A shard given no platform builds nothing.
var buildStep = Step{Name: "build", run: func(ctx context.Context, r *Run) (string, error) {
	if r.scope.only != nil && len(r.scope.only) == 0 {
		return "", errSkipped
	}
	return buildBinaries(ctx, r, r.scope.only)
}}

// builder runs the go builds of a run: it stages each new binary in the
// run's transaction, keeps pure-Go ones in the binary cache, and records
// failures and build times in the run's report.
type builder struct {
	r     *Run
	cache binCache
	puts  *sync.WaitGroup // the binaries being put in the cache
}

// buildBinaries builds the binaries for the platforms in only, or all of
// them, reusing those whose inputs have not changed and taking pure-Go
// ones built before from the binary cache.
func buildBinaries(ctx context.Context, r *Run, only []platform.Platform) (string, error) {
	start := time.Now()
	if err := r.loadSource(ctx); err != nil {
		return "", err
	}
	var jobs []job
	for _, t := range r.src.targets {
		for _, pl := range t.platforms {
			if only != nil && !containsPlatform(only, pl) {
				continue
			}
			j, err := newJob(r, t, pl)
			if err != nil {
				return "", err
			}
			jobs = append(jobs, j)
		}
	}
	if len(jobs) == 0 {
		return "", fmt.Errorf("no binary is built for %s: add the platform to Config.Platforms or to a binary's Platforms", platformList(only))
	}
	var pls []platform.Platform
	for _, j := range jobs {
		if !containsPlatform(pls, j.platform) {
			pls = append(pls, j.platform)
		}
	}
	tc, err := r.toolchain(ctx, r.src.keys.tool)
	if err != nil {
		return "", err
	}
	if err := checkPorts(tc.Ports, pls, r.MatrixFrom()); err != nil {
		return "", err
	}
	if err := r.tx.lock(ctx, r.Logf, r.relDist()); err != nil {
		return "", err
	}
	if err := r.tx.prepare(); err != nil {
		return "", err
	}
	b := builder{r: r, cache: binCache{dir: r.env.cache}, puts: new(sync.WaitGroup)}
	prev, _ := artifact.Read(filepath.Join(r.Dist, manifestName))
	var todo, cached []job
	var fromCache []artifact.Artifact
	reused := 0
	for _, j := range jobs {
		if a, ok := reuse(r.tx, j, prev); ok {
			r.setArtifact(a)
			reused++
			continue
		}
		if a, ok := b.fromCache(j); ok {
			r.setArtifact(a)
			cached, fromCache = append(cached, j), append(fromCache, a)
			continue
		}
		todo = append(todo, j)
	}
	if err := checkStamps(ctx, r, todo); err != nil {
		return "", err
	}
	if len(todo) > 0 && !r.src.cacheChecked {
		if err := checkCache(tc.GoCache); err != nil {
			return "", err
		}
		r.src.cacheChecked = true
	}
	if len(todo) == 0 && len(cached) == 0 {
		r.Logf("build: %s %s: all %d binaries are up to date\n", r.src.project, r.Version, reused)
		return fmt.Sprintf("%d up to date", reused), nil
	}
	r.Logf("build: %s %s: %d binaries for %d platform(s): %d to build, %d at a time; %d from the cache; %d up to date\n",
		r.src.project, r.Version, len(jobs), countPlatforms(jobs), len(todo), min(r.Config.Jobs, max(len(todo), 1)), len(cached), reused)
	for i, j := range cached {
		a := fromCache[i]
		r.Logf("  ok    %-12s %-16s %9s  cached  %s\n", j.target.Name, j.platform, units.FormatSize(a.Size), r.show(a.Path))
	}
	failed := b.runAll(ctx, todo)
	if ctx.Err() != nil {
		return "", fmt.Errorf("build cancelled after %.1fs: %w (no partial binaries were left)", time.Since(start).Seconds(), context.Cause(ctx))
	}
	if err := errlist.List(failed, "build", fmt.Sprintf("of %d builds failed", len(todo))); err != nil {
		return "", err
	}
	r.Logf("build: %d binaries in %.1fs\n", len(jobs), time.Since(start).Seconds())
	return fmt.Sprintf("%d built, %d from the cache, %d up to date", len(todo), len(cached), reused), nil
}

// runAll runs the builds, Config.Jobs at a time, and returns the
// failures. A failed binary's old file is removed when the run commits.
func (b builder) runAll(ctx context.Context, todo []job) *multierror.Error {
	r := b.r
	var (
		mu     sync.Mutex
		failed *multierror.Error
	)
	prog := newProgress(r, len(todo))
	defer prog.stop()
	// The binaries are put in the cache beside the next builds; they are
	// all there when runAll returns.
	defer b.puts.Wait()
	// Every failure is recorded and the other builds go on; forEach's
	// error is only the cancellation, which the caller reads from ctx.
	forEach(ctx, "build", r.Config.Jobs, len(todo), func(i int) error {
		j := todo[i]
		label := j.target.Name + " " + j.platform.String()
		prog.start(label)
		defer prog.done(label)
		if r.Config.Verbose {
			prog.printf("  exec %s\n", j.build.Command())
		}
		a, res, err := b.run(ctx, j)
		if err != nil {
			mu.Lock()
			defer mu.Unlock()
			if ctx.Err() == nil {
				r.tx.fail(j.artifact.Path)
			}
			failed = multierror.Append(failed, fmt.Errorf("%s: %w", j.target.Name, err))
			if ctx.Err() == nil {
				r.report.add(buildProblems(j, err, r.Dir, workspace(r))...)
			}
			prog.printf("  FAIL  %-12s %-16s %s\n", j.target.Name, j.platform, strings.TrimPrefix(firstLine(err), j.platform.String()+": "))
			if r.Config.Verbose {
				var ge *gobuild.Error
				if errors.As(err, &ge) {
					if r.env.gh.Actions {
						prog.printf("::group::%s %s: go build output\n%s\n::endgroup::\n", j.target.Name, j.platform, ge.Full())
					} else {
						prog.printf("%s\n", ge.Full())
					}
				}
			}
			return nil
		}
		r.setArtifact(a)
		r.report.setTook(a.Path, res.Duration.Seconds())
		prog.printf("  ok    %-12s %-16s %9s %6.1fs  %s\n", j.target.Name, j.platform, units.FormatSize(a.Size), res.Duration.Seconds(), r.show(a.Path))
		for _, w := range warnings(res.Log) {
			prog.printf("        warning: %s\n", w)
		}
		return nil
	})
	return failed
}

// run builds one binary into a staged file.
func (b builder) run(ctx context.Context, j job) (artifact.Artifact, gobuild.Result, error) {
	tx := b.r.tx
	tmp, err := tx.stage(j.artifact.Path)
	if err != nil {
		return artifact.Artifact{}, gobuild.Result{}, err
	}
	j.build.Output = tmp
	j.build.Base = b.r.env.vars
	res, err := j.build.Run(ctx)
	if err == nil && b.r.Config.Strict && len(warnings(res.Log)) > 0 {
		err = &gobuild.Error{Platform: j.platform, Log: res.Log,
			Err: fmt.Errorf("the linker warned and Config.Strict is set: %s", strings.Join(warnings(res.Log), "; "))}
	}
	if err != nil {
		tx.unstage(j.artifact.Path)
		return artifact.Artifact{}, res, err
	}
	a := j.artifact
	a.Size = res.Size
	if a.SHA256, err = archive.SHA256File(tmp); err != nil {
		tx.unstage(j.artifact.Path)
		return artifact.Artifact{}, res, err
	}
	tx.setKey(a.Path, a.Build.Key)
	if !j.build.Cgo {
		// The next build need not wait for the copy.
		b.puts.Go(func() { b.cache.put(a.Build.Key, tmp, a.SHA256) })
	}
	return a, res, nil
}

// fromCache copies a pure-Go binary built from the same inputs out of the
// binary cache.
func (b builder) fromCache(j job) (artifact.Artifact, bool) {
	if j.build.Cgo || b.cache.dir == "" {
		return artifact.Artifact{}, false
	}
	tx := b.r.tx
	tmp, err := tx.stage(j.artifact.Path)
	if err != nil || !b.cache.get(j.artifact.Build.Key, tmp) {
		tx.unstage(j.artifact.Path)
		return artifact.Artifact{}, false
	}
	a := j.artifact
	if err := fill(&a, tmp); err != nil {
		tx.unstage(j.artifact.Path)
		return artifact.Artifact{}, false
	}
	tx.setKey(a.Path, a.Build.Key)
	return a, true
}

// reuse returns the artifact of an earlier run when the file it lists is
// still the one built from the same inputs. The size and checksum are the
// ones the state recorded and the file was checked against, not the
// manifest's, which may have been edited or damaged since.
func reuse(tx *transaction, j job, prev artifact.List) (artifact.Artifact, bool) {
	if !tx.state.current(tx.dist, j.artifact.Path, j.artifact.Build.Key) {
		return artifact.Artifact{}, false
	}
	f := tx.state.Files[j.artifact.Path]
	for _, a := range prev {
		if a.Path == j.artifact.Path && a.Kind == artifact.Binary && a.Build != nil {
			b := j.artifact
			b.Size, b.SHA256 = f.Size, f.SHA256
			return b, true
		}
	}
	return artifact.Artifact{}, false
}

// ignoreDir writes a .gitignore that hides dir and everything in it from
// git, unless it is there already. A missing dir is left alone.
func ignoreDir(dir string) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil
	}
	ignore := filepath.Join(dir, ".gitignore")
	if data, err := os.ReadFile(ignore); err == nil && string(data) == "*\n" {
		return nil
	}
	if err := atomicfile.WriteFile(ignore, []byte("*\n")); err != nil {
		return fmt.Errorf("the output directory is not writable: %w", err)
	}
	return nil
}

func containsPlatform(list []platform.Platform, p platform.Platform) bool {
	for _, q := range list {
		if q == p {
			return true
		}
	}
	return false
}

func countPlatforms(jobs []job) int {
	seen := map[platform.Platform]bool{}
	for _, j := range jobs {
		seen[j.platform] = true
	}
	return len(seen)
}

func platformList(pls []platform.Platform) string {
	var s []string
	for _, p := range pls {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
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
