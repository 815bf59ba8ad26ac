//go:build linux

package staticbuild_test

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestConcurrentRuns checks the lock on dist/: a second run waits for the
// first, saying so, and gives up only at its own deadline; two releases
// started together leave dist/ exactly as one release does.
func TestConcurrentRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	files := map[string]string{
		"main.go":      slowImport("example.com/lockapp"),
		"slow/slow.go": slowSource(randomHex(8), 1500),
		"README.md":    "# lockapp\n",
		"magefile.go":  testmod.Magefile,
	}
	dir := testmod.New(t, "", "lockapp", files, "v1.0.0")
	if o := goMage(t, dir, faultEnv(), "-l"); o.code != 0 {
		t.Fatalf("mage -l exited %d:\n%s", o.code, o.out)
	}
	env := []string{"MAGESTATIC_PLATFORMS=linux/amd64,darwin/arm64,windows/amd64"}
	dist := filepath.Join(dir, "dist")

	t.Run("waits for the holder", func(t *testing.T) {
		release := holdLock(t, dist)
		marker := randomHex(8)
		cmd, out := faultCmd(t, dir, faultEnv(append(env, faultMarker+"="+marker)...), "go", "tool", "mage", "cross")
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		want := "waiting for another magestatic run (pid " + strconv.Itoa(os.Getpid()) + ") to finish with dist"
		said := waitOutput(t, out, want, 3*time.Minute)
		time.Sleep(time.Second)
		if ps := toolchainOf(marked(marker)); len(ps) > 0 {
			t.Errorf("the waiting run started builds: %v", ps)
		}
		if d := inspectDist(t, dist); len(d.binaries) > 0 {
			t.Errorf("the waiting run wrote binaries: %v", d.binaries)
		}
		released := time.Since(start)
		release()
		o := finish(t, cmd, out, start, 3*time.Minute)
		if o.code != 0 {
			t.Fatalf("the run exited %d after the lock was released:\n%s", o.code, o.out)
		}
		exactlyOnce(t, o.out, "waiting for another magestatic run")
		d := inspectDist(t, dist)
		if len(d.binaries) != 3 || len(d.partial)+len(d.temp) > 0 {
			t.Errorf("dist/ holds %+v", d)
		}
		t.Logf("observed: a run started while the lock was held said %q after %.1fs, started no build while waiting, and built %d binaries %.1fs after the lock was released",
			want, said.Seconds(), len(d.binaries), (o.took - released).Seconds())
	})

	t.Run("gives up at mage -t", func(t *testing.T) {
		release := holdLock(t, dist)
		defer release()
		o := goMage(t, dir, faultEnv(env...), "-t", "3s", "cross")
		expectFailure(t, o, "waiting for another magestatic run", "gave up waiting for another magestatic run to release", "timed out (mage -t)")
		noBuildStarted(t, o.out)
		t.Logf("observed: with the lock held, mage -t 3s cross exited %d after %.1fs: %q", o.code, o.took.Seconds(), lastError(o.out))
	})

	t.Run("two releases at once", func(t *testing.T) {
		// A new version, whose slow package the first release takes a
		// few seconds to compile, holding the lock.
		if err := os.WriteFile(filepath.Join(dir, "slow", "slow.go"), []byte(slowSource(randomHex(8), 1500)), 0o644); err != nil {
			t.Fatal(err)
		}
		testmod.Git(t, dir, "commit", "-qam", "new salt")
		testmod.Git(t, dir, "tag", "v1.1.0")
		// Each mage that compiles the magefile writes mage_output_file.go
		// into the module and removes it when it exits, so two at once
		// remove each other's file, and a go build that runs meanwhile
		// records the tree as modified. With MAGEFILE_HASHFAST mage runs
		// the magefile it compiled before, into a cache of this test's.
		env := append(env, "MAGEFILE_HASHFAST=1", "MAGEFILE_CACHE="+t.TempDir())
		goMage(t, dir, faultEnv(env...), "verify")
		marker := randomHex(8)
		first, firstOut := faultCmd(t, dir, faultEnv(append(env, faultMarker+"="+marker)...), "go", "tool", "mage", "release")
		second, secondOut := faultCmd(t, dir, faultEnv(env...), "go", "tool", "mage", "release")
		start := time.Now()
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		defer syscall.Kill(-first.Process.Pid, syscall.SIGKILL)
		// Start the second once the first is building, which it does
		// holding the lock.
		deadline := time.Now().Add(3 * time.Minute)
		for !slices.ContainsFunc(marked(marker), compilingSlow) {
			if time.Now().After(deadline) {
				t.Fatal("the first release did not compile within 3 minutes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		secondAt := time.Since(start)
		if err := second.Start(); err != nil {
			t.Fatal(err)
		}
		defer syscall.Kill(-second.Process.Pid, syscall.SIGKILL)
		a := finish(t, first, firstOut, start, 5*time.Minute)
		b := finish(t, second, secondOut, start, 5*time.Minute)
		if a.code != 0 || b.code != 0 {
			t.Fatalf("the releases exited %d and %d:\n%s\n%s", a.code, b.code, a.out, b.out)
		}
		if !strings.Contains(b.out, "waiting for another magestatic run (pid ") {
			t.Errorf("the second release did not wait for the first:\n%s", b.out)
		}
		if !strings.Contains(b.out, "nothing changed since the last release") {
			// The inputs include the files of the magestatic checkout
			// that go.mod replaces the module with: editing one while
			// the test runs also gives this.
			t.Errorf("the second release did not find the first one's current:\n%s", b.out)
		}
		got := distFiles(t, dist)

		// One release alone, in a clone, for comparison: releases are
		// reproducible, so the trees must be equal byte for byte.
		clone := filepath.Join(t.TempDir(), "lockapp")
		testmod.Run(t, dir, "git", "clone", "-q", dir, clone)
		if o := goMage(t, clone, faultEnv(env...), "release"); o.code != 0 {
			t.Fatalf("the release in the clone exited %d:\n%s", o.code, o.out)
		}
		want := distFiles(t, filepath.Join(clone, "dist"))
		if !maps.Equal(got, want) {
			t.Errorf("dist/ after two releases at once differs from one release's:\n%v\nwant\n%v", got, want)
		}
		t.Logf("observed: two mage release at once (the second started at %.1fs, while the first was building): the second waited and then found the release current; exits %d and %d after %.1fs and %.1fs; dist/ held the %d files of one release, byte for byte",
			secondAt.Seconds(), a.code, b.code, a.took.Seconds(), b.took.Seconds(), len(got))
	})
}

// holdLock takes the lock on dist/.lock as a run of magestatic would,
// writing this process's pid, and returns the function that releases it.
func holdLock(t *testing.T, dist string) func() {
	t.Helper()
	if err := os.MkdirAll(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dist, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("locking %s: %v", f.Name(), err)
	}
	f.Truncate(0)
	f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return func() { f.Close() }
}

// waitOutput waits until the output file holds s and returns how long
// that took.
func waitOutput(t *testing.T, out *os.File, s string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		data, _ := os.ReadFile(out.Name())
		if strings.Contains(string(data), s) {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	data, _ := os.ReadFile(out.Name())
	t.Fatalf("the output did not say %q within %s:\n%s", s, limit, data)
	return 0
}

// distFiles returns the SHA-256 of every file of a release in dist,
// leaving out the lock and state files, which no release publishes.
func distFiles(t *testing.T, dist string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dist, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() == ".lock" || d.Name() == ".state.json" {
			return nil
		}
		rel, _ := filepath.Rel(dist, p)
		files[filepath.ToSlash(rel)] = fileSum(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
