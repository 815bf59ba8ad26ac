package staticbuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// The regression tests of the bugs TestSequence found, one per bug.

// flipByte flips a byte in the middle of a file, keeping its size and,
// when keepTime is set, its modification time, as a bit flip on disk or a
// copy that restores times does.
func flipByte(t *testing.T, name string, keepTime bool) {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x55
	if err := os.WriteFile(name, data, fi.Mode()); err != nil {
		t.Fatal(err)
	}
	if keepTime {
		if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
}

// releasedApp makes the one-program project tagged v1.0.0, releases it
// for linux/amd64 and returns its directory and configuration.
func releasedApp(t *testing.T) (string, Config) {
	t.Helper()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	cfg := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64")}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	return dir, cfg
}

// moveTag changes the program, commits and moves v1.0.0 to the commit.
func moveTag(t *testing.T, dir string) {
	t.Helper()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.Replace(testmod.Hello, `"hello"`, `"moved"`, 1)), 0o644)
	testmod.Git(t, dir, "commit", "-qam", "change")
	testmod.Git(t, dir, "tag", "-f", "v1.0.0")
}

// checkDistFiles checks that every file dist/artifacts.json lists has its
// SHA-256, and returns the list.
func checkDistFiles(t *testing.T, dist string) artifact.List {
	t.Helper()
	list, err := artifact.Read(filepath.Join(dist, manifestName))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		sum, err := archive.SHA256File(filepath.Join(dist, filepath.FromSlash(a.Path)))
		if err != nil || sum != a.SHA256 {
			t.Errorf("%s: SHA-256 %s (%v), artifacts.json says %s", a.Path, sum, err, a.SHA256)
		}
	}
	return list
}

// TestNoopReleaseRehashesFiles: a byte of an archive flipped with its size
// and time kept made the next release say "nothing changed" and ship the
// damaged archive, which SHA256SUMS no longer matched. The release must see
// the change and write the archive again.
func TestNoopReleaseRehashesFiles(t *testing.T) {
	t.Parallel()
	dir, cfg := releasedApp(t)
	dist := filepath.Join(dir, "dist")
	for _, name := range []string{"app_1.0.0_linux_amd64.tar.gz", "app_linux_amd64/app"} {
		flipByte(t, filepath.Join(dist, filepath.FromSlash(name)), true)
		log, _, err := release(t, cfg)
		if err != nil {
			t.Fatalf("%v\n%s", err, log)
		}
		if strings.Contains(log, "nothing changed") {
			t.Errorf("after %s was damaged the release said nothing changed:\n%s", name, log)
		}
		checkDistFiles(t, dist)
		if out, err := runIn(dist, "sha256sum", "--strict", "-c", "SHA256SUMS"); err != nil {
			t.Errorf("sha256sum -c after %s was damaged: %v\n%s", name, err, out)
		}
	}
}

