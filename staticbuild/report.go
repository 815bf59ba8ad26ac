package staticbuild

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/ghactions"
	"github.com/magestatic/magestatic/staticbuild/internal/gobuild"
)

// problem is one thing a step found wrong, kept for CI reports.
type problem = ghactions.Problem

// addProblem records a problem.
func (r *Run) addProblem(p problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, p)
}

// buildProblems records a failed build: a problem per compiler error with
// its file and line, or the first line of the failure.
func (r *Run) buildProblems(j job, err error) {
	var ge *gobuild.Error
	if errors.As(err, &ge) {
		if pos := gobuild.Positions(ge.Log, r.Dir); len(pos) > 0 {
			for _, p := range pos {
				file := p.File
				if !filepath.IsAbs(file) {
					file = filepath.Join(r.Dir, filepath.FromSlash(file))
				}
				r.addProblem(problem{Step: "build", Binary: j.target.Name, Platform: j.platform.String(),
					File: ghactions.RepoPath(r.workspace(), file), Line: p.Line, Message: p.Message})
			}
			return
		}
	}
	r.addProblem(problem{Step: "build", Binary: j.target.Name, Platform: j.platform.String(), Message: firstLine(err)})
}

// workspace is the directory CI annotations are relative to: the GitHub
// workspace, else the module's root.
func (r *Run) workspace() string {
	if w := r.env.gh.Workspace; w != "" {
		return w
	}
	return r.Dir
}

// report is the run as ghactions reports it.
func (r *Run) report(title string) ghactions.Report {
	rep := ghactions.Report{Title: title, Version: r.Version, Commit: r.Commit}
	for _, s := range r.Steps {
		status := s.Status
		if status == "failed" {
			status = "FAIL"
		}
		rep.Steps = append(rep.Steps, ghactions.Step{Name: s.Name, Status: status, Seconds: s.Elapsed.Seconds()})
	}
	base := map[string]int64{}
	for _, s := range r.sized {
		if s.Base != nil {
			base[s.Name+" "+s.Platform] = s.Base.Size
		}
	}
	for _, a := range r.Artifacts {
		item := ghactions.Artifact{Binary: a.Binary, Platform: a.Platform, Path: a.Path, Kind: string(a.Kind), Size: a.Size, Seconds: r.took[a.Path]}
		if a.Kind == artifact.Binary {
			item.Verify, item.BaselineSize = r.verdicts[a.Path], base[a.Binary+" "+a.Platform]
		}
		rep.Artifacts = append(rep.Artifacts, item)
	}
	rep.Problems = r.problems
	return rep
}

// finish reports the run to CI: with GITHUB_ACTIONS=true, error
// annotations (at most ghactions.MaxAnnotations, the rest are in the
// summary), the step summary and, when it succeeded, the step outputs
// version, manifest and files (the files to publish, one per line: not the
// binaries, which the archives hold, nor the image layouts, which are
// pushed); with
// MAGESTATIC_REPORT, the JSON report. Failing to report is not an error of
// the run, but it is said.
func (r *Run) finish(title string, err error) {
	if err != nil && len(r.problems) == 0 {
		r.addProblem(problem{Step: title, Message: err.Error()})
	}
	rep := r.report("magestatic " + title)
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
					files = append(files, ghactions.RepoPath(r.workspace(), filepath.Join(r.Dist, filepath.FromSlash(a.Path))))
				}
			}
			errs = multierror.Append(errs,
				ghactions.SetOutput(gh.Output, "version", r.Version),
				ghactions.SetOutput(gh.Output, "manifest", ghactions.RepoPath(r.workspace(), filepath.Join(r.Dist, manifestName))),
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
