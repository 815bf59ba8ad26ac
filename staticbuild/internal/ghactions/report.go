package ghactions

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// Report is what a run did, for the step summary (AppendSummary) and the
// JSON report (WriteJSON).
type Report struct {
	Title     string     `json:"title"`             // "magestatic release"
	Version   string     `json:"version,omitempty"` // "v1.2.3"
	Commit    string     `json:"commit,omitempty"`  // full hash
	Steps     []Step     `json:"steps,omitempty"`
	Artifacts []Artifact `json:"artifacts,omitempty"`
	Problems  []Problem  `json:"problems,omitempty"`
}

// Step is one step of the run, such as cross or verify.
type Step struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"` // "ok", "FAIL", "skip", ...
	Seconds float64 `json:"seconds"`
}

// Artifact is one file the run made.
type Artifact struct {
	Binary       string  `json:"binary,omitempty"`   // the program's name
	Platform     string  `json:"platform,omitempty"` // "linux/arm/7"; empty for checksums
	Path         string  `json:"path"`               // slash-separated, relative to the output directory
	Kind         string  `json:"kind"`               // "binary", "archive", "sbom", "checksums"
	Size         int64   `json:"size"`
	BaselineSize int64   `json:"baseline_size,omitempty"` // the size baseline's; 0 for none (a new binary, or not a binary)
	Verify       string  `json:"verify,omitempty"`        // "ok", "FAIL", "skip", or "" when not verified
	Seconds      float64 `json:"seconds"`                 // time taken to make it
}

// Problem is one reason the run failed.
type Problem struct {
	Step     string `json:"step"`               // the step that found it: "cross", "verify", ...
	Binary   string `json:"binary,omitempty"`   // the program's name, if it concerns one
	Platform string `json:"platform,omitempty"` // "linux/amd64", if it concerns one
	File     string `json:"file,omitempty"`     // a source file, relative to the workspace, if known
	Line     int    `json:"line,omitempty"`     // 1-based line in File; 0 for none
	Message  string `json:"message"`            // may span lines
}

// Failed reports whether the run failed: it found a problem or a step
// failed.
func (r Report) Failed() bool {
	if len(r.Problems) > 0 {
		return true
	}
	for _, s := range r.Steps {
		if s.Status == "FAIL" {
			return true
		}
	}
	return false
}

// Annotation returns the problem as an error annotation, titled with its
// step, binary and platform.
func (p Problem) Annotation() Annotation {
	return Annotation{
		Level:   "error",
		File:    p.File,
		Line:    p.Line,
		Title:   p.title(),
		Message: p.Message,
	}
}

// title is "verify hello linux/amd64", leaving out what is empty.
func (p Problem) title() string {
	var parts []string
	for _, s := range []string{p.Step, p.Binary, p.Platform} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// WriteJSON writes the report as indented JSON to path, atomically: the
// data goes to a temporary file beside path whose name starts with
// ".tmp-", is synced, and is renamed over path only when complete.
func WriteJSON(path string, r Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'))
}

// ReadJSON reads a report that WriteJSON wrote, such as one CI job's for
// the job that merges them.
func ReadJSON(path string) (Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Report{}, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return Report{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return r, nil
}
