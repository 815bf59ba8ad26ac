package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
)

// Matrix is the 8-target matrix of the issue.
var Matrix = []string{
	"linux/amd64", "linux/arm64", "linux/arm/7",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
	"freebsd/amd64",
}

// The states a tool is measured in.
const (
	Cold = "cold"  // fresh GOCACHE, no outputs
	Warm = "warm"  // full GOCACHE, outputs removed
	Noop = "no-op" // nothing changed since the last run
	// Edit is a developer's rebuild: the caches full and the last run's
	// outputs kept, one line added to the main package's source (see
	// sourceEdit), different in every run.
	Edit = "edit"
)

// States lists the states in the order they run.
var States = []string{Cold, Warm, Noop, Edit}

// Options configures a benchmark run.
type Options struct {
	Projects  []Project
	Platforms []string // default Matrix
	States    []string // default States
	Runs      int      // runs per warm, no-op and edit cell; default 3
	ColdRuns  int      // runs per cold cell; default 3
	// Jobs adds, for the first project, Cross cells with these values of
	// Config.Jobs, cold and warm, to measure the concurrency default.
	Jobs []int
	// Scaling, when set, is the project on which Cross runs cold for 1,
	// 2, 4 and 8 platforms of the matrix and for every first-class port,
	// before the other cells.
	Scaling *Project
	// Work is a scratch directory; it is emptied first.
	Work string
	// Driver is the benchdriver binary that runs Cross and Release.
	Driver string
	// GoReleaser is the goreleaser binary; empty: that row says why.
	GoReleaser string
	// GoReleaserMissing says why GoReleaser is not measured.
	GoReleaserMissing string
	// Recorder, when set, is the benchrec binary, through which every
	// measured run goes so that its CPU is split by process kind
	// (Sample.Kinds).
	Recorder string
	// Magestatic, when set, is the root of the magestatic checkout whose
	// start-up ("go tool mage" in a user's module importing its targets)
	// each project measures in every state, as the Startup row.
	Magestatic string
	// Log receives progress lines.
	Log io.Writer
	// Checkpoint, when set, receives the results so far after each
	// project and after the scaling run.
	Checkpoint func(*Results) error
}

// Results is what a benchmark run measured.
type Results struct {
	Started, Finished time.Time
	GoVersion         string
	CPUs              int
	LoadBefore        string // /proc/loadavg when the run started
	LoadAfter         string
	Platforms         []string
	Runs, ColdRuns    int
	Projects          []ProjectResult
	Scaling           []ScalePoint
	ScalingProject    string
}

// ProjectResult holds one project's samples.
type ProjectResult struct {
	Project Project
	Tools   []string                       // the rows, in order
	Samples map[string]map[string][]Sample // state, then tool
	Missing map[string]string              // tool: why it has no figures
}

// ScalePoint is one cold Cross of the scaling run.
type ScalePoint struct {
	Label     string
	Platforms []string
	Sample    Sample
}

// Median returns the median sample of a cell and whether it has any.
func (r ProjectResult) Median(state, tool string) (Sample, bool) {
	ss := r.Samples[state][tool]
	return Median(ss), len(ss) > 0
}

// Floor is the CPU floor: the median CPU time of the cold sequential loop
// divided by the number of CPUs, the least time a cold build of the same
// commands can take.
func (r ProjectResult) Floor(cpus int) time.Duration {
	s, ok := r.Median(Cold, Loop)
	if !ok || cpus < 1 {
		return 0
	}
	return s.CPU / time.Duration(cpus)
}

// JobsTool is the name of the Cross cell with Config.Jobs n.
func JobsTool(n int) string { return fmt.Sprintf("Cross, Jobs=%d", n) }

