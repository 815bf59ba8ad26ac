package staticbuild

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/sizegate"
)

// defaultBaseline is the default Size.Baseline.
const defaultBaseline = "magestatic-sizes.json"

// sizegateStep measures every binary of the run (or of the manifest)
// against its budget and its entry in the baseline file, prints a table,
// and fails naming every binary and platform over its budget or grown past
// Size.MaxGrowth, with the packages whose code grew most. A binary with no
// baseline entry is new and held to its budget only. It needs only the
// files and the baseline.
var sizegateStep = Step{Name: "sizegate", run: func(ctx context.Context, r *Run) (string, error) {
	bins, err := r.binaries("sizegate")
	if err != nil {
		return "", err
	}
	return r.sizes(bins)
}}

// sizeBaselineStep writes the baseline file from the run's binaries (or
// the manifest's): each binary's size on each platform and the code of its
// largest packages. It is the only step that writes the file, and no
// release runs it.
var sizeBaselineStep = Step{Name: "sizebaseline", run: func(ctx context.Context, r *Run) (string, error) {
	bins, err := r.binaries("sizebaseline")
	if err != nil {
		return "", err
	}
	gbins, err := r.sizeBinaries(bins)
	if err != nil {
		return "", err
	}
	top := cmp.Or(r.Config.Size.Top, 25)
	b, err := sizegate.Snapshot(r.module(bins), gbins, top)
	if err != nil {
		return "", err
	}
	name := r.baselinePath()
	if err := sizegate.WriteBaseline(name, b); err != nil {
		return "", err
	}
	r.Logf("sizebaseline: wrote %d binaries to %s\n", len(gbins), r.relPath(name))
	return "", nil
}}

func (r *Run) sizes(bins artifact.List) (string, error) {
	gbins, err := r.sizeBinaries(bins)
	if err != nil {
		return "", err
	}
	base, err := sizegate.ReadBaseline(r.baselinePath(), r.module(bins))
	if err != nil {
		return "", fmt.Errorf("sizegate: %w (the sizebaseline target writes a new baseline)", err)
	}
	r.Logf("sizegate: %d binaries against %s\n", len(gbins), r.relPath(r.baselinePath()))
	results, err := sizegate.Check(gbins, base)
	r.sized = results
	for _, res := range results {
		for _, msg := range res.Problems {
			r.addProblem(problem{Step: "sizegate", Binary: res.Name, Platform: res.Platform, Message: msg})
		}
	}
	r.mu.Lock()
	sizegate.WriteTable(r.log, results)
	r.mu.Unlock()
	var failed *multierror.Error
	if errors.As(err, &failed) {
		return "", errlist.List(failed, "sizegate", "binaries failed")
	}
	if err != nil {
		return "", fmt.Errorf("sizegate: %w", err)
	}
	return fmt.Sprintf("%d binaries within their limits", len(results)), nil
}

// module is the main module's path: go.mod's, else the one the manifest
// recorded.
func (r *Run) module(bins artifact.List) string {
	if m := modulePath(r.Dir); m != "" {
		return m
	}
	for _, b := range bins {
		if b.Build != nil && b.Build.Module != "" {
			return b.Build.Module
		}
	}
	return ""
}

// sizeBinaries pairs each binary with its limits.
func (r *Run) sizeBinaries(bins artifact.List) ([]sizegate.Binary, error) {
	var out []sizegate.Binary
	for _, b := range bins {
		l, err := r.limits(b.Binary, b.Platform)
		if err != nil {
			return nil, err
		}
		out = append(out, sizegate.Binary{Name: b.Binary, Platform: b.Platform, Path: r.Path(b), Limits: l})
	}
	return out, nil
}

// limits parses the size limits of a binary on a platform, from the
// configuration alone.
func (r *Run) limits(name, platformName string) (sizegate.Limits, error) {
	budget := r.Config.Size.Budget
	if pl, err := platform.Parse(platformName); err == nil {
		t := &target{}
		for _, b := range r.Config.Binaries {
			if b.Name == name {
				t.Binary = b
			}
		}
		budget = r.settings(t, pl).Budget
	}
	l, err := sizegate.ParseLimits(budget, r.Config.Size.MaxGrowth)
	if err != nil {
		return l, fmt.Errorf("the size limits of %s on %s: %w", name, platformName, err)
	}
	return l, nil
}

// baselinePath is the absolute path of the baseline file.
func (r *Run) baselinePath() string {
	name := cmp.Or(r.Config.Size.Baseline, defaultBaseline)
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(r.Dir, name)
}

// relPath returns name relative to the module root when it is inside it.
func (r *Run) relPath(name string) string {
	if rel, err := filepath.Rel(r.Dir, name); err == nil {
		return filepath.ToSlash(rel)
	}
	return name
}
