// Package ghactions reports a run to GitHub Actions: annotations and log
// groups as workflow commands on standard output, a Markdown step summary,
// step outputs, and a JSON report of the same content for other tools.
//
// Nothing here reads the environment except FromEnv: every other function
// takes the paths and writers it uses, so that the engine decides what goes
// where and tests need no runner. A run reports like this:
//
//	env := ghactions.FromEnv(os.Getenv)
//	if env.Actions {
//		ghactions.WriteAnnotations(os.Stdout, anns, ghactions.MaxAnnotations)
//		ghactions.AppendSummary(env.StepSummary, report)
//		ghactions.SetOutput(env.Output, "version", report.Version)
//	}
//	ghactions.WriteJSON("dist/report.json", report)
package ghactions

import (
	"path/filepath"
	"strings"
)

// Env holds the settings of GitHub Actions that this package uses.
type Env struct {
	Actions     bool   // running in GitHub Actions: GITHUB_ACTIONS is "true"
	StepSummary string // GITHUB_STEP_SUMMARY: the file the step summary is appended to
	Output      string // GITHUB_OUTPUT: the file step outputs are appended to
	Workspace   string // GITHUB_WORKSPACE: the checkout, which annotation paths are relative to
}

// FromEnv returns the settings found by getenv, normally os.Getenv. It is
// the only function in this package that reads environment variables.
func FromEnv(getenv func(string) string) Env {
	return Env{
		Actions:     getenv("GITHUB_ACTIONS") == "true",
		StepSummary: getenv("GITHUB_STEP_SUMMARY"),
		Output:      getenv("GITHUB_OUTPUT"),
		Workspace:   getenv("GITHUB_WORKSPACE"),
	}
}

// RepoPath returns path as an annotation's File wants it: relative to the
// workspace and slash-separated, so that GitHub can place the annotation
// on the file. A relative path, or an absolute one outside the workspace,
// is returned slash-separated but otherwise unchanged.
func RepoPath(workspace, path string) string {
	if workspace != "" && filepath.IsAbs(path) {
		rel, err := filepath.Rel(workspace, path)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(path)
}