// Run measures the tools on every project, the cells of each state
// interleaved so that the machine's drift hits every tool alike.
func Run(ctx context.Context, opt Options) (*Results, error) {
	if len(opt.Platforms) == 0 {
		opt.Platforms = Matrix
	}
	if len(opt.States) == 0 {
		opt.States = States
	}
	if opt.Runs < 1 {
		opt.Runs = 3
	}
	if opt.ColdRuns < 1 {
		opt.ColdRuns = 3
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	platforms, err := platform.ParseList(opt.Platforms)
	if err != nil {
		return nil, fmt.Errorf("platforms: %w", err)
	}
	if err := os.RemoveAll(opt.Work); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.Work, 0o755); err != nil {
		return nil, err
	}
	res := &Results{
		Started: time.Now(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), LoadBefore: loadAvg(),
		Platforms: opt.Platforms, Runs: opt.Runs, ColdRuns: opt.ColdRuns,
	}
	checkpoint := func() error {
		res.Finished, res.LoadAfter = time.Now(), loadAvg()
		if opt.Checkpoint != nil {
			return opt.Checkpoint(res)
		}
		return nil
	}
	if opt.Scaling != nil {
		if err := runScaling(ctx, opt, *opt.Scaling, res); err != nil {
			return res, fmt.Errorf("scaling: %w", err)
		}
		if err := checkpoint(); err != nil {
			return res, err
		}
	}
	for i, p := range opt.Projects {
		var jobs []int
		if i == 0 {
			jobs = opt.Jobs
		}
		res.Projects = append(res.Projects, ProjectResult{})
		progress := func(pr ProjectResult) error {
			res.Projects[i] = pr
			return checkpoint()
		}
		if err := runProject(ctx, opt, p, platforms, jobs, progress); err != nil {
			return res, fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return res, checkpoint()
}

// runProject fetches p and measures every tool in every state, passing the
// figures to progress after each state.
func runProject(ctx context.Context, opt Options, p Project, platforms []platform.Platform, jobs []int, progress func(ProjectResult) error) error {
	pr, err := measureProject(ctx, opt, p, platforms, jobs, progress)
	if err != nil {
		if pr.Samples != nil {
			progress(pr)
		}
		return err
	}
	return progress(pr)
}

func measureProject(ctx context.Context, opt Options, p Project, platforms []platform.Platform, jobs []int, progress func(ProjectResult) error) (ProjectResult, error) {
	work := filepath.Join(opt.Work, p.Name)
	env := baseEnv(filepath.Join(work, "cache", "fetch"))
	src := filepath.Join(work, "src")
	fmt.Fprintf(opt.Log, "%s: fetching %s@%s\n", p.Name, p.Module, p.Version)
	if err := Fetch(ctx, p, src, platforms, env); err != nil {
		return ProjectResult{}, err
	}
	clone := func(name string) (string, error) {
		dir := filepath.Join(work, name)
		return dir, Clone(ctx, src, dir, env)
	}
	pr := ProjectResult{Project: p, Samples: map[string]map[string][]Sample{}, Missing: map[string]string{}}
	var tools []tool
	dir, err := clone("loop")
	if err != nil {
		return pr, err
	}
	tools = append(tools, loopTool(p, dir, platforms))
	for _, t := range []struct{ name, step, dir string }{{Cross, "cross", "cross"}, {Release, "release", "release"}} {
		dir, err := clone(t.dir)
		if err != nil {
			return pr, err
		}
		t := driverTool(t.name, opt.Driver, t.step, p, dir, platforms, 0)
		if t.name == Release {
			t.cache, t.warmOnly = Cross, true
		}
		tools = append(tools, t)
	}
	pr.Tools = []string{Loop, Cross, Release, GoReleaser, GoReleaserRelease}
	if opt.Magestatic != "" {
		// The start-up depends on the project only through the load, so
		// each project measures it among its own runs.
		dir := filepath.Join(work, "startup")
		if err := StartupModule(ctx, dir, opt.Magestatic, env); err != nil {
			fmt.Fprintf(opt.Log, "%s: %v\n", p.Name, err)
			line, _, _ := strings.Cut(err.Error(), "\n")
			pr.Missing[Startup] = "failed: " + line
		} else {
			tools = append(tools, startupTool(dir))
		}
		pr.Tools = append(pr.Tools, Startup)
	}
	for _, release := range []bool{false, true} {
		name := GoReleaser
		if release {
			name = GoReleaserRelease
		}
		if opt.GoReleaser == "" {
			pr.Missing[name] = opt.GoReleaserMissing
			continue
		}
		dir, err := clone(strings.ReplaceAll(strings.ToLower(name), " ", "-"))
		if err != nil {
			return pr, err
		}
		t, err := goreleaserTool(opt.GoReleaser, p, dir, platforms, release)
		if err != nil {
			return pr, err
		}
		if release {
			t.cache, t.warmOnly = GoReleaser, true
		}
		tools = append(tools, t)
	}
	for _, n := range jobs {
		dir, err := clone(fmt.Sprintf("jobs%d", n))
		if err != nil {
			return pr, err
		}
		tools = append(tools, driverTool(JobsTool(n), opt.Driver, "cross", p, dir, platforms, n))
		pr.Tools = append(pr.Tools, JobsTool(n))
	}
	// fail records that a tool failed; a failed tool is left out of the
	// later cells, except the loop, without which there are no ratios.
	fail := func(t tool, what string, err error) error {
		err = fmt.Errorf("%s, %s: %w", t.name, what, err)
		if t.name == Loop || ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(opt.Log, "%s: %v\n", p.Name, err)
		line, _, _ := strings.Cut(err.Error(), "\n")
		pr.Missing[t.name] = "failed: " + line
		return nil
	}
	failed := func(t tool) bool { _, ok := pr.Missing[t.name]; return ok }
	var rec *recorder
	if opt.Recorder != "" {
		if rec, err = newRecorder(opt.Recorder, work); err != nil {
			return pr, fmt.Errorf("benchrec: %w", err)
		}
	}
	measureOne := func(state string, run int, t tool, env []string) error {
		if failed(t) {
			return nil
		}
		s, err := recorded(ctx, t, env, rec, filepath.Join(work, "benchrec.log"))
		if err != nil {
			return fail(t, fmt.Sprintf("%s run %d", state, run), err)
		}
		if pr.Samples[state] == nil {
			pr.Samples[state] = map[string][]Sample{}
		}
		pr.Samples[state][t.name] = append(pr.Samples[state][t.name], s)
		fmt.Fprintf(opt.Log, "%s %-6s run %d  %-20s wall %7.2fs  cpu %7.2fs  own %6.3fs  rss %4d MB  orch %3d MB  load %s%s\n",
			p.Name, state, run, t.name, s.Wall.Seconds(), s.CPU.Seconds(), s.Own.Seconds(), s.PeakRSS>>20, s.OrchRSS>>20, loadAvg(), kindsLine(s.Kinds))
		return nil
	}
	// Every tool has its own GOCACHE, which its first cold run fills and
	// its warm and no-op runs use; the other cold runs start from empty
	// ones. So the warm cells come right after the first cold run, and the
	// second cold run last.
	toolEnv := func(t tool) []string {
		name := t.name
		if t.cache != "" {
			name = t.cache
		}
		return baseEnv(filepath.Join(work, "cache", strings.ReplaceAll(name, " ", "")))
	}
	// warmUp runs t once, unmeasured, to fill its caches.
	warmUp := func(t tool) error {
		if err := t.clean(); err != nil {
			return err
		}
		// Through the recorder too: magestatic's fingerprint holds the go
		// command's path, which the recording go changes.
		if _, err := recorded(ctx, t, toolEnv(t), rec, filepath.Join(work, "benchrec.log")); err != nil {
			return fail(t, "warming up", err)
		}
		return nil
	}
	want := map[string]bool{}
	for _, state := range opt.States {
		if !slices.Contains(States, state) {
			return pr, fmt.Errorf("unknown state %q: want one of %s", state, strings.Join(States, ", "))
		}
		want[state] = true
	}
	coldRun := func(run int) error {
		for _, t := range tools {
			if t.warmOnly {
				continue
			}
			env := toolEnv(t)
			cache := ""
			if run > 1 {
				cache = filepath.Join(work, "cache", fmt.Sprintf("cold-%d-%s", run, strings.ReplaceAll(t.name, " ", "")))
				env = baseEnv(cache)
			}
			if err := t.clean(); err != nil {
				return err
			}
			err := measureOne(Cold, run, t, env)
			if cache != "" {
				os.RemoveAll(cache)
			}
			if err != nil {
				return err
			}
		}
		return progress(pr)
	}
	if want[Cold] {
		if err := coldRun(1); err != nil {
			return pr, err
		}
	}
	if want[Warm] || want[Noop] || want[Edit] {
		fmt.Fprintf(opt.Log, "%s: filling the warm caches\n", p.Name)
		for _, t := range tools {
			if want[Cold] && !t.warmOnly {
				continue // its cold run filled them
			}
			if err := warmUp(t); err != nil {
				return pr, err
			}
		}
	}
	// The edit state changes each clone's source, and puts it back after.
	edits := map[string]*sourceEdit{}
	if want[Edit] {
		for _, t := range tools {
			if t.main == "" || strings.HasPrefix(t.name, "Cross, Jobs") {
				continue
			}
			e, err := newSourceEdit(t.main)
			if err != nil {
				return pr, fmt.Errorf("%s: %w", t.name, err)
			}
			edits[t.name] = e
			defer e.restore()
		}
	}
	edited := 0
	for _, state := range []string{Warm, Noop, Edit} {
		if !want[state] {
			continue
		}
		for run := 1; run <= opt.Runs; run++ {
			for _, t := range tools {
				if state != Warm && strings.HasPrefix(t.name, "Cross, Jobs") {
					continue
				}
				env := toolEnv(t)
				switch state {
				case Warm:
					if err := t.clean(); err != nil {
						return pr, err
					}
				case Edit:
					// A number no other run of the project used, so that no
					// tool finds the edit's compile in the cache it shares.
					edited++
					if e := edits[t.name]; e != nil {
						if err := e.apply(edited); err != nil {
							return pr, err
						}
					}
					env = append(env, t.editEnv...)
				}
				if err := measureOne(state, run, t, env); err != nil {
					return pr, err
				}
			}
		}
		if err := progress(pr); err != nil {
			return pr, err
		}
	}
	for _, e := range edits {
		if err := e.restore(); err != nil {
			return pr, err
		}
	}
	if want[Cold] {
		for run := 2; run <= opt.ColdRuns; run++ {
			if err := coldRun(run); err != nil {
				return pr, err
			}
		}
	}
	os.RemoveAll(filepath.Join(work, "cache"))
	return pr, nil
}

// runScaling builds p with Cross, cold, for growing matrices.
func runScaling(ctx context.Context, opt Options, p Project, res *Results) error {
	work := filepath.Join(opt.Work, "scaling")
	env := baseEnv(filepath.Join(work, "cache"))
	src := filepath.Join(work, "src")
	first, err := FirstClass(ctx, env)
	if err != nil {
		return err
	}
	union := slices.Clone(opt.Platforms)
	for _, pl := range first {
		if !slices.Contains(union, pl) {
			union = append(union, pl)
		}
	}
	all, err := platform.ParseList(union)
	if err != nil {
		return err
	}
	if err := Fetch(ctx, p, src, all, env); err != nil {
		return err
	}
	res.ScalingProject = p.Name
	var rec *recorder
	if opt.Recorder != "" {
		if rec, err = newRecorder(opt.Recorder, work); err != nil {
			return fmt.Errorf("benchrec: %w", err)
		}
	}
	var steps []ScalePoint
	for _, n := range []int{1, 2, 4, 8} {
		if n <= len(opt.Platforms) {
			steps = append(steps, ScalePoint{Label: fmt.Sprintf("%d of the matrix", n), Platforms: opt.Platforms[:n]})
		}
	}
	steps = append(steps, ScalePoint{Label: fmt.Sprintf("all %d first-class", len(first)), Platforms: first})
	for i, st := range steps {
		dir := filepath.Join(work, fmt.Sprintf("run%d", i))
		if err := Clone(ctx, src, dir, env); err != nil {
			return err
		}
		pls, err := platform.ParseList(st.Platforms)
		if err != nil {
			return err
		}
		cache := filepath.Join(work, fmt.Sprintf("cache-%d", i))
		t := driverTool(Cross, opt.Driver, "cross", p, dir, pls, 0)
		s, err := recorded(ctx, t, baseEnv(cache), rec, filepath.Join(work, "benchrec.log"))
		os.RemoveAll(cache)
		if err != nil {
			return fmt.Errorf("%s: %w", st.Label, err)
		}
		st.Sample = s
		res.Scaling = append(res.Scaling, st)
		fmt.Fprintf(opt.Log, "scaling %-22s wall %7.2fs  cpu %7.2fs  load %s\n", st.Label, s.Wall.Seconds(), s.CPU.Seconds(), loadAvg())
		os.RemoveAll(dir)
	}
	return nil
}

// recorded runs t with env, through benchrec when rec is set, recording
// into log, and splits the sample's CPU by process kind.
func recorded(ctx context.Context, t tool, env []string, rec *recorder, log string) (Sample, error) {
	if rec == nil {
		return t.run(ctx, env)
	}
	os.Remove(log)
	defer os.Remove(log)
	s, err := t.run(ctx, rec.env(env, log))
	if err != nil {
		return s, err
	}
	recs, err := readRecords(log)
	if err != nil {
		return s, fmt.Errorf("benchrec: %w", err)
	}
	s.Kinds = splitKinds(s.CPU, recs)
	return s, nil
}

// kindsLine is the progress line's CPU by kind.
func kindsLine(k map[string]time.Duration) string {
	if k == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n    cpu:")
	for _, kind := range Kinds {
		fmt.Fprintf(&b, "  %s %.2fs", kind, k[kind].Seconds())
	}
	return b.String()
}

// FirstClass lists the first-class ports of the toolchain, as
// "go tool dist list -json" marks them.
func FirstClass(ctx context.Context, env []string) ([]string, error) {
	ports, err := platform.List(ctx, "go", env)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range ports.FirstClass() {
		out = append(out, p.String())
	}
	return out, nil
}

// baseEnv is the environment of every measured command: the process's,
// without the variables that would change what or how the tools build,
// with GOCACHE set to cache and the local toolchain, and without the go
// command's configuration file (GOENV=off), which may set GOFLAGS for one
// tool and not another.
func baseEnv(cache string) []string {
	drop := map[string]bool{"GOFLAGS": true, "GOCACHE": true, "GOOS": true, "GOARCH": true, "CGO_ENABLED": true,
		"GOTOOLCHAIN": true, "GOAMD64": true, "GOARM": true, "GOARM64": true, "GO386": true, "GOMAXPROCS": true, "SOURCE_DATE_EPOCH": true}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] || strings.HasPrefix(k, "MAGESTATIC_") {
			continue
		}
		env = append(env, kv)
	}
	// magestatic keeps its binary cache beside the build cache, so that a
	// cold run starts without either.
	return append(env, "GOCACHE="+cache, "MAGESTATIC_CACHE="+filepath.Join(cache, "magestatic-bin"), "GOTOOLCHAIN=local", "GOENV=off")
}

// loadAvg returns the first three fields of /proc/loadavg, or "" where
// there is none.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
