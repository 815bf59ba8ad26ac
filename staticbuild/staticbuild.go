// Package staticbuild gives a magefile targets that build, check and release
// static Go binaries for a matrix of platforms. Import it in a magefile:
//
//	//mage:import
//	_ "github.com/magestatic/magestatic/staticbuild"
//
// and "mage -l" lists its targets. For a module with one main package, or
// with its programs under cmd/, nothing else is needed; to configure it,
// import it by name and set Project in init:
//
//	//mage:import
//	"github.com/magestatic/magestatic/staticbuild"
//
//	func init() {
//		staticbuild.Project = staticbuild.Config{
//			Binaries: []staticbuild.Binary{
//				{Main: "./cmd/server"},
//				{Main: "./cmd/cli", Platforms: []string{"linux/amd64", "darwin/arm64"}},
//			},
//			Platforms: []string{"linux/amd64", "linux/arm/7", "darwin/arm64"},
//		}
//	}
//
// Every target is also an ordinary Go function another target can call. The
// work is done by package engine, which takes the configuration as an
// argument instead of reading Project.
package staticbuild

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/magefile/mage/mg"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// Config is the configuration of the targets; see engine.Config.
type Config = engine.Config

// Binary, Stamp, Size, Archive, PlatformConfig, Step and CgoMode are the
// parts of Config, and Run is what a Step is given; see package engine.
type (
	Binary         = engine.Binary
	Step           = engine.Step
	Run            = engine.Run
	Stamp          = engine.Stamp
	Size           = engine.Size
	Archive        = engine.Archive
	PlatformConfig = engine.PlatformConfig
	CgoMode        = engine.CgoMode
)

// The cgo modes of Config.Cgo and PlatformConfig.Cgo; see engine.CgoMode.
const (
	CgoOff       = engine.CgoOff
	CgoStatic    = engine.CgoStatic
	CgoStaticPIE = engine.CgoStaticPIE
	CgoDynamic   = engine.CgoDynamic
)

// Project is the configuration every target uses. Its zero value works for
// a module with exactly one main package; set it in the magefile's init.
var Project Config

// config returns Project with the settings that come from mage itself.
// The environment is read by the engine, in one place.
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

// fail wraps err so that mage exits with status 1 and prints it whole.
func fail(err error) error {
	if err == nil {
		return nil
	}
	return exitError{err: err, code: 1}
}

// once runs fn through mg.CtxDeps, so a target given twice on the command
// line, or needed by several targets, runs once. The panic with which
// mg.CtxDeps reports a failure becomes the returned error, carrying mage's
// exit status, so the targets are also safe to call from ordinary Go code.
// SIGTERM, which CI systems send to stop a job, cancels the work as mage's
// own Ctrl-C handling does.
func once(ctx context.Context, fn func(context.Context) error) (err error) {
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
