package stamp

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z", "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func repo(t *testing.T) string {
	dir := t.TempDir()
	run(t, dir, "git", "init", "-q")
	run(t, dir, "git", "config", "user.email", "t@example.com")
	run(t, dir, "git", "config", "user.name", "t")
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "one")
	return dir
}

func TestRead(t *testing.T) {
	ctx := context.Background()
	dir := repo(t)
	want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	s, err := Read(ctx, dir, "", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if !s.Git || len(s.Commit) != 40 || s.Tag != "" || s.Dirty || !s.Time.Equal(want) {
		t.Errorf("untagged: %+v", s)
	}
	if s.Version != s.Commit[:12] {
		t.Errorf("untagged version = %q, want short hash %q", s.Version, s.Commit[:12])
	}
	if s.TimeString() != "2026-01-02T03:04:05Z" {
		t.Errorf("TimeString = %q", s.TimeString())
	}

	run(t, dir, "git", "tag", "v1.2.3")
	run(t, dir, "git", "tag", "v1.10.0-rc.1")
	run(t, dir, "git", "tag", "v1.10.0")
	s, err = Read(ctx, dir, "", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "v1.10.0" || s.Tag != "v1.10.0" {
		t.Errorf("tagged: version %q tag %q, want v1.10.0", s.Version, s.Tag)
	}

	os.WriteFile(filepath.Join(dir, "new.txt"), []byte("b"), 0o644)
	s, err = Read(ctx, dir, "1700000000", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if !s.Dirty || s.Version != "v1.10.0-dirty" || s.Time.Unix() != 1700000000 || len(s.Changes) != 1 || s.Changes[0] != "new.txt" {
		t.Errorf("dirty with SOURCE_DATE_EPOCH: %+v", s)
	}

	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("changed"), 0o644)
	s, err = Read(ctx, dir, "", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Changes, ",") != "a.txt,new.txt" {
		t.Errorf("changes = %q, want a.txt and new.txt", s.Changes)
	}
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "two")
	s, err = Read(ctx, dir, "", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Version, "v1.10.0-1-g") {
		t.Errorf("after tag: version %q, want v1.10.0-1-g...", s.Version)
	}
}

func TestReadOutsideGit(t *testing.T) {
	s, err := Read(context.Background(), t.TempDir(), "", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "dev" || s.Git || s.Commit != "" || !s.Time.IsZero() {
		t.Errorf("outside git: %+v", s)
	}
	if _, err := Read(context.Background(), t.TempDir(), "yesterday", os.Environ()); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("bad SOURCE_DATE_EPOCH: %v", err)
	}
}

// read calls Read and fails the test on an error.
func read(t *testing.T, dir string) Stamp {
	t.Helper()
	s, err := Read(context.Background(), dir, "", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReadNestedModule(t *testing.T) {
	dir := repo(t)
	api := filepath.Join(dir, "services", "api")
	module(t, dir, "example.com/app")
	module(t, api, "example.com/app/services/api")
	os.Mkdir(filepath.Join(api, "internal"), 0o755)
	write(t, filepath.Join(api, "internal", "x.go"), "package internal\n")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "modules")
	for _, tag := range []string{"v1.0.0", "services/api/v0.2.0", "services/api/v0.3.0", "services/api/latest", "services/api/v0.4"} {
		run(t, dir, "git", "tag", tag)
	}

	s := read(t, api)
	if s.Prefix != "services/api" || s.Version != "v0.3.0" || s.Tag != "services/api/v0.3.0" {
		t.Errorf("nested: prefix %q version %q tag %q, want services/api, v0.3.0, services/api/v0.3.0", s.Prefix, s.Version, s.Tag)
	}
	if got, want := strings.Join(s.Tags, " "), "services/api/latest services/api/v0.2.0 services/api/v0.3.0 services/api/v0.4 v1.0.0"; got != want {
		t.Errorf("Tags = %q, want %q", got, want)
	}
	if s := read(t, filepath.Join(api, "internal")); s.Prefix != "services/api" || s.Version != "v0.3.0" {
		t.Errorf("below the nested module: prefix %q version %q, want services/api and v0.3.0", s.Prefix, s.Version)
	}
	if s := read(t, dir); s.Prefix != "" || s.Version != "v1.0.0" || s.Tag != "v1.0.0" {
		t.Errorf("top: prefix %q version %q tag %q, want v1.0.0", s.Prefix, s.Version, s.Tag)
	}

	// A root tag on HEAD does not version the nested module, whose
	// describe-style version counts only its own tags.
	run(t, dir, "git", "commit", "-q", "--allow-empty", "-m", "two")
	run(t, dir, "git", "tag", "v1.1.0")
	s = read(t, api)
	if !strings.HasPrefix(s.Version, "v0.3.0-1-g") || s.Tag != "" {
		t.Errorf("nested after a commit tagged v1.1.0: version %q tag %q, want v0.3.0-1-g... and no tag", s.Version, s.Tag)
	}

	// The top ignores the nested module's tags, on HEAD and in describe.
	run(t, dir, "git", "commit", "-q", "--allow-empty", "-m", "three")
	run(t, dir, "git", "tag", "services/api/v0.5.0")
	s = read(t, dir)
	if !strings.HasPrefix(s.Version, "v1.1.0-1-g") || s.Tag != "" {
		t.Errorf("top with only a nested tag on HEAD: version %q tag %q, want v1.1.0-1-g... and no tag", s.Version, s.Tag)
	}
	if s := read(t, api); s.Version != "v0.5.0" {
		t.Errorf("nested: version %q, want v0.5.0", s.Version)
	}
	// A tag with a slash that names no directory is the top's.
	run(t, dir, "git", "tag", "release/candidate")
	if s := read(t, dir); s.Tag != "release/candidate" {
		t.Errorf("top with release/candidate on HEAD: tag %q", s.Tag)
	}
}

func TestReadMajorVersionDirectory(t *testing.T) {
	dir := repo(t)
	module(t, dir, "example.com/app")
	module(t, filepath.Join(dir, "v2"), "example.com/app/v2")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "v2")
	run(t, dir, "git", "tag", "v2.0.0")
	s := read(t, filepath.Join(dir, "v2"))
	if s.Prefix != "" || s.Version != "v2.0.0" || s.GoVersion != "v2.0.0" {
		t.Errorf("v2/: prefix %q version %q go version %q, want \"\", v2.0.0, v2.0.0", s.Prefix, s.Version, s.GoVersion)
	}
}

func TestReadNoCommits(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "git", "init", "-q")
	module(t, dir, "example.com/app")
	s, err := Read(context.Background(), dir, "", os.Environ())
	if err != nil {
		t.Fatalf("no commits: %v", err)
	}
	if !s.Git || !s.NoCommits || s.Version != "dev" || s.Commit != "" || !s.Time.IsZero() || s.Tag != "" || s.GoVersion != "" {
		t.Errorf("no commits: %+v", s)
	}
	if !s.Dirty || strings.Join(s.Changes, ",") != "go.mod,main.go" {
		t.Errorf("no commits: changes %q, want go.mod and main.go", s.Changes)
	}
	if s, _ := Read(context.Background(), dir, "1700000000", os.Environ()); s.Time.Unix() != 1700000000 {
		t.Errorf("no commits with SOURCE_DATE_EPOCH: time %v", s.Time)
	}
	if s := read(t, repo(t)); s.NoCommits {
		t.Errorf("NoCommits with a commit")
	}
}

