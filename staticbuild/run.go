package staticbuild

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/sizegate"
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
	// Release is set by Release: the binaries must come from a clean tree.
	Release bool

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

	env       environ
	log       io.Writer
	platforms []platform.Platform
	jobs      int
	cache     binCache
	src       *source
	state     *state
	unlock    func()

	sized []sizegate.Result // SizeGate's findings, one per binary

	mu     sync.Mutex
	staged map[string]string // path in dist -> temporary file holding its new contents
	keys   map[string]string // path in dist -> key of the inputs its staged file was made from
	failed []string          // paths in dist whose build failed: their old files go at commit
	made   map[string]bool   // directories in dist, relative, that stage created

	only       []platform.Platform // the platforms this run builds, when not all
	configured []string            // the matrix the configuration gives, before MAGESTATIC_PLATFORMS
	shards     []shardDir          // the shards Merge read
	problems   []problem           // what failed, for CI reports
	took       map[string]float64  // seconds each built binary took, by path
	verdicts   map[string]string   // Verify's verdict on each binary, by path

	goCacheChecked bool
	manifestKey    string   // the key the manifest is recorded with
	checkKeys      []string // what the steps' Checks added to the release's key (AddKey)
}

// StepReport is what one step did.
type StepReport struct {
	Name    string        `json:"name"`
	Status  string        `json:"status"` // "ok", "skipped" or "failed"
	Note    string        `json:"note,omitempty"`
	Elapsed time.Duration `json:"elapsed"`
}

// resolve resolves the configuration and the environment into a run. It reads
// Config.Environ (or the process's environment) once, checks every field
// that can be checked without the source, and reports every mistake at
// once, naming the field and the fix. It runs no command; Build reads the
// source. Close releases what the run holds.
func resolve(cfg Config) (*Run, error) {
	r, errs := newRun(cfg)
	if len(errs) > 0 {
		return nil, errlist.Messages(errs)
	}
	return r, nil
}

// newRun is New, returning the run with the mistakes it found; the run
// is nil only when Config.Dir cannot be resolved.
func newRun(cfg Config) (*Run, []string) {
	vars := cfg.Environ
	if vars == nil {
		vars = os.Environ()
	}
	env, errs := readEnviron(vars, cfg)
	r := &Run{Config: cfg, env: env, log: cmp.Or[io.Writer](cfg.Log, os.Stdout), staged: map[string]string{}, keys: map[string]string{}, made: map[string]bool{}, took: map[string]float64{}, verdicts: map[string]string{}}
	r.Config.Go = cmp.Or(cfg.Go, "go")
	r.Config.Cgo = cmp.Or(cfg.Cgo, CgoOff)
	r.Config.Output = cmp.Or(cfg.Output, defaultOutput)
	r.Config.Archive.Name = cmp.Or(cfg.Archive.Name, defaultArchiveName)
	if env.snapshot {
		r.Config.Snapshot = true
	}
	r.Config.Shard = cmp.Or(env.shard, cfg.Shard)
	r.Config.MergeFrom = cmp.Or(env.merge, cfg.MergeFrom)
	r.cache = binCache{dir: env.cache}
	dir, err := filepath.Abs(cmp.Or(cfg.Dir, "."))
	if err != nil {
		return nil, []string{fmt.Sprintf("Config.Dir %q: %v", cfg.Dir, err)}
	}
	r.Dir = dir
	errs = append(errs, r.setDist()...)
	errs = append(errs, r.setPlatforms()...)
	errs = append(errs, r.setJobs()...)
	errs = append(errs, r.check()...)
	r.state = readState(r.Dist)
	return r, errs
}

// newRelease is newRun for a release or a merge. When the configuration
// has mistakes, it reads the source too, unless the output directory is
// itself wrong, so that the mistakes the source reveals (a tree with
// uncommitted changes, a step's settings) are reported with them. A merge
// leaves its shards out of the source (see Run.merge).
func newRelease(ctx context.Context, cfg Config, merge bool) (*Run, error) {
	r, errs := newRun(cfg)
	if len(errs) == 0 {
		r.Release = true
		return r, nil
	}
	if r != nil && len(r.setDist()) == 0 {
		r.Release = true
		var exclude []string
		if merge {
			exclude = append(exclude, r.mergeDir())
		}
		if err := r.loadSource(ctx, exclude...); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !slices.Contains(errs, line) {
					errs = append(errs, line)
				}
			}
		}
		r.close()
	}
	return nil, errlist.Messages(errs)
}

