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
	bins, err := stepBinaries(r, "sizegate")
	if err != nil {
		return "", err
	}
	return checkSizes(r, bins)
}}

// sizeBaselineStep writes the baseline file from the run's binaries (or
// the manifest's): each binary's size on each platform and the code of its
// largest packages. It is the only step that writes the file, and no
// release runs it.
var sizeBaselineStep = Step{Name: "sizebaseline", run: func(ctx context.Context, r *Run) (string, error) {
	bins, err := stepBinaries(r, "sizebaseline")
	if err != nil {
		return "", err
	}
	gbins, err := sizeBinaries(r.Config, bins, r.Path)
	if err != nil {
		return "", err
	}
	top := cmp.Or(r.Config.Size.Top, 25)
	b, err := sizegate.Snapshot(moduleOf(r.Dir, bins), gbins, top)
	if err != nil {
		return "", err
	}
	name := baselinePath(r.Config, r.Dir)
	if err := sizegate.WriteBaseline(name, b); err != nil {
		return "", err
	}
	r.Logf("sizebaseline: wrote %d binaries to %s\n", len(gbins), relPath(r.Dir, name))
	return "", nil
}}

// checkSizes measures bins against their limits and the baseline, prints
// the table, and records the findings in the run's report. It fails
// naming every binary over its limits, or when the baseline cannot be
// read.
func checkSizes(r *Run, bins artifact.List) (string, error) {
	gbins, err := sizeBinaries(r.Config, bins, r.Path)
	if err != nil {
		return "", err
	}
	baseline := baselinePath(r.Config, r.Dir)
	base, err := sizegate.ReadBaseline(baseline, moduleOf(r.Dir, bins))
	if err != nil {
		return "", fmt.Errorf("sizegate: %w (the sizebaseline target writes a new baseline)", err)
	}
	r.Logf("sizegate: %d binaries against %s\n", len(gbins), relPath(r.Dir, baseline))
	results, err := sizegate.Check(gbins, base)
	var found []problem
	for _, res := range results {
		for _, msg := range res.Problems {
			found = append(found, problem{Step: "sizegate", Binary: res.Name, Platform: res.Platform, Message: msg})
		}
	}
	r.report.add(found...)
	r.report.mu.Lock()
	r.report.sized = results
	r.report.mu.Unlock()
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

// moduleOf is the main module's path: that of go.mod in dir, else the
// one the binaries' build information records.
func moduleOf(dir string, bins artifact.List) string {
	if m := modulePath(dir); m != "" {
		return m
	}
	for _, b := range bins {
		if b.Build != nil && b.Build.Module != "" {
			return b.Build.Module
		}
	}
	return ""
}

// sizeBinaries pairs each binary, whose file path returns, with its
// limits under the configuration c.
func sizeBinaries(c Config, bins artifact.List, path func(artifact.Artifact) string) ([]sizegate.Binary, error) {
	var out []sizegate.Binary
	for _, b := range bins {
		l, err := limits(c, b.Binary, b.Platform)
		if err != nil {
			return nil, err
		}
		out = append(out, sizegate.Binary{Name: b.Binary, Platform: b.Platform, Path: path(b), Limits: l})
	}
	return out, nil
}

// limits parses the size limits of a binary on a platform, from the
// configuration alone.
func limits(c Config, name, platformName string) (sizegate.Limits, error) {
	budget := c.Size.Budget
	if pl, err := platform.Parse(platformName); err == nil {
		t := &target{}
		for _, b := range c.Binaries {
			if b.Name == name {
				t.Binary = b
			}
		}
		budget = settingsFor(c, t, pl).Budget
	}
	l, err := sizegate.ParseLimits(budget, c.Size.MaxGrowth)
	if err != nil {
		return l, fmt.Errorf("the size limits of %s on %s: %w", name, platformName, err)
	}
	return l, nil
}

// baselinePath is the absolute path of the baseline file of c, for the
// module at dir.
func baselinePath(c Config, dir string) string {
	name := cmp.Or(c.Size.Baseline, defaultBaseline)
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}

// relPath returns name relative to the module root, dir, when it is
// inside it.
func relPath(dir, name string) string {
	if rel, err := filepath.Rel(dir, name); err == nil {
		return filepath.ToSlash(rel)
	}
	return name
}
