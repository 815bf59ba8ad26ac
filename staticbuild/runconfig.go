package staticbuild

import (
	"context"
	"runtime"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/verify"
)

// runCross builds every binary for every platform of the matrix, Config.Jobs
// at a time, and writes the list of binaries to dist/artifacts.json. A
// platform that fails does not stop the others: the error names every
// failed binary and platform, and the binaries that did build are listed.
// Cancelling ctx kills every go build and leaves no partial file.
func runCross(ctx context.Context, cfg Config) (*Run, error) {
	return build(ctx, cfg, false)
}

// runBuild builds the binaries for the host's platform only, for the
// edit-build-run loop. When the matrix has an entry for the host's
// GOOS/GOARCH, its variant and settings are used.
func runBuild(ctx context.Context, cfg Config) (*Run, error) {
	return build(ctx, cfg, true)
}

func build(ctx context.Context, cfg Config, hostOnly bool) (*Run, error) {
	ctx, cancel := withMargin(ctx)
	defer cancel()
	r, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	defer r.close()
	var only []platform.Platform
	if hostOnly {
		host := platform.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
		for _, pl := range r.platforms {
			if pl.Pair() == host.Pair() {
				host = pl
				break
			}
		}
		if !containsPlatform(r.platforms, host) {
			r.platforms = append(r.platforms, host)
		}
		only = []platform.Platform{host}
	}
	r.scope.key = "build"
	err = r.step(buildStep.Name, func() (string, error) { return buildBinaries(ctx, r, only) })
	// A run cancelled after its builds goes on to Manifest, which refuses
	// it, so that it fails instead of reporting success with nothing
	// written.
	if (err == nil || ctx.Err() == nil) && (len(r.Artifacts) > 0 || r.tx.failures()) {
		if merr := r.runSteps(ctx, []Step{manifestStep}); merr != nil && err == nil {
			err = merr
		}
	}
	r.finish(map[bool]string{true: "build", false: "cross"}[hostOnly], err)
	return r, err
}

// runVerify judges every binary dist/artifacts.json lists (see verifyStep).
func runVerify(ctx context.Context, cfg Config) (*Run, error) {
	r, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	defer r.close()
	err = r.runSteps(ctx, []Step{verifyStep})
	r.finish("verify", err)
	return r, err
}

// runSizeGate checks every binary dist/artifacts.json lists against its
// budget and the baseline (see sizegateStep).
func runSizeGate(ctx context.Context, cfg Config) (*Run, error) {
	r, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	defer r.close()
	err = r.runSteps(ctx, []Step{sizegateStep})
	r.finish("sizegate", err)
	return r, err
}

// runSizeBaseline writes the baseline file from the binaries
// dist/artifacts.json lists (see sizeBaselineStep).
func runSizeBaseline(ctx context.Context, cfg Config) (*Run, error) {
	r, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	defer r.close()
	err = r.runSteps(ctx, []Step{sizeBaselineStep})
	r.finish("sizebaseline", err)
	return r, err
}

// Result is what a target did, for a program that runs one with Config's
// methods: the version, commit and build time it stamped, every artifact
// it made or reused, Verify's reports, and each step's outcome.
type Result struct {
	Version   string
	Commit    string
	Time      time.Time
	Artifacts artifact.List
	Reports   []*verify.Report
	Steps     []StepReport
}

// result is what a finished run did; it is nil without a run.
func result(r *Run) *Result {
	if r == nil {
		return nil
	}
	return &Result{Version: r.Version, Commit: r.Commit, Time: r.Time, Artifacts: r.Artifacts, Reports: r.Reports, Steps: r.Steps}
}

// Build runs the Build target with c: it builds the binaries for the
// host's platform only, for the edit-build-run loop. When the matrix has
// an entry for the host's GOOS/GOARCH, its variant and settings are used.
func (c Config) Build(ctx context.Context) (*Result, error) {
	r, err := runBuild(ctx, c)
	return result(r), err
}

// Cross runs the Cross target with c: it builds every binary for every
// platform of the matrix, Config.Jobs at a time, and writes the list of
// binaries to dist/artifacts.json. A platform that fails does not stop
// the others: the error names every failed binary and platform, and the
// binaries that did build are listed. Cancelling ctx kills every go build
// and leaves no partial file.
func (c Config) Cross(ctx context.Context) (*Result, error) {
	r, err := runCross(ctx, c)
	return result(r), err
}

// Verify runs the Verify target with c: it judges every binary
// dist/artifacts.json lists, reading the files only.
func (c Config) Verify(ctx context.Context) (*Result, error) {
	r, err := runVerify(ctx, c)
	return result(r), err
}

// SizeGate runs the SizeGate target with c: it checks every binary
// dist/artifacts.json lists against its budget and the baseline.
func (c Config) SizeGate(ctx context.Context) (*Result, error) {
	r, err := runSizeGate(ctx, c)
	return result(r), err
}

// SizeBaseline runs the SizeBaseline target with c: it writes the
// baseline file from the binaries dist/artifacts.json lists.
func (c Config) SizeBaseline(ctx context.Context) (*Result, error) {
	r, err := runSizeBaseline(ctx, c)
	return result(r), err
}

// Release runs the Release target with c: it builds every binary, checks
// them, and only when all pass writes into dist/ the archives, SBOMs,
// checksum file and manifest, running c.Steps after the step each names.
// A failed step writes nothing: dist/ keeps the last release.
func (c Config) Release(ctx context.Context) (*Result, error) {
	r, err := runRelease(ctx, c)
	return result(r), err
}

// Merge runs the Merge target with c: it puts together in dist/ a release
// built in shards, from the directories in c.MergeFrom, writing nothing
// when any check fails.
func (c Config) Merge(ctx context.Context) (*Result, error) {
	r, err := runMerge(ctx, c)
	return result(r), err
}