// TestReleaseRemovesUnrecordedOldRelease: with the state file lost and a
// build's manifest over a release's, nothing recorded the old release's
// files, and the next release of a new version left them beside its own.
func TestReleaseRemovesUnrecordedOldRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	cfg := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64,windows/amd64")}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	dist := filepath.Join(dir, "dist")
	if err := os.Truncate(filepath.Join(dist, stateName), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := runBuild(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	testmod.Git(t, dir, "commit", "-q", "--allow-empty", "-m", "next")
	testmod.Git(t, dir, "tag", "v1.1.0")
	cfg.Environ = testEnv(envPlatforms + "=linux/amd64")
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	for name := range testmod.Tree(t, dist) {
		if strings.Contains(name, "1.0.0") || strings.Contains(name, "windows") {
			t.Errorf("the v1.1.0 release for linux/amd64 left %s in dist/", name)
		}
	}
	checkDistFiles(t, dist)
}

// TestShardsInOtherOutputDirs: the configuration's fingerprint covered
// Config.Dist, so shards released into their own directories on one
// machine (and merged into dist/) were refused as built "with another
// configuration".
func TestShardsInOtherOutputDirs(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello, ".gitignore": "/shards/\n"}, "v1.0.0")
	ctx := context.Background()
	platforms := []string{"linux/amd64", "windows/amd64"}
	for _, shard := range []string{"1/2", "2/2"} {
		cfg := Config{Dir: dir, Platforms: platforms, Shard: shard, Dist: "shards/" + shard[:1], Environ: testEnv(), Log: &bytes.Buffer{}}
		if _, err := runRelease(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	if _, err := runMerge(ctx, Config{Dir: dir, Platforms: platforms, MergeFrom: "shards", Environ: testEnv(), Log: &log}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if list := checkDistFiles(t, filepath.Join(dir, "dist")); len(list.Of(artifact.Archive)) != 2 {
		t.Errorf("the merge wrote %d archives, want 2", len(list.Of(artifact.Archive)))
	}
}

// TestDamagedCacheEntryNotUsed: the binary cache copied an entry without
// checking its bytes, so a damaged entry became the binary in dist/, with
// a checksum computed from the damaged file. A damaged entry must be
// removed and the binary built again.
func TestDamagedCacheEntryNotUsed(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	cache := t.TempDir()
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Environ: testEnv(envCache+"="+cache, envPlatforms+"=linux/amd64")}
	first, err := runCross(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := first.Artifacts[0].SHA256
	for _, how := range []string{"flipped", "truncated"} {
		var entries []string
		filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name() != "trim.txt" && !strings.HasSuffix(p, sumSuffix) {
				entries = append(entries, p)
			}
			return nil
		})
		if len(entries) != 1 {
			t.Fatalf("the cache holds %v, want one entry", entries)
		}
		if how == "flipped" {
			flipByte(t, entries[0], true)
		} else if err := os.Truncate(entries[0], 1000); err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(filepath.Join(dir, "dist"))
		log.Reset()
		r, err := runCross(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(log.String(), " cached ") {
			t.Errorf("the %s cache entry was used:\n%s", how, log.String())
		}
		if got := r.Artifacts[0].SHA256; got != want {
			t.Errorf("with the cache entry %s the binary has SHA-256 %s, want %s as built", how, got, want)
		}
		checkDistFiles(t, filepath.Join(dir, "dist"))
	}
}

// TestNoopReleaseRemovesTemps: a release with nothing to do returned
// before removing the temporary files a killed run had left in dist/, so
// they stayed after a successful run.
func TestNoopReleaseRemovesTemps(t *testing.T) {
	t.Parallel()
	dir, cfg := releasedApp(t)
	dist := filepath.Join(dir, "dist")
	// What a go build killed half-way leaves: a temporary file beside the
	// binary, and one at the top.
	left := []string{filepath.Join(dist, "app_linux_amd64", ".tmp-0123456789ab-app"), filepath.Join(dist, ".tmp-0123456789ab-SHA256SUMS")}
	for _, name := range left {
		if err := os.WriteFile(name, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log, _, err := release(t, cfg)
	if err != nil || !strings.Contains(log, "nothing changed") {
		t.Fatalf("want a no-op release, got %v:\n%s", err, log)
	}
	for _, name := range left {
		if _, err := os.Stat(name); err == nil {
			t.Errorf("%s is left after the release", name)
		}
	}
}

// TestReuseIgnoresManifestSums: a build reusing the binaries in dist/ took
// their checksums from artifacts.json, so a manifest damaged with its time
// kept (one hex digit of a binary's SHA-256 changed) was written again with
// the wrong checksum. The checksums must come from the state, which the
// files were checked against.
func TestReuseIgnoresManifestSums(t *testing.T) {
	t.Parallel()
	dir, cfg := releasedApp(t)
	dist := filepath.Join(dir, "dist")
	name := filepath.Join(dist, manifestName)
	list := checkDistFiles(t, dist)
	bin := list.Of(artifact.Binary)[0].SHA256
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	wrong := bin[:10] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", bin[10])+1)%16]) + bin[11:]
	data = bytes.Replace(data, []byte(bin), []byte(wrong), 1)
	if err := os.WriteFile(name, data, fi.Mode()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if _, err := runBuild(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	checkDistFiles(t, dist)
}

// TestFailedCommitLeavesNoManifest: a run killed or failing while it put
// its files in place left the old manifest over some new files, a mix that
// looked complete. The old manifest now goes first, so dist/ says it holds
// no complete run, and the next run completes it.
func TestFailedCommitLeavesNoManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir, cfg := releasedApp(t)
	testmod.Git(t, dir, "commit", "-q", "--allow-empty", "-m", "next")
	testmod.Git(t, dir, "tag", "v1.1.0")
	// A directory where the new archive goes makes its rename fail after
	// SHA256SUMS, which sorts first, was put in place.
	dist := filepath.Join(dir, "dist")
	block := filepath.Join(dist, "app_1.1.0_linux_amd64.tar.gz")
	if err := os.MkdirAll(filepath.Join(block, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err := release(t, cfg)
	wantErr(t, err, "app_1.1.0_linux_amd64.tar.gz", "dist/ is incomplete")
	if strings.Contains(err.Error(), "nothing was published") {
		t.Errorf("the failed release says nothing was published: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dist, manifestName)); err == nil {
		checkDistFiles(t, dist)
		t.Errorf("the failed release left %s beside the files it put in place", manifestName)
	}
	if err := os.RemoveAll(block); err != nil {
		t.Fatal(err)
	}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	for _, a := range checkDistFiles(t, dist) {
		if a.Version != "v1.1.0" {
			t.Errorf("%s is of %s after the v1.1.0 release", a.Path, a.Version)
		}
	}
}

// TestDamagedStateIsNotRead: the state file was read without a check, so a
// flipped byte that still parsed reached the build: with "stampsVersion"
// damaged in the cached go list result, the next cross left the version
// out of the binary, whose bytes then differed for the same commit and
// version. A damaged state must count as none.
func TestDamagedStateIsNotRead(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	cfg := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64")}
	var log bytes.Buffer
	cfg.Log = &log
	if _, err := runCross(context.Background(), cfg); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	dist := filepath.Join(dir, "dist")
	bin := filepath.Join(dist, "app_linux_amd64", "app")
	want, err := archive.SHA256File(bin)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dist, stateName)
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Replace(data, []byte(`"stampsVersion"`), []byte(`"stampsVersioN"`), 1)
	if bytes.Equal(damaged, data) {
		t.Fatalf("the state file has no stampsVersion to damage:\n%s", data)
	}
	if err := os.WriteFile(name, damaged, fi.Mode()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	// Without its manifest, dist/ is not up to date as a whole, so the
	// cross looks at each binary.
	if err := os.Remove(filepath.Join(dist, manifestName)); err != nil {
		t.Fatal(err)
	}
	if len(readState(dist).Files) != 0 {
		t.Error("readState took the damaged state file for a state")
	}
	if _, err := runCross(context.Background(), cfg); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if got, err := archive.SHA256File(bin); err != nil || got != want {
		t.Errorf("after the state file was damaged, cross made %s with SHA-256 %s (%v), the cross before made %s", bin, got, err, want)
	}
	if out := testmod.Run(t, dist, bin, "--version"); !strings.Contains(out, "1.0.0") {
		t.Errorf("app --version after the damaged state: %q, want 1.0.0", out)
	}
}

// TestRepublishRefusedWithoutState: with the state file lost (truncated,
// then dropped as damaged) and the tag moved to another commit, the next
// release published the same version with other bytes, as nothing but the
// state remembered the version; and once that was fixed, a cross in
// between, which replaces the release's manifest, made it forget again.
// The first run after the state is lost must take the version from the
// manifest of the release in dist/ into the state.
func TestRepublishRefusedWithoutState(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir, cfg := releasedApp(t)
	dist := filepath.Join(dir, "dist")
	before, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dist, stateName), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := runCross(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	moveTag(t, dir)
	_, _, err = release(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "v1.0.0 was published before with other bytes") || !strings.Contains(err.Error(), "app_1.0.0_linux_amd64.tar.gz") {
		t.Fatalf("err = %v, want a refusal naming the archive", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dist, "SHA256SUMS")); !bytes.Equal(after, before) {
		t.Errorf("the refused release changed SHA256SUMS:\n%s\nwas:\n%s", after, before)
	}
	checkDistFiles(t, dist)
	cfg.Replace = true
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("with Replace: %v\n%s", err, log)
	}
}

// cancelOn is a log that cancels a run when a line containing want is
// written.
type cancelOn struct {
	want   string
	cancel context.CancelFunc
	log    strings.Builder
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.log.Write(p)
	if strings.Contains(string(p), c.want) {
		c.cancel()
	}
	return len(p), nil
}

// TestCancelAfterBuildFails: a build interrupted after its builds and
// before its manifest reported success, with nothing written, so a
// damaged file of the release it left in dist/ looked like the output of
// a successful run. It must fail, saying it was cancelled.
func TestCancelAfterBuildFails(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir, cfg := releasedApp(t)
	dist := filepath.Join(dir, "dist")
	before, err := os.ReadFile(filepath.Join(dist, manifestName))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"are up to date", "binaries in"} {
		if line == "binaries in" {
			os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.Replace(testmod.Hello, `"hello"`, `"edited"`, 1)), 0o644)
		}
		ctx, cancel := context.WithCancel(context.Background())
		log := &cancelOn{want: line, cancel: cancel}
		cfg.Log = log
		_, err := runCross(ctx, cfg)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "cancelled") {
			t.Errorf("cross cancelled after the line %q: err = %v, want a cancellation\n%s", line, err, log.log.String())
		}
		if after, _ := os.ReadFile(filepath.Join(dist, manifestName)); !bytes.Equal(after, before) {
			t.Errorf("the cancelled cross (at %q) changed artifacts.json", line)
		}
	}
	checkDistFiles(t, dist)
}

// TestRepublishRefusedUnderOtherNames: a version released with one archive
// name template, then again with another, kept the record of the second
// release only, so once the tag moved, a release with the first template
// published the first files again with other bytes. The record of a
// version must keep every file it was ever published with.
func TestRepublishRefusedUnderOtherNames(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	dashed := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64")}
	dashed.Archive.Name = "{{.Name}}-{{.Version}}-{{.OS}}-{{.Arch}}"
	plain := Config{Dir: dir, Environ: dashed.Environ}
	for _, cfg := range []Config{dashed, plain} {
		if log, _, err := release(t, cfg); err != nil {
			t.Fatalf("%v\n%s", err, log)
		}
	}
	moveTag(t, dir)
	_, _, err := release(t, dashed)
	if err == nil || !strings.Contains(err.Error(), "v1.0.0 was published before with other bytes") || !strings.Contains(err.Error(), "app-1.0.0-linux-amd64.tar.gz") {
		t.Fatalf("err = %v, want a refusal naming the dashed archive", err)
	}
}
