package stamp

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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

	s, err := Read(ctx, dir, "")
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
	s, err = Read(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "v1.10.0" || s.Tag != "v1.10.0" {
		t.Errorf("tagged: version %q tag %q, want v1.10.0", s.Version, s.Tag)
	}

	os.WriteFile(filepath.Join(dir, "new.txt"), []byte("b"), 0o644)
	s, err = Read(ctx, dir, "1700000000")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Dirty || s.Version != "v1.10.0-dirty" || s.Time.Unix() != 1700000000 || len(s.Changes) != 1 || s.Changes[0] != "new.txt" {
		t.Errorf("dirty with SOURCE_DATE_EPOCH: %+v", s)
	}

	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("changed"), 0o644)
	s, err = Read(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Changes, ",") != "a.txt,new.txt" {
		t.Errorf("changes = %q, want a.txt and new.txt", s.Changes)
	}
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "two")
	s, err = Read(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Version, "v1.10.0-1-g") {
		t.Errorf("after tag: version %q, want v1.10.0-1-g...", s.Version)
	}
}

func TestReadOutsideGit(t *testing.T) {
	s, err := Read(context.Background(), t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "dev" || s.Git || s.Commit != "" || !s.Time.IsZero() {
		t.Errorf("outside git: %+v", s)
	}
	if _, err := Read(context.Background(), t.TempDir(), "yesterday"); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("bad SOURCE_DATE_EPOCH: %v", err)
	}
}