// close releases the output directory's lock and removes the temporary
// files of a run that did not reach Manifest.
func (r *Run) close() error {
	r.discard()
	if r.unlock != nil {
		r.unlock()
		r.unlock = nil
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
// while the run has not yet put it in place, else its path in Dist.
func (r *Run) Path(a artifact.Artifact) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pathLocked(a.Path)
}

func (r *Run) pathLocked(rel string) string {
	if tmp, ok := r.staged[rel]; ok {
		return tmp
	}
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		if tmp, ok := r.staged[dir]; ok {
			return filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(rel, dir+"/")))
		}
	}
	return filepath.Join(r.Dist, filepath.FromSlash(rel))
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
	return r.stage(rel)
}

// stage returns a temporary file for the new contents of rel, which
// commit later renames into place.
func (r *Run) stage(rel string) (string, error) {
	final := filepath.Join(r.Dist, filepath.FromSlash(rel))
	// A link in dist/ where a directory of the run goes (put there by
	// hand or by another tool) is removed, so nothing is written through
	// it to where it points.
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		if fi, err := os.Lstat(filepath.Join(r.Dist, filepath.FromSlash(dir))); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			os.Remove(filepath.Join(r.Dist, filepath.FromSlash(dir)))
		}
	}
	var missing []string
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		if _, err := os.Lstat(filepath.Join(r.Dist, filepath.FromSlash(dir))); err != nil {
			missing = append(missing, dir)
		}
	}
	err := os.MkdirAll(filepath.Dir(final), 0o755)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, dir := range missing { // those made before a failure too
		r.made[dir] = true
	}
	if err != nil {
		return "", fmt.Errorf("creating the output directory: %w", err)
	}
	tmp := atomicfile.TempName(final)
	if old, ok := r.staged[rel]; ok {
		os.Remove(old)
	}
	r.staged[rel] = tmp
	return tmp, nil
}

// unstage forgets the new contents of rel.
func (r *Run) unstage(rel string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if tmp, ok := r.staged[rel]; ok {
		os.Remove(tmp)
		delete(r.staged, rel)
	}
}

// discard removes every staged file, and the directories stage created
// that are left empty.
func (r *Run) discard() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for rel, tmp := range r.staged {
		os.RemoveAll(tmp)
		delete(r.staged, rel)
	}
	r.removeMade()
}

// removeMade removes the directories stage created that are empty, the
// deepest first, so that a run that puts nothing in them leaves no empty
// directory in dist/ that no manifest lists. A directory that existed
// before the run, or that holds anything, stays. The caller holds r.mu.
func (r *Run) removeMade() {
	dirs := slices.Sorted(maps.Keys(r.made))
	// A directory sorts before those inside it, so the reverse order
	// reaches each after everything below it.
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(filepath.Join(r.Dist, filepath.FromSlash(dirs[i]))) // fails unless empty
		delete(r.made, dirs[i])
	}
}

// commit puts every staged file in place and removes the files of
// binaries that failed to build, so that dist/ holds no stale binary.
func (r *Run) commit() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	// The old manifest goes first: a run killed or failing while it puts
	// its files in place leaves dist/ without one, which says that dist/
	// holds no complete run, rather than an old manifest over new files.
	if len(r.staged) > 0 || len(r.failed) > 0 {
		if err := os.Remove(filepath.Join(r.Dist, manifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing the old %s: %w", manifestName, err)
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(r.staged)) {
		final := filepath.Join(r.Dist, filepath.FromSlash(rel))
		if fi, err := os.Stat(r.staged[rel]); err == nil && fi.IsDir() {
			os.RemoveAll(final)
		}
		if err := atomicfile.Rename(r.staged[rel], final); err != nil {
			return fmt.Errorf("putting %s in place: %w", rel, err)
		}
		delete(r.staged, rel)
		if key, ok := r.keys[rel]; ok {
			r.state.record(r.Dist, rel, key)
		} else {
			delete(r.state.Files, rel)
		}
	}
	for _, rel := range r.failed {
		os.Remove(filepath.Join(r.Dist, filepath.FromSlash(rel)))
		delete(r.state.Files, rel)
	}
	r.failed = nil
	r.removeMade()
	return nil
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
	if err := r.fill(&a); err != nil {
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
	tmp, err := r.stage(rel)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(tmp, data); err != nil {
		r.unstage(rel)
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

// fill sets an artifact's size and checksum from its file.
func (r *Run) fill(a *artifact.Artifact) error {
	name := r.Path(*a)
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