func TestCheckVersion(t *testing.T) {
	for _, v := range []string{"v1.2.3", "v1.2.3-rc.1+build.5", "dev", "v1.2.3-4-g0123456789ab-dirty", "0.0.0-snapshot", "1.0_beta"} {
		if err := CheckVersion(v); err != nil {
			t.Errorf("CheckVersion(%q) = %v", v, err)
		}
	}
	for v, want := range map[string]string{
		"":          "empty",
		"v1/2":      `path separator '/'`,
		`v1\2`:      `path separator '\\'`,
		"v1 2":      "white space",
		"v1\t2":     "white space",
		"v1\x002":   "control character",
		"v1\x7f":    "control character",
		"v1..2":     `".."`,
		"..":        `".."`,
		"v1.2.3:4":  `character ':'`,
		"v1~2":      `character '~'`,
		"v1.0-é":    `character 'é'`,
		"v1.2.3\n":  "white space",
		"release@1": `character '@'`,
	} {
		err := CheckVersion(v)
		if err == nil {
			t.Errorf("CheckVersion(%q) accepted it", v)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, want) || !strings.Contains(msg, "v1.2.3") || v != "" && !strings.Contains(msg, strconv.Quote(v)) {
			t.Errorf("CheckVersion(%q) = %q, want it to name the version, %s and v1.2.3", v, msg, want)
		}
	}
}

