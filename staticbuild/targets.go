package staticbuild

import (
	"context"
	"os/signal"
	"reflect"
	"runtime"
	"syscall"

	"github.com/magefile/mage/mg"
)

// Project is the configuration every target uses. Its zero value works for
// a module with exactly one main package; set it in the magefile's init.
var Project Config

// Build builds the binaries for this machine's platform into dist/.
func Build(ctx context.Context) error {
	return once(ctx, func(ctx context.Context) error { _, err := config().Build(ctx); return err })
}

// Cross builds the binaries of every platform in the matrix, in parallel.
func Cross(ctx context.Context) error {
	return once(ctx, func(ctx context.Context) error { _, err := config().Cross(ctx); return err })
}

// Verify fails when a binary of the last cross, build or release links dynamically or was not built as configured, or an image does not hold the released binaries.
func Verify(ctx context.Context) error {
	return once(ctx, func(ctx context.Context) error { _, err := config().Verify(ctx); return err })
}

// SizeGate fails when a binary of the last cross or build is over its size budget or grew past its margin.
func SizeGate(ctx context.Context) error {
	return once(ctx, func(ctx context.Context) error { _, err := config().SizeGate(ctx); return err })
}

// SizeBaseline records the sizes of the last cross or build as the baseline SizeGate compares with.
func SizeBaseline(ctx context.Context) error {
	return once(ctx, func(ctx context.Context) error { _, err := config().SizeBaseline(ctx); return err })
}

// Release builds, verifies and size-checks every platform, then writes archives, SBOMs, checksums and a manifest to dist/.
func Release(ctx context.Context) error {
	return once(ctx, func(ctx context.Context) error { _, err := config().Release(ctx); return err })
}

// Merge puts together in dist/ a release built in shards (MAGESTATIC_SHARD=i/n) from the shard directories in MAGESTATIC_MERGE (default shards/).
func Merge(ctx context.Context) error {
	return once(ctx, func(ctx context.Context) error { _, err := config().Merge(ctx); return err })
}

// Target runs fn as this package's targets run, for a package that adds
// targets of its own to a magefile, such as images.Push: once per mage run
// however many targets need it (through mg.CtxDeps, which tells functions
// apart by name, so fn must be a named function, not a closure), with
// SIGTERM cancelling ctx, and with fn's error carrying mage's exit status.
// fn is given a Run resolved from Project, as the targets resolve it,
// which Target closes when fn returns.
func Target(ctx context.Context, fn func(context.Context, *Run) error) error {
	return once(ctx, targetFn{fn})
}

// targetFn is a Target's function as mg.CtxDeps runs it, named after fn.
type targetFn struct {
	fn func(context.Context, *Run) error
}

func (t targetFn) Name() string { return runtime.FuncForPC(reflect.ValueOf(t.fn).Pointer()).Name() }
func (t targetFn) ID() string   { return "" }
func (t targetFn) Run(ctx context.Context) error {
	r, err := resolve(config())
	if err != nil {
		return err
	}
	defer r.close()
	return t.fn(ctx, r)
}

// config returns Project with the settings that come from mage itself.
// The environment is read by New, in one place.
func config() Config {
	c := Project
	if mg.Verbose() {
		c.Verbose = true
	}
	return c
}

// exitError carries an exit status for mage, which reads it with a plain
// type assertion on the error a target returns.
type exitError struct {
	err  error
	code int
}

func (e exitError) Error() string   { return e.err.Error() }
func (e exitError) Unwrap() error   { return e.err }
func (e exitError) ExitStatus() int { return e.code }

// once runs fn, a func(context.Context) error or an mg.Fn, through
// mg.CtxDeps, so a target given twice on the command
// line, or needed by several targets, runs once. A failure becomes the
// returned error, carrying mage's exit status (1 unless the error says
// otherwise), so the targets are also safe to call from ordinary Go code.
// SIGTERM, which CI systems send to stop a job, cancels the work as mage's
// own Ctrl-C handling does.
func once(ctx context.Context, fn any) (err error) {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	defer func() {
		if v := recover(); v != nil {
			e, ok := v.(error)
			if !ok {
				panic(v)
			}
			err = exitError{err: e, code: mg.ExitStatus(e)}
		}
	}()
	mg.CtxDeps(ctx, fn)
	return nil
}
