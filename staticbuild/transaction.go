package staticbuild

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// transaction is a run's one transaction over its output directory: the
// files it stages under temporary names, the key of the inputs each was
// made from, the old files that go when it commits, the directories it
// created, the state the keys are recorded in, and the directory's lock.
// Nothing in dist/ changes until commit.
type transaction struct {
	dist   string
	state  *state
	unlock func() // releases the lock; nil when not held

	mu     sync.Mutex
	staged map[string]string // path in dist -> temporary file holding its new contents
	keys   map[string]string // path in dist -> key of the inputs its staged file was made from
	failed []string          // paths in dist whose files go at commit: builds that failed, artifacts removed
	made   map[string]bool   // directories in dist, relative, that stage created
}

// newTransaction starts the transaction over dist, reading its state.
func newTransaction(dist string) *transaction {
	return &transaction{dist: dist, state: readState(dist), staged: map[string]string{}, keys: map[string]string{}, made: map[string]bool{}}
}

// path returns where the file rel is now: its temporary file while it is
// staged (or inside a staged directory), else its path in dist.
func (t *transaction) path(rel string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tmp, ok := t.staged[rel]; ok {
		return tmp
	}
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		if tmp, ok := t.staged[dir]; ok {
			return filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(rel, dir+"/")))
		}
	}
	return filepath.Join(t.dist, filepath.FromSlash(rel))
}

// stage returns a temporary file for the new contents of rel, which
// commit later renames into place. It fails when the directory that
// holds rel cannot be created.
func (t *transaction) stage(rel string) (string, error) {
	final := filepath.Join(t.dist, filepath.FromSlash(rel))
	// A link in dist/ where a directory of the run goes (put there by
	// hand or by another tool) is removed, so nothing is written through
	// it to where it points.
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		if fi, err := os.Lstat(filepath.Join(t.dist, filepath.FromSlash(dir))); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			os.Remove(filepath.Join(t.dist, filepath.FromSlash(dir)))
		}
	}
	var missing []string
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		if _, err := os.Lstat(filepath.Join(t.dist, filepath.FromSlash(dir))); err != nil {
			missing = append(missing, dir)
		}
	}
	err := os.MkdirAll(filepath.Dir(final), 0o755)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, dir := range missing { // those made before a failure too
		t.made[dir] = true
	}
	if err != nil {
		return "", fmt.Errorf("creating the output directory: %w", err)
	}
	tmp := atomicfile.TempName(final)
	if old, ok := t.staged[rel]; ok {
		os.Remove(old)
	}
	t.staged[rel] = tmp
	return tmp, nil
}

// unstage forgets the new contents of rel.
func (t *transaction) unstage(rel string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tmp, ok := t.staged[rel]; ok {
		os.Remove(tmp)
		delete(t.staged, rel)
	}
}

// setKey notes the key a staged file was made from, recorded in the state
// at commit.
func (t *transaction) setKey(rel, key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keys[rel] = key
}

// fail marks the file at rel, whose new contents could not be made,
// for removal at commit, with its record in the state.
func (t *transaction) fail(rel string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = append(t.failed, rel)
}

// remove forgets the new contents of rel and its key, and marks the old
// file at rel, if there is one, for removal at commit.
func (t *transaction) remove(rel string) {
	t.unstage(rel)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, rel)
	if _, err := os.Lstat(filepath.Join(t.dist, filepath.FromSlash(rel))); err == nil {
		t.failed = append(t.failed, rel)
	}
}

// failures reports whether fail or remove marked a file.
func (t *transaction) failures() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.failed) > 0
}

// prepare creates the output directory with a .gitignore that hides it
// from git, and removes the temporary files of an earlier run that was
// killed.
func (t *transaction) prepare() error {
	if err := os.MkdirAll(t.dist, 0o755); err != nil {
		return fmt.Errorf("creating the output directory: %w", err)
	}
	if err := ignoreDir(t.dist); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.staged) > 0 {
		return nil // this run's own files are there
	}
	if err := atomicfile.RemoveTemps(t.dist); err != nil {
		return fmt.Errorf("removing the temporary files of an earlier run: %w", err)
	}
	return nil
}

// discard removes every staged file, and the directories stage created
// that are left empty.
func (t *transaction) discard() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for rel, tmp := range t.staged {
		os.RemoveAll(tmp)
		delete(t.staged, rel)
	}
	t.removeMade()
}

// removeMade removes the directories stage created that are empty, the
// deepest first, so that a run that puts nothing in them leaves no empty
// directory in dist/ that no manifest lists. A directory that existed
// before the run, or that holds anything, stays. The caller holds t.mu.
func (t *transaction) removeMade() {
	dirs := slices.Sorted(maps.Keys(t.made))
	// A directory sorts before those inside it, so the reverse order
	// reaches each after everything below it.
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(filepath.Join(t.dist, filepath.FromSlash(dirs[i]))) // fails unless empty
		delete(t.made, dirs[i])
	}
}

// commit puts every staged file in place, recording its key in the
// state, and removes the files marked by fail, so that dist/ holds no
// stale binary. It stops at the first file it cannot put in place.
func (t *transaction) commit() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	// The old manifest goes first: a run killed or failing while it puts
	// its files in place leaves dist/ without one, which says that dist/
	// holds no complete run, rather than an old manifest over new files.
	if len(t.staged) > 0 || len(t.failed) > 0 {
		if err := os.Remove(filepath.Join(t.dist, manifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing the old %s: %w", manifestName, err)
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(t.staged)) {
		final := filepath.Join(t.dist, filepath.FromSlash(rel))
		if fi, err := os.Stat(t.staged[rel]); err == nil && fi.IsDir() {
			os.RemoveAll(final)
		}
		if err := atomicfile.Rename(t.staged[rel], final); err != nil {
			return fmt.Errorf("putting %s in place: %w", rel, err)
		}
		delete(t.staged, rel)
		if key, ok := t.keys[rel]; ok {
			t.state.record(t.dist, rel, key)
		} else {
			delete(t.state.Files, rel)
		}
	}
	for _, rel := range t.failed {
		os.Remove(filepath.Join(t.dist, filepath.FromSlash(rel)))
		delete(t.state.Files, rel)
	}
	t.failed = nil
	t.removeMade()
	return nil
}

// close releases the lock and removes the temporary files of a run that
// did not commit.
func (t *transaction) close() {
	t.discard()
	if t.unlock != nil {
		t.unlock()
		t.unlock = nil
	}
}
