package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/sizegate"
)

// DefaultBaseline is the default Size.Baseline.
const DefaultBaseline = "magestatic-sizes.json"

// SizeGate measures every binary the last Cross, Build or Release listed
// against its budget and its entry in the baseline file, prints a table,
// and fails naming every platform over its budget or grown past
// Size.MaxGrowth, with the packages whose code grew most. A platform with
// no baseline entry is new and held to its budget only.
func SizeGate(ctx context.Context, cfg Config) ([]sizegate.Result, error) {
	p, bins, err := sizePlan(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return p.sizes(bins)
}

// SizeBaseline writes the baseline file from the binaries the last Cross,
// Build or Release listed: each platform's size and the code of its
// largest packages. It is the only step that writes the file.
func SizeBaseline(ctx context.Context, cfg Config) error {
	p, bins, err := sizePlan(ctx, cfg)
	if err != nil {
		return err
	}
	top := p.cfg.Size.Top
	if top <= 0 {
		top = 25
	}
	gbins, err := p.sizeBinaries(bins)
	if err != nil {
		return err
	}
	b, err := sizegate.Snapshot(p.module, gbins, top)
	if err != nil {
		return err
	}
	name := p.baselinePath()
	if err := sizegate.WriteBaseline(name, b); err != nil {
		return err
	}
	p.logf("sizebaseline: wrote %d platforms to %s\n", len(b.Platforms), name)
	return nil
}

// sizePlan makes the plan and reads the listed binaries.
func sizePlan(ctx context.Context, cfg Config) (*plan, artifact.List, error) {
	p, err := newPlan(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	list, err := artifact.Read(filepath.Join(p.dist, manifestName))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(list.Of(artifact.Binary)) == 0) {
		return nil, nil, fmt.Errorf("no binaries listed in %s: run the cross or build target first", filepath.Join(p.relDist(), manifestName))
	}
	if err != nil {
		return nil, nil, err
	}
	return p, list.Of(artifact.Binary), nil
}

// checkSizes is SizeGate for binaries just built.
func (p *plan) checkSizes(bins artifact.List) error {
	_, err := p.sizes(bins)
	return err
}

func (p *plan) sizes(bins artifact.List) ([]sizegate.Result, error) {
	gbins, err := p.sizeBinaries(bins)
	if err != nil {
		return nil, err
	}
	base, err := sizegate.ReadBaseline(p.baselinePath(), p.module)
	if err != nil {
		return nil, fmt.Errorf("sizegate: %w (the sizebaseline target writes a new baseline)", err)
	}
	p.logf("sizegate: %d binaries against %s\n", len(gbins), p.relPath(p.baselinePath()))
	results, err := sizegate.Check(gbins, base)
	sizegate.WriteTable(p.log, results)
	var failed *multierror.Error
	if errors.As(err, &failed) {
		failed.ErrorFormat = listFormat("sizegate", "platforms failed")
		return results, failed
	}
	if err != nil {
		return results, fmt.Errorf("sizegate: %w", err)
	}
	return results, nil
}

// sizeBinaries pairs each binary with its limits.
func (p *plan) sizeBinaries(bins artifact.List) ([]sizegate.Binary, error) {
	var out []sizegate.Binary
	for _, b := range bins {
		l, err := p.limits(b.Platform)
		if err != nil {
			return nil, err
		}
		out = append(out, sizegate.Binary{Platform: b.Platform, Path: filepath.Join(p.dist, filepath.FromSlash(b.Path)), Limits: l})
	}
	return out, nil
}

// limits parses the size limits of a platform, naming the field that is
// written wrong.
func (p *plan) limits(platformName string) (sizegate.Limits, error) {
	for _, pl := range p.platforms {
		if pl.String() != platformName {
			continue
		}
		s := p.settings(pl)
		l, err := sizegate.ParseLimits(s.Budget, p.cfg.Size.MaxGrowth)
		if err != nil {
			field := "Config.Size"
			if s.Budget != p.cfg.Size.Budget {
				field = "Config.Platform budget of " + platformName
			}
			return l, fmt.Errorf("%s: %w", field, err)
		}
		return l, nil
	}
	return sizegate.ParseLimits(p.cfg.Size.Budget, p.cfg.Size.MaxGrowth)
}

// checkLimits rejects size limits written wrong before anything builds.
func (p *plan) checkLimits() error {
	for _, pl := range p.platforms {
		if _, err := p.limits(pl.String()); err != nil {
			return err
		}
	}
	return nil
}

// baselinePath is the absolute path of the baseline file.
func (p *plan) baselinePath() string {
	name := p.cfg.Size.Baseline
	if name == "" {
		name = DefaultBaseline
	}
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(p.dir, name)
}

// relPath returns name relative to the module root when it is inside it.
func (p *plan) relPath(name string) string {
	if rel, err := filepath.Rel(p.dir, name); err == nil {
		return rel
	}
	return name
}
