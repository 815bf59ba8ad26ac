package staticbuild

import (
	"context"
	"fmt"
	"slices"
)

// releaseSteps are a release's built-in steps, in order. Each is a Step
// like the magefile's own, defined in the file named after it; a new
// built-in step is a file and a line here. A shard of a release runs
// those that do not need the whole release.
var releaseSteps = []Step{
	buildStep,
	verifyStep,
	sizegateStep,
	archiveStep,
	sbomStep,
	checksumsStep,
	manifestStep,
}

// mergeSteps are Merge's built-in steps. The merge step brings in every
// file the shards made up to their sbom step, so the merge's verify takes
// the magefile's steps that follow any of those.
var mergeSteps = []Step{
	mergeStep,
	verifyStep.taking("build", "verify", "sizegate", "archive", "sbom"),
	checksumsStep,
	manifestStep,
}

// part is which part of a release a run makes.
type part int

const (
	whole  part = iota // the whole release, in one job
	shard              // one shard, which Merge completes
	merged             // the merge of the shards
)

// schedule returns the steps a part of a release runs: the pipeline's,
// with each of the magefile's steps inserted after the step its After
// names, in the order Config.Steps lists them. A step that needs the whole
// release (Whole, or After a built-in step that is Whole, such as
// "checksums") runs in the merge of a sharded release; the rest run in its
// shards.
func schedule(pipeline, user []Step, p part) []Step {
	var out []Step
	for _, b := range pipeline {
		if p == shard && b.Whole {
			continue
		}
		out = append(out, b)
		for _, s := range user {
			if !slices.Contains(b.takes(), s.After) {
				continue
			}
			needsWhole := s.Whole || slices.ContainsFunc(releaseSteps, func(b Step) bool { return b.Name == s.After && b.Whole })
			if (p == shard && needsWhole) || (p == merged && !needsWhole) {
				continue
			}
			out = append(out, s)
		}
	}
	return out
}

// runSteps runs steps in order, recording each in r.Steps, and stops at
// the first that fails.
func (r *Run) runSteps(ctx context.Context, steps []Step) error {
	for _, s := range steps {
		err := r.step(s.Name, func() (string, error) {
			if s.run != nil {
				return s.run(ctx, r)
			}
			if err := s.Run(ctx, r); err != nil {
				return "", fmt.Errorf("%s: %w", s.Name, err)
			}
			return "", nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// takes returns the names of the steps whose followers run after s: its
// own, unless it stands in for others.
func (s Step) takes() []string {
	if s.stands != nil {
		return s.stands
	}
	return []string{s.Name}
}

// taking returns s standing in for the steps named: the magefile's steps
// After any of them run after s.
func (s Step) taking(names ...string) Step {
	s.stands = names
	return s
}

// stepNames returns the names of the steps a magefile's step may follow:
// every built-in step of a release but the manifest, which is the last.
func stepNames() []string {
	var names []string
	for _, s := range releaseSteps {
		if s.Name != manifestStep.Name {
			names = append(names, s.Name)
		}
	}
	return names
}
