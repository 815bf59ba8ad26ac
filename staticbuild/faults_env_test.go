//go:build linux

package staticbuild_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestBrokenEnvironment breaks one thing the targets need at a time and
// checks that the run fails with one error that names it, before any
// build starts or instead of one failure per platform. The targets run in
// the magefile compiled beforehand, so that only they see the breakage.
func TestBrokenEnvironment(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	dir := testmod.New(t, "", "envapp", map[string]string{
		"main.go":     helloWith("\t\"golang.org/x/sync/errgroup\"\n", "\tvar g errgroup.Group\n\tg.Wait()\n"),
		"magefile.go": testmod.Magefile,
	}, "v1.0.0")
	bin := compileMagefile(t, dir)
	const platforms = "MAGESTATIC_PLATFORMS=linux/amd64,darwin/arm64,windows/amd64"
	run := func(t *testing.T, dir string, env []string, mounts []string, target string) outcome {
		t.Helper()
		cmd, out := faultCmd(t, dir, env, bin, target)
		if len(mounts) > 0 {
			inNamespace(t, cmd, mounts...)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return finish(t, cmd, out, start, 3*time.Minute)
	}
	observe := func(t *testing.T, o outcome, cause string) {
		t.Helper()
		t.Logf("observed: %s: exit %d after %.1fs, no build started: %q", cause, o.code, o.took.Seconds(), lastError(o.out))
	}

	t.Run("go not on PATH", func(t *testing.T) {
		git, err := exec.LookPath("git")
		if err != nil {
			t.Fatal(err)
		}
		path := t.TempDir()
		if err := os.Symlink(git, filepath.Join(path, "git")); err != nil {
			t.Fatal(err)
		}
		o := run(t, dir, faultEnv(platforms, "PATH="+path), nil, "cross")
		expectFailure(t, o, `the go command "go" is not on PATH`, "install Go")
		noBuildStarted(t, o.out)
		exactlyOnce(t, o.out, "is not on PATH")
		observe(t, o, "go not on PATH")
	})

	t.Run("unwritable dist", func(t *testing.T) {
		dist := filepath.Join(dir, "dist")
		if err := os.MkdirAll(dist, 0o755); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dist)
		o := run(t, dir, faultEnv(platforms), []string{"ro:" + dist}, "cross")
		expectFailure(t, o, "the output directory is not writable", "read-only file system")
		noBuildStarted(t, o.out)
		observe(t, o, "read-only dist/")
	})

	t.Run("unwritable GOCACHE", func(t *testing.T) {
		cache := t.TempDir()
		o := run(t, dir, faultEnv(platforms, "GOCACHE="+cache), []string{"ro:" + cache}, "cross")
		expectFailure(t, o, "the build cache cannot be written (GOCACHE="+cache+")", "read-only file system")
		noBuildStarted(t, o.out)
		observe(t, o, "read-only GOCACHE, first run")

		// A run that knows the main package from the last one runs no go
		// list; the cache must still be named once, before any build.
		defer os.RemoveAll(filepath.Join(dir, "dist"))
		if o := run(t, dir, faultEnv("MAGESTATIC_PLATFORMS=linux/amd64"), nil, "cross"); o.code != 0 {
			t.Fatalf("cross with a working cache exited %d:\n%s", o.code, o.out)
		}
		o = run(t, dir, faultEnv(platforms, "GOCACHE="+cache), []string{"ro:" + cache}, "cross")
		expectFailure(t, o, "the build cache cannot be written (GOCACHE="+cache+")", "read-only file system")
		noBuildStarted(t, o.out)
		observe(t, o, "read-only GOCACHE, main package known")
	})

	t.Run("full GOCACHE", func(t *testing.T) {
		cache := t.TempDir()
		o := run(t, dir, faultEnv(platforms, "GOCACHE="+cache), []string{"tmpfs:256k:" + cache}, "cross")
		expectFailure(t, o, "the build cache cannot be written (GOCACHE="+cache+")", "no space left on device")
		noBuildStarted(t, o.out)
		observe(t, o, "GOCACHE on a full 256 KiB disk")
	})

	t.Run("module cannot be downloaded", func(t *testing.T) {
		o := run(t, dir, faultEnv(platforms, "GOPROXY=off", "GOMODCACHE="+t.TempDir(), "GOFLAGS=-mod=mod"), nil, "cross")
		expectFailure(t, o, "the main package example.com/envapp cannot be loaded",
			"example.com/envapp (main.go:4:2): module lookup disabled by GOPROXY=off")
		noBuildStarted(t, o.out)
		observe(t, o, "GOPROXY=off with an empty module cache")
	})

	t.Run("not a git repository", func(t *testing.T) {
		plain := filepath.Join(t.TempDir(), "plain")
		copyTree(t, dir, plain, ".git", "dist")
		// Outside git there is no commit time to date the archives with,
		// nor a tag to release; each is named, with its fix.
		o := run(t, plain, faultEnv(platforms), nil, "release")
		expectFailure(t, o, "is not in a git repository", "SOURCE_DATE_EPOCH")
		noBuildStarted(t, o.out)
		observe(t, o, "release outside git")
		o = run(t, plain, faultEnv(platforms, "SOURCE_DATE_EPOCH=1767323045"), nil, "release")
		expectFailure(t, o, "is not in a git repository", "MAGESTATIC_SNAPSHOT=1")
		noBuildStarted(t, o.out)
		observe(t, o, "release outside git with SOURCE_DATE_EPOCH")
		if _, err := os.Stat(filepath.Join(plain, "dist", "artifacts.json")); err == nil {
			t.Error("a release that failed before building wrote a manifest")
		}
	})

	t.Run("shallow clone without tags", func(t *testing.T) {
		clone := filepath.Join(t.TempDir(), "clone")
		testmod.Run(t, dir, "git", "clone", "-q", "--depth=1", "--no-tags", "file://"+dir, clone)
		o := run(t, clone, faultEnv(platforms), nil, "release")
		expectFailure(t, o, "has no tag in this shallow clone", "git fetch --tags")
		noBuildStarted(t, o.out)
		observe(t, o, "release in a shallow clone without tags")
	})
}

// exactlyOnce fails the test unless s occurs exactly once in out.
func exactlyOnce(t *testing.T, out, s string) {
	t.Helper()
	if n := strings.Count(out, s); n != 1 {
		t.Errorf("%q occurs %d times, want once:\n%s", s, n, out)
	}
}

// lastError returns the last error mage printed, on one line.
func lastError(out string) string {
	i := strings.LastIndex(out, "Error: ")
	if i < 0 {
		return ""
	}
	return strings.Join(strings.Fields(out[i+len("Error: "):]), " ")
}

// copyTree copies the regular files below src to dst, leaving out the
// top-level entries named in skip.
func copyTree(t *testing.T, src, dst string, skip ...string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		for _, s := range skip {
			if rel == s {
				return filepath.SkipDir
			}
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
