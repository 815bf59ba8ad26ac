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
	if r.only != nil && len(r.only) == 0 {
		return "", errSkipped
	}
	return r.build(ctx, r.only)
}}

// build builds the binaries for the platforms in only, or all of them.
func (r *Run) build(ctx context.Context, only []platform.Platform) (string, error) {
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
			j, err := r.job(t, pl)
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
	if err := r.checkPorts(ctx, pls); err != nil {
		return "", err
	}
	if err := r.lock(ctx); err != nil {
		return "", err
	}
	if err := r.prepareDist(); err != nil {
		return "", err
	}
	prev, _ := artifact.Read(filepath.Join(r.Dist, manifestName))
	var todo, cached []job
	reused := 0
	for _, j := range jobs {
		if a, ok := r.reuse(j, prev); ok {
			r.setArtifact(a)
			reused++
			continue
		}
		if a, ok := r.fromCache(j); ok {
			r.setArtifact(a)
			cached = append(cached, j)
			continue
		}
		todo = append(todo, j)
	}
	if err := r.checkStamps(ctx, todo); err != nil {
		return "", err
	}
	if len(todo) > 0 && !r.goCacheChecked {
		if err := r.checkGoCache(ctx); err != nil {
			return "", err
		}
	}
	if len(todo) == 0 && len(cached) == 0 {
		r.Logf("build: %s %s: all %d binaries are up to date\n", r.src.project, r.Version, reused)
		return fmt.Sprintf("%d up to date", reused), nil
	}
	r.Logf("build: %s %s: %d binaries for %d platform(s): %d to build, %d at a time; %d from the cache; %d up to date\n",
		r.src.project, r.Version, len(jobs), countPlatforms(jobs), len(todo), min(r.jobs, max(len(todo), 1)), len(cached), reused)
	for _, j := range cached {
		a := r.artifactAt(j.artifact.Path)
		r.Logf("  ok    %-12s %-16s %9s  cached  %s\n", j.target.Name, j.platform, units.FormatSize(a.Size), r.show(a.Path))
	}
	failed := r.runJobs(ctx, todo)
	if ctx.Err() != nil {
		return "", fmt.Errorf("build cancelled after %.1fs: %w (no partial binaries were left)", time.Since(start).Seconds(), context.Cause(ctx))
	}
	if err := errlist.List(failed, "build", fmt.Sprintf("of %d builds failed", len(todo))); err != nil {
		return "", err
	}
	r.Logf("build: %d binaries in %.1fs\n", len(jobs), time.Since(start).Seconds())
	return fmt.Sprintf("%d built, %d from the cache, %d up to date", len(todo), len(cached), reused), nil
}

