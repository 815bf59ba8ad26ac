package staticbuild

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/verify"
)

// Run is what a step is given: one run of a target over a project, with
// the configuration and the environment resolved once, the version,
// commit and build time, and what the steps before it have done. Its
// files stay staged until the manifest step puts them in place.
type Run struct {
	// Config is the configuration, with the defaults that need no source
	// filled in (Dist, Go, Jobs, Platforms).
	Config Config
	// Dir is the module's root and Dist the output directory, both
	// absolute.
	Dir, Dist string
	// Version, Commit and Time are what the binaries are stamped with,
	// known once Build has read the source.
	Version string
	// Tag is the git tag the version comes from, such as v1.2.3, or
	// services/api/v1.2.3 for a module in a subdirectory; empty for a
	// snapshot or a build without a tag.
	Tag    string
	Commit string
	Time   time.Time

	// Artifacts is every file the run has made or reused so far, sorted
	// by path; the manifest step writes it to dist/artifacts.json.
	Artifacts artifact.List
	// Reports are Verify's, one per binary it judged.
	Reports []*verify.Report
	// Steps reports each step that ran, in order.
	Steps []StepReport

	release    bool // a release or a merge: the binaries come from a clean tree
	env        environ
	log        io.Writer
	mu         sync.Mutex          // guards the log, Artifacts, Steps and the scope's keys
	platforms  []platform.Platform // the matrix, resolved
	configured []string            // the matrix the configuration gives, before MAGESTATIC_PLATFORMS
	src        *source             // what the source says, once read
	tx         *transaction        // the run's changes to dist/
	report     *runReport          // what the steps found, for CI
	scope      scope               // which part of a release the run makes
}

// scope is which part of a release a run makes, and the key its manifest
// is recorded with.
type scope struct {
	only      []platform.Platform // the platforms this run builds, when not all
	shards    []shardDir          // the shards Merge read
	key       string              // the key the manifest is recorded with
	checkKeys []string            // what the steps' Checks added to the release's key (AddKey)
	extra     []string            // the archives' extra files, each "name sha256", for the release's key
}

// StepReport is what one step did.
type StepReport struct {
	Name    string        `json:"name"`
	Status  string        `json:"status"` // "ok", "skipped" or "failed"
	Note    string        `json:"note,omitempty"`
	Elapsed time.Duration `json:"elapsed"`
}

// close releases the output directory's lock and removes the temporary
// files of a run that did not reach Manifest.
func (r *Run) close() error {
	if r.tx != nil {
		r.tx.close()
	}
	return nil
}

// Logf prints a progress line.
func (r *Run) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.log, format, args...)
}

// Path returns where the file of an artifact is now: its temporary file
// while the run has not yet put it in place, else its path in Dist (the
// only place for a Run that a step's test makes itself, with Dist set).
func (r *Run) Path(a artifact.Artifact) string {
	if r.tx == nil {
		return filepath.Join(r.Dist, filepath.FromSlash(a.Path))
	}
	return r.tx.path(a.Path)
}

// StageDir returns a temporary directory that takes the place of the
// directory rel (relative to Dist) when the manifest step puts the run's files in
// place; until then Path finds the files inside it. The directory does not
// exist yet: the caller creates it, for example by renaming a complete
// directory to it.
func (r *Run) StageDir(rel string) (string, error) {
	rel, err := cleanRel(rel)
	if err != nil {
		return "", err
	}
	return r.tx.stage(rel)
}

// Add lists a file that a step of the magefile wrote under Dist (or with
// WriteFile) in the run's artifacts, with its size and checksum. Its Path
// is relative to Dist, with forward slashes; Name defaults to the path's
// last element, Version and Commit to the run's.
func (r *Run) Add(a artifact.Artifact) error {
	rel, err := cleanRel(a.Path)
	if err != nil {
		return fmt.Errorf("adding an artifact: %w", err)
	}
	a.Path = rel
	a.Name = cmp.Or(a.Name, path.Base(rel))
	a.Version = cmp.Or(a.Version, r.Version)
	a.Commit = cmp.Or(a.Commit, r.Commit)
	if a.Kind == "" {
		return fmt.Errorf("adding %s: the artifact has no Kind (such as \"signature\")", rel)
	}
	if err := fill(&a, r.Path(a)); err != nil {
		return fmt.Errorf("adding %s: %w", rel, err)
	}
	r.setArtifact(a)
	return nil
}

// WriteFile writes data as the file of a new artifact, which stays under
// a temporary name until the manifest step puts the run's files in place, and adds
// it (see Add).
func (r *Run) WriteFile(a artifact.Artifact, data []byte) error {
	rel, err := cleanRel(a.Path)
	if err != nil {
		return fmt.Errorf("writing an artifact: %w", err)
	}
	tmp, err := r.tx.stage(rel)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(tmp, data); err != nil {
		r.tx.unstage(rel)
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	return r.Add(a)
}

// setArtifact adds a or replaces the artifact with its path.
func (r *Run) setArtifact(a artifact.Artifact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.Artifacts {
		if r.Artifacts[i].Path == a.Path {
			r.Artifacts[i] = a
			return
		}
	}
	r.Artifacts = append(r.Artifacts, a)
	r.Artifacts.Sort()
}

// fill sets an artifact's size and checksum from its file, name.
func fill(a *artifact.Artifact, name string) error {
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	a.Size = fi.Size()
	a.SHA256, err = archive.SHA256File(name)
	return err
}

// step runs fn as the step name and records what it did. fn returns a
// note for the report; errSkipped as its error marks the step skipped.
func (r *Run) step(name string, fn func() (string, error)) error {
	start := time.Now()
	note, err := fn()
	rep := StepReport{Name: name, Status: "ok", Note: note, Elapsed: time.Since(start)}
	switch {
	case errors.Is(err, errSkipped):
		rep.Status, err = "skipped", nil
	case err != nil:
		rep.Status = "failed"
	}
	r.mu.Lock()
	r.Steps = append(r.Steps, rep)
	r.mu.Unlock()
	return err
}

// errSkipped is what a step returns when it had nothing to do.
var errSkipped = errors.New("skipped")

// relDist is the output directory relative to the module root.
func (r *Run) relDist() string {
	rel, err := filepath.Rel(r.Dir, r.Dist)
	if err != nil {
		return r.Dist
	}
	return filepath.ToSlash(rel)
}

// show returns an artifact's path as a person finds it from the module
// root.
func (r *Run) show(rel string) string { return path.Join(r.relDist(), rel) }

// cleanRel checks a slash-separated path inside the output directory.
func cleanRel(rel string) (string, error) {
	c := path.Clean(filepath.ToSlash(rel))
	if rel == "" || c == "." || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") || atomicfile.IsTemp(path.Base(c)) {
		return "", fmt.Errorf("path %q: want a relative path inside the output directory", rel)
	}
	return c, nil
}

// defaultJobs is how many go builds run at once when Config.Jobs is zero:
// one per CPU. Each go build compiles packages in parallel itself, so more
// processes than CPUs only add scheduling cost.
func defaultJobs() int { return runtime.NumCPU() }