// TestReadTakesNoIndexLock: git status, which Read runs, refreshes and
// rewrites the index when a file's time changed, under .git/index.lock; a
// run killed meanwhile (kill -9 of its process group, or Ctrl-C, which
// kills git through the context) left the lock behind, and every git
// command in the repository failed until it was removed by hand. Read
// must not write the index at all.
func TestReadTakesNoIndexLock(t *testing.T) {
	// A GIT_OPTIONAL_LOCKS=1 in the caller's environment is replaced.
	for _, env := range [][]string{os.Environ(), append(os.Environ(), "GIT_OPTIONAL_LOCKS=1")} {
		dir := repo(t)
		index := filepath.Join(dir, ".git", "index")
		before, err := os.Stat(index)
		if err != nil {
			t.Fatal(err)
		}
		later := before.ModTime().Add(time.Minute)
		if err := os.Chtimes(filepath.Join(dir, "a.txt"), later, later); err != nil {
			t.Fatal(err)
		}
		s, err := Read(context.Background(), dir, "", env)
		if err != nil {
			t.Fatal(err)
		}
		if s.Dirty {
			t.Errorf("a file with only a new time is taken for a change: %+v", s)
		}
		after, err := os.Stat(index)
		if err != nil {
			t.Fatal(err)
		}
		if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
			t.Errorf("Read with %s rewrote .git/index (%s, %d bytes; was %s, %d bytes): git took the index lock", env[len(env)-1], after.ModTime(), after.Size(), before.ModTime(), before.Size())
		}
	}
}

// TestReadGitGetsEnv: every git Read runs got the process's environment,
// not the one the caller resolved (Config.Environ): a configuration given
// there was ignored, and a variable of the process's that the caller's
// environment does not have reached git.
func TestReadGitGetsEnv(t *testing.T) {
	dir := repo(t)
	write(t, filepath.Join(dir, "new.txt"), "x")
	ignore := filepath.Join(t.TempDir(), "ignore")
	write(t, ignore, "new.txt\n")
	env := os.Environ()
	if s := read(t, dir); !s.Dirty {
		t.Fatalf("an untracked file is not a change: %+v", s)
	}
	// core.excludesFile, given to git in env only, hides new.txt.
	ignoring := append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=core.excludesFile", "GIT_CONFIG_VALUE_0="+ignore)
	s, err := Read(context.Background(), dir, "", ignoring)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dirty || len(s.Changes) != 0 || strings.HasSuffix(s.Version, "-dirty") {
		t.Errorf("git did not get core.excludesFile from env: %+v", s)
	}
	// A GIT_DIR the process has and env has not does not reach git.
	t.Setenv("GIT_DIR", filepath.Join(t.TempDir(), "no-repository"))
	s, err = Read(context.Background(), dir, "", env)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Git || s.Commit == "" {
		t.Errorf("git got the process's GIT_DIR: %+v", s)
	}
}

// TestReadShallow: Shallow says whether the repository is a shallow
// clone; release.go asked a git of its own, in the process's environment
// and without the run's context.
func TestReadShallow(t *testing.T) {
	dir := repo(t)
	if s := read(t, dir); s.Shallow {
		t.Errorf("a full repository is shallow: %+v", s)
	}
	url := filepath.ToSlash(dir)
	if !strings.HasPrefix(url, "/") {
		url = "/" + url
	}
	clone := filepath.Join(t.TempDir(), "clone")
	run(t, dir, "git", "clone", "-q", "--depth", "1", "file://"+url, clone)
	s := read(t, clone)
	if !s.Shallow || !s.Git || s.Top == "" {
		t.Errorf("a clone with --depth 1 is not shallow: %+v", s)
	}
	if sub := filepath.Join(clone, "sub"); os.Mkdir(sub, 0o755) == nil {
		if s := read(t, sub); !s.Shallow || s.Top != read(t, clone).Top {
			t.Errorf("in a subdirectory of a shallow clone: %+v", s)
		}
	}
}
