//go:build windows

package staticbuild

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// envLockHolder makes the test binary a run that takes the lock of the
// project in the variable's directory and holds it until it is killed.
const envLockHolder = "MAGESTATIC_TEST_LOCK_HOLDER"

// TestLockWaitsForKilledHolder starts a second process that takes the
// lock on dist/ (in a directory with spaces, under a drive letter), checks
// that this process's run waits for it, saying who holds it, and that it
// gets the lock once the holder is killed with TerminateProcess.
func TestLockWaitsForKilledHolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my project", "app")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if filepath.VolumeName(dir) == "" {
		t.Fatalf("%s has no drive letter", dir)
	}
	holder := exec.Command(os.Args[0], "-test.run=^TestLockHolder$")
	holder.Env = append(os.Environ(), envLockHolder+"="+dir)
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "holding") {
		t.Fatalf("the holder said %q (%v)", line, err)
	}

	var log bytes.Buffer
	r, err := resolve(Config{Dir: dir, Environ: testEnv(), Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err = r.tx.lock(ctx, r.Logf, r.relDist())
	if err == nil || !strings.Contains(err.Error(), "gave up waiting for another magestatic run") {
		t.Fatalf("lock while another process holds it: %v", err)
	}
	want := "waiting for another magestatic run (pid " + strconv.Itoa(holder.Process.Pid) + ") to finish with dist"
	if !strings.Contains(log.String(), want) {
		t.Errorf("the waiting run said %q, want %q", log.String(), want)
	}

	holder.Process.Kill()
	holder.Wait()
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.tx.lock(ctx, r.Logf, r.relDist()); err != nil {
		t.Fatalf("lock after the holder was killed: %v", err)
	}
	t.Logf("waited for pid %d, then took the lock on %s once it was killed", holder.Process.Pid, filepath.Join(dir, "dist", lockName))
}

// TestLockHolder is the process TestLockWaitsForKilledHolder starts.
func TestLockHolder(t *testing.T) {
	dir := os.Getenv(envLockHolder)
	if dir == "" {
		t.Skip("started by TestLockWaitsForKilledHolder")
	}
	r, err := resolve(Config{Dir: dir, Environ: testEnv(), Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.tx.lock(context.Background(), r.Logf, r.relDist()); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("holding\n")
	time.Sleep(time.Hour)
}
