package engine

import (
	"context"
	"runtime"

	"github.com/magestatic/magestatic/staticbuild/internal/platform"
)

// Cross builds every binary for every platform of the matrix, Config.Jobs
// at a time, and writes the list of binaries to dist/artifacts.json. A
// platform that fails does not stop the others: the error names every
// failed binary and platform, and the binaries that did build are listed.
// Cancelling ctx kills every go build and leaves no partial file.
func Cross(ctx context.Context, cfg Config) (*Run, error) {
	return build(ctx, cfg, false)
}

// Build builds the binaries for the host's platform only, for the
// edit-build-run loop. When the matrix has an entry for the host's
// GOOS/GOARCH, its variant and settings are used.
func Build(ctx context.Context, cfg Config) (*Run, error) {
	return build(ctx, cfg, true)
}

func build(ctx context.Context, cfg Config, hostOnly bool) (*Run, error) {
	ctx, cancel := withMargin(ctx)
	defer cancel()
	r, err := New(cfg)
	if err != nil {
		return nil, err
	}
	defer r.Close()
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
	r.manifestKey = "build"
	err = r.step(buildStep.Name, func() (string, error) { return r.build(ctx, only) })
	// A run cancelled after its builds goes on to Manifest, which refuses
	// it, so that it fails instead of reporting success with nothing
	// written.
	if (err == nil || ctx.Err() == nil) && (len(r.Artifacts) > 0 || len(r.failed) > 0) {
		if merr := r.runSteps(ctx, []Step{manifestStep}); merr != nil && err == nil {
			err = merr
		}
	}
	r.finish(map[bool]string{true: "build", false: "cross"}[hostOnly], err)
	return r, err
}

// Verify judges every binary dist/artifacts.json lists (see Run.Verify).
func Verify(ctx context.Context, cfg Config) (*Run, error) {
	r, err := New(cfg)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	err = r.runSteps(ctx, []Step{verifyStep})
	r.finish("verify", err)
	return r, err
}

// SizeGate checks every binary dist/artifacts.json lists against its
// budget and the baseline (see Run.SizeGate).
func SizeGate(ctx context.Context, cfg Config) (*Run, error) {
	r, err := New(cfg)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	err = r.runSteps(ctx, []Step{sizegateStep})
	r.finish("sizegate", err)
	return r, err
}

// SizeBaseline writes the baseline file from the binaries
// dist/artifacts.json lists (see Run.SizeBaseline).
func SizeBaseline(ctx context.Context, cfg Config) (*Run, error) {
	r, err := New(cfg)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	err = r.runSteps(ctx, []Step{sizeBaselineStep})
	r.finish("sizebaseline", err)
	return r, err
}
