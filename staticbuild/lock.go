package staticbuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// lockName is the lock file in the output directory.
const lockName = ".lock"

// lock takes the output directory's lock, so that two runs in one project
// never write dist/ at once. A second run waits for the first, saying so
// once, until ctx ends. The operating system releases the lock when its
// holder exits, however it exits, so a killed run never blocks the next.
// close releases it. It says that it waits with logf, naming the
// directory as shown.
func (t *transaction) lock(ctx context.Context, logf func(string, ...any), shown string) error {
	if t.unlock != nil {
		return nil
	}
	if err := os.MkdirAll(t.dist, 0o755); err != nil {
		return fmt.Errorf("creating the output directory: %w", err)
	}
	name := filepath.Join(t.dist, lockName)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("the output directory is not writable: %w", err)
	}
	said := false
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return fmt.Errorf("locking %s: %w", name, err)
		}
		if ok {
			break
		}
		if !said {
			holder, _ := os.ReadFile(name)
			logf("waiting for another magestatic run (%s) to finish with %s\n", describeHolder(holder), shown)
			said = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return fmt.Errorf("gave up waiting for another magestatic run to release %s: %w", name, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
	// Written, then cut to length: truncating a file to nothing first
	// costs a journal commit on some file systems.
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	f.WriteAt(pid, 0)
	f.Truncate(int64(len(pid)))
	// Another run may have changed dist/ since New read its state: read it
	// again, keeping what this run learned from the go command and git.
	l, refreshed := t.state.learned, t.state.refreshed
	t.state = readState(t.dist)
	t.state.learned, t.state.refreshed = l, refreshed
	t.unlock = func() { f.Close() }
	return nil
}

func describeHolder(b []byte) string {
	pid := strings.TrimSpace(string(b))
	if pid == "" {
		return "pid unknown"
	}
	return "pid " + pid
}

// withMargin returns a context that ends a little before ctx's deadline,
// if it has one, so that a timeout such as mage -t leaves time to kill the
// builds and remove their temporary files before mage exits.
func withMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(time.Until(dl)/10, time.Second)
	return context.WithDeadlineCause(ctx, dl.Add(-margin), fmt.Errorf("timed out (mage -t): the deadline is %s", dl.Format(time.TimeOnly)))
}
