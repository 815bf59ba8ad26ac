package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/verify"
)

// Verify judges every binary that the last Cross, Build or Release listed in
// dist/artifacts.json, reading each file without running it: it must be
// statically linked (or, where the OS has no static binaries, link only
// what a pure-Go binary needs), built for its platform with the
// configured cgo mode, and carry every value stamped with -X. All binaries
// are judged; the error lists every problem of every one.
func Verify(ctx context.Context, cfg Config) ([]*verify.Report, error) {
	p, err := newPlan(ctx, cfg)
	if err != nil {
		return nil, err
	}
	list, err := artifact.Read(filepath.Join(p.dist, manifestName))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(list.Of(artifact.Binary)) == 0) {
		return nil, fmt.Errorf("verify: no binaries listed in %s: run the cross or build target first", path.Join(p.relDist(), manifestName))
	}
	if err != nil {
		return nil, err
	}
	return p.verify(list.Of(artifact.Binary), false)
}

// verifyAll judges the binaries; release makes a binary built from a
// modified tree a failure.
func (p *plan) verifyAll(bins artifact.List, release bool) error {
	_, err := p.verify(bins, release)
	return err
}

func (p *plan) verify(bins artifact.List, release bool) ([]*verify.Report, error) {
	var (
		reports []*verify.Report
		failed  *multierror.Error
	)
	p.logf("verify: %d binaries\n", len(bins))
	for _, b := range bins {
		rel := path.Join(filepath.ToSlash(p.relDist()), b.Path)
		rep, err := verify.Check(filepath.Join(p.dist, filepath.FromSlash(b.Path)), p.policy(b, release))
		if errors.Is(err, verify.ErrUnknownFormat) && (b.Arch == "wasm" || b.OS == "aix") {
			p.logf("  skip  %-16s %s: no linkage check for this format\n", b.Platform, rel)
			continue
		}
		if err != nil {
			failed = multierror.Append(failed, fmt.Errorf("%s (%s): %w", rel, b.Platform, err))
			p.logf("  FAIL  %-16s %s: %v\n", b.Platform, rel, err)
			continue
		}
		reports = append(reports, rep)
		if rep.OK {
			p.logf("  ok    %-16s %-10s %s\n", b.Platform, rep.Linkage, rel)
			continue
		}
		p.logf("  FAIL  %-16s %s: %d problem(s), listed below\n", b.Platform, rel, len(rep.Problems))
		for _, prob := range rep.Problems {
			failed = multierror.Append(failed, fmt.Errorf("%s (%s): %s", rel, b.Platform, prob))
		}
	}
	if failed != nil {
		failed.ErrorFormat = listFormat("verify", "problems")
		return reports, failed
	}
	return reports, nil
}

// policy returns what a binary must be, from how it was built.
func (p *plan) policy(b artifact.Artifact, release bool) verify.Policy {
	pol := verify.Policy{GOOS: b.OS, GOARCH: b.Arch, Release: release}
	if b.Build == nil {
		return pol
	}
	pol.Stamped = b.Build.Stamped
	switch CgoMode(b.Build.Cgo) {
	case CgoStatic:
		pol.Cgo, pol.RequireTags = true, []string{"netgo", "osusergo"}
	case CgoStaticPIE:
		pol.Cgo, pol.RequireTags, pol.BuildMode = true, []string{"netgo", "osusergo"}, "pie"
	case CgoDynamic:
		pol.Cgo = true
	}
	return pol
}

// listFormat formats an aggregated error as a count and one indented
// line per error.
func listFormat(step, what string) func([]error) string {
	return func(errs []error) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %d %s:", step, len(errs), what)
		for _, e := range errs {
			b.WriteString("\n  " + strings.ReplaceAll(e.Error(), "\n", "\n  "))
		}
		return b.String()
	}
}