// runJobs runs the builds, Config.Jobs at a time, and returns the
// failures. A failed binary's old file is removed when the run commits.
func (r *Run) runJobs(ctx context.Context, todo []job) *multierror.Error {
	var (
		mu     sync.Mutex
		failed *multierror.Error
	)
	prog := newProgress(r, len(todo))
	defer prog.stop()
	// Every failure is recorded and the other builds go on; forEach's
	// error is only the cancellation, which the caller reads from ctx.
	forEach(ctx, "build", r.jobs, len(todo), func(i int) error {
		j := todo[i]
		label := j.target.Name + " " + j.platform.String()
		prog.start(label)
		defer prog.done(label)
		if r.Config.Verbose {
			prog.printf("  exec %s\n", j.build.Command())
		}
		a, res, err := r.runJob(ctx, j)
		if err != nil {
			mu.Lock()
			defer mu.Unlock()
			if ctx.Err() == nil {
				r.mu.Lock()
				r.failed = append(r.failed, j.artifact.Path)
				r.mu.Unlock()
			}
			failed = multierror.Append(failed, fmt.Errorf("%s: %w", j.target.Name, err))
			if ctx.Err() == nil {
				r.buildProblems(j, err)
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
		r.mu.Lock()
		r.took[a.Path] = res.Duration.Seconds()
		r.mu.Unlock()
		prog.printf("  ok    %-12s %-16s %9s %6.1fs  %s\n", j.target.Name, j.platform, units.FormatSize(a.Size), res.Duration.Seconds(), r.show(a.Path))
		for _, w := range warnings(res.Log) {
			prog.printf("        warning: %s\n", w)
		}
		return nil
	})
	return failed
}

// runJob builds one binary into a staged file.
func (r *Run) runJob(ctx context.Context, j job) (artifact.Artifact, gobuild.Result, error) {
	tmp, err := r.stage(j.artifact.Path)
	if err != nil {
		return artifact.Artifact{}, gobuild.Result{}, err
	}
	j.build.Output = tmp
	j.build.Base = r.env.vars
	res, err := j.build.Run(ctx)
	if err == nil && r.Config.Strict && len(warnings(res.Log)) > 0 {
		err = &gobuild.Error{Platform: j.platform, Log: res.Log,
			Err: fmt.Errorf("the linker warned and Config.Strict is set: %s", strings.Join(warnings(res.Log), "; "))}
	}
	if err != nil {
		r.unstage(j.artifact.Path)
		return artifact.Artifact{}, res, err
	}
	a := j.artifact
	a.Size = res.Size
	if a.SHA256, err = archive.SHA256File(tmp); err != nil {
		r.unstage(j.artifact.Path)
		return artifact.Artifact{}, res, err
	}
	r.setKey(a.Path, a.Build.Key)
	if !j.build.Cgo {
		r.cache.put(a.Build.Key, tmp)
	}
	return a, res, nil
}

// fromCache copies a pure-Go binary built from the same inputs out of the
// binary cache.
func (r *Run) fromCache(j job) (artifact.Artifact, bool) {
	if j.build.Cgo || r.cache.dir == "" {
		return artifact.Artifact{}, false
	}
	tmp, err := r.stage(j.artifact.Path)
	if err != nil || !r.cache.get(j.artifact.Build.Key, tmp) {
		r.unstage(j.artifact.Path)
		return artifact.Artifact{}, false
	}
	a := j.artifact
	if err := r.fill(&a); err != nil {
		r.unstage(j.artifact.Path)
		return artifact.Artifact{}, false
	}
	r.setKey(a.Path, a.Build.Key)
	return a, true
}

// reuse returns the artifact of an earlier run when the file it lists is
// still the one built from the same inputs. The size and checksum are the
// ones the state recorded and the file was checked against, not the
// manifest's, which may have been edited or damaged since.
func (r *Run) reuse(j job, prev artifact.List) (artifact.Artifact, bool) {
	if !r.state.current(r.Dist, j.artifact.Path, j.artifact.Build.Key) {
		return artifact.Artifact{}, false
	}
	f := r.state.Files[j.artifact.Path]
	for _, a := range prev {
		if a.Path == j.artifact.Path && a.Kind == artifact.Binary && a.Build != nil {
			b := j.artifact
			b.Size, b.SHA256 = f.Size, f.SHA256
			return b, true
		}
	}
	return artifact.Artifact{}, false
}

// checkPorts checks platforms against the toolchain's list, naming where
// the matrix came from.
func (r *Run) checkPorts(ctx context.Context, pls []platform.Platform) error {
	ports, err := platform.List(ctx, r.Config.Go, hostEnv(r.env.vars))
	if err != nil {
		return err
	}
	if err := ports.Check(pls); err != nil {
		return fmt.Errorf("%s: %w", r.platformsField(), err)
	}
	return nil
}

// prepareDist creates the output directory with a .gitignore that hides it
// from git, and removes the temporary files of an earlier run that was
// killed.
func (r *Run) prepareDist() error {
	if err := os.MkdirAll(r.Dist, 0o755); err != nil {
		return fmt.Errorf("creating the output directory: %w", err)
	}
	if err := ignoreDir(r.Dist); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.staged) > 0 {
		return nil // this run's own files are there
	}
	if err := atomicfile.RemoveTemps(r.Dist); err != nil {
		return fmt.Errorf("removing the temporary files of an earlier run: %w", err)
	}
	return nil
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

// artifactAt returns the run's artifact with the path rel.
func (r *Run) artifactAt(rel string) artifact.Artifact {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.Artifacts {
		if a.Path == rel {
			return a
		}
	}
	return artifact.Artifact{}
}

// setKey notes the key a staged file was made from, recorded in the state
// when the run commits.
func (r *Run) setKey(rel, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[rel] = key
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
