package staticbuild

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/ghactions"
	"github.com/magestatic/magestatic/staticbuild/internal/gobuild"
	"github.com/magestatic/magestatic/staticbuild/internal/sizegate"
)

// problem is one thing a step found wrong, kept for CI reports.
type problem = ghactions.Problem

// runReport is what the steps found, kept for the report to CI: the
// problems, how long each binary took to build, Verify's verdict on each
// binary and SizeGate's findings. The steps add to it in parallel.
type runReport struct {
	mu       sync.Mutex
	problems []problem
	took     map[string]float64 // seconds each built binary took, by path
	verdicts map[string]string  // Verify's verdict on each binary, by path
	sized    []sizegate.Result  // SizeGate's findings, one per binary
}

// add records problems.
func (rep *runReport) add(ps ...problem) {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	rep.problems = append(rep.problems, ps...)
}

// setTook records the seconds the build of the binary at rel took.
func (rep *runReport) setTook(rel string, seconds float64) {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	rep.took[rel] = seconds
}

// setVerdict records Verify's verdict on the binary at rel.
func (rep *runReport) setVerdict(rel, verdict string) {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	rep.verdicts[rel] = verdict
}

// buildProblems returns the problems of a failed build: one per compiler
// error with its file (relative to workspace) and line, or the first line
// of the failure.
func buildProblems(j job, err error, dir, workspace string) []problem {
	var ge *gobuild.Error
	if errors.As(err, &ge) {
		if pos := gobuild.Positions(ge.Log, dir); len(pos) > 0 {
			var ps []problem
			for _, p := range pos {
				file := p.File
				if !filepath.IsAbs(file) {
					file = filepath.Join(dir, filepath.FromSlash(file))
				}
				ps = append(ps, problem{Step: "build", Binary: j.target.Name, Platform: j.platform.String(),
					File: ghactions.RepoPath(workspace, file), Line: p.Line, Message: p.Message})
			}
			return ps
		}
	}
	return []problem{{Step: "build", Binary: j.target.Name, Platform: j.platform.String(), Message: firstLine(err)}}
}

// workspace is the directory CI annotations are relative to: the GitHub
// workspace, else the module's root.
func workspace(r *Run) string {
	if w := r.env.gh.Workspace; w != "" {
		return w
	}
	return r.Dir
}

// ciReport is the run as ghactions reports it.
func ciReport(r *Run, title string) ghactions.Report {
	rep := ghactions.Report{Title: title, Version: r.Version, Commit: r.Commit}
	for _, s := range r.Steps {
		status := s.Status
		if status == "failed" {
			status = "FAIL"
		}
		rep.Steps = append(rep.Steps, ghactions.Step{Name: s.Name, Status: status, Seconds: s.Elapsed.Seconds()})
	}
	found := r.report
	found.mu.Lock()
	defer found.mu.Unlock()
	base := map[string]int64{}
	for _, s := range found.sized {
		if s.Base != nil {
			base[s.Name+" "+s.Platform] = s.Base.Size
		}
	}
	for _, a := range r.Artifacts {
		item := ghactions.Artifact{Binary: a.Binary, Platform: a.Platform, Path: a.Path, Kind: string(a.Kind), Size: a.Size, Seconds: found.took[a.Path]}
		if a.Kind == artifact.Binary {
			item.Verify, item.BaselineSize = found.verdicts[a.Path], base[a.Binary+" "+a.Platform]
		}
		rep.Artifacts = append(rep.Artifacts, item)
	}
	rep.Problems = found.problems
	return rep
}

// finish reports the run to CI: with GITHUB_ACTIONS=true, error
// annotations (at most ghactions.MaxAnnotations, the rest are in the
// summary), the step summary and, when it succeeded, the step outputs
// version, manifest and files (the files to publish, one per line: not the
// binaries, which the archives hold, nor the image layouts, which are
// pushed); with MAGESTATIC_REPORT, the JSON report. Failing to report is
// not an error of the run, but it is said.
func (r *Run) finish(title string, err error) {
	r.report.mu.Lock()
	none := len(r.report.problems) == 0
	r.report.mu.Unlock()
	if err != nil && none {
		r.report.add(problem{Step: title, Message: err.Error()})
	}
	rep := ciReport(r, "magestatic "+title)
	gh := r.env.gh
	var errs *multierror.Error
	if gh.Actions {
		var anns []ghactions.Annotation
		for _, p := range rep.Problems {
			anns = append(anns, p.Annotation())
		}
		r.mu.Lock()
		_, e := ghactions.WriteAnnotations(r.log, anns, ghactions.MaxAnnotations)
		r.mu.Unlock()
		errs = multierror.Append(errs, e)
		if gh.StepSummary != "" {
			errs = multierror.Append(errs, ghactions.AppendSummary(gh.StepSummary, rep))
		}
		if gh.Output != "" && err == nil {
			var files []string
			for _, a := range r.Artifacts {
				if a.Kind != artifact.Binary && a.Kind != artifact.Image && a.Kind != artifact.ImageIndex {
					files = append(files, ghactions.RepoPath(workspace(r), filepath.Join(r.Dist, filepath.FromSlash(a.Path))))
				}
			}
			errs = multierror.Append(errs,
				ghactions.SetOutput(gh.Output, "version", r.Version),
				ghactions.SetOutput(gh.Output, "manifest", ghactions.RepoPath(workspace(r), filepath.Join(r.Dist, manifestName))),
				ghactions.SetOutput(gh.Output, "files", strings.Join(files, "\n")))
		}
	}
	if r.env.report != "" {
		errs = multierror.Append(errs, ghactions.WriteJSON(r.env.report, rep))
	}
	if e := errlist.Lines(errs); e != nil {
		r.Logf("warning: reporting the run to CI: %v\n", e)
	}
}
