package stamp

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// age moves the times of the files and directories below dir that
// changed in the last minute an hour back, as if the repository had been
// left alone since (a memo is kept only of files whose times tell them
// from a later change), keeping them apart from those of earlier and
// later changes.
func age(t *testing.T, dir string) {
	t.Helper()
	now := time.Now()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil || now.Sub(fi.ModTime()) > time.Minute {
			return err
		}
		old := fi.ModTime().Add(-time.Hour)
		return os.Chtimes(path, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// gitRuns returns the git commands a GIT_TRACE2_EVENT log records, and
// empties it.
func gitRuns(t *testing.T, log string) []string {
	t.Helper()
	data, _ := os.ReadFile(log)
	os.Remove(log)
	var runs []string
	for line := range strings.Lines(string(data)) {
		if _, argv, ok := strings.Cut(line, `"event":"start"`); ok {
			if _, a, ok := strings.Cut(argv, `"argv":["git","`); ok {
				name, _, _ := strings.Cut(a, `"`)
				runs = append(runs, name)
			}
		}
	}
	return runs
}

// TestReadMemo reads a repository with a memo after each of the changes a
// stamp depends on, and checks that the memo gives what a full read gives,
// that a read whose memo holds runs git status and no other git, and that
// a change to HEAD, the tags or the layout is never answered from it.
func TestReadMemo(t *testing.T) {
	dir := repo(t)
	module(t, dir, "example.com/app")
	write(t, filepath.Join(dir, "a.txt"), "a")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "one")
	run(t, dir, "git", "tag", "v1.0.0")
	log := filepath.Join(t.TempDir(), "trace2.json")
	env := append(os.Environ(), "GIT_TRACE2_EVENT="+log)
	ctx := context.Background()
	var memo Memo
	check := func(what string, sde string, wantGits string) Stamp {
		t.Helper()
		got, err := ReadMemo(ctx, dir, sde, env, &memo)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if gits := strings.Join(gitRuns(t, log), " "); wantGits != "" && gits != wantGits {
			t.Errorf("%s: ran git %s, want git %s", what, gits, wantGits)
		}
		want, err := Read(ctx, dir, sde, env)
		gitRuns(t, log)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: with the memo\n%+v\nwithout\n%+v", what, got, want)
		}
		return got
	}

	// Files changed a moment ago: no memo is kept.
	check("a new repository", "", "")
	if memo.Key != "" {
		t.Errorf("a memo was kept of refs changed a moment ago")
	}
	age(t, dir)
	check("the first read", "", "")
	if memo.Key == "" {
		t.Fatal("no memo was kept")
	}
	if s := check("nothing changed", "", "status"); s.Version != "v1.0.0" || s.GoVersion != "v1.0.0" {
		t.Errorf("nothing changed: %+v", s)
	}
	if s := check("with SOURCE_DATE_EPOCH", "1700000000", "status"); s.Time.Unix() != 1700000000 {
		t.Errorf("SOURCE_DATE_EPOCH: time %v", s.Time)
	}

	write(t, filepath.Join(dir, "a.txt"), "changed")
	write(t, filepath.Join(dir, "new.txt"), "new")
	if s := check("a change", "", "status"); s.Version != "v1.0.0-dirty" || s.GoVersion != "v1.0.0+dirty" || strings.Join(s.Changes, ",") != "a.txt,new.txt" {
		t.Errorf("a change: %+v", s)
	}

	// A tag added to HEAD: the refs changed.
	run(t, dir, "git", "tag", "v1.1.0")
	age(t, dir)
	if s := check("a new tag", "", ""); s.Version != "v1.1.0-dirty" {
		t.Errorf("a new tag: version %q, want v1.1.0-dirty", s.Version)
	}
	check("the new tag again", "", "status")

	// A commit: HEAD moved.
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "two")
	age(t, dir)
	if s := check("a commit", "", ""); !strings.HasPrefix(s.Version, "v1.1.0-1-g") {
		t.Errorf("a commit: version %q", s.Version)
	}
	check("the commit again", "", "status")

	// Tags packed, then one moved to HEAD: packed-refs and refs/tags
	// changed.
	run(t, dir, "git", "pack-refs", "--all")
	age(t, dir)
	check("tags packed", "", "")
	run(t, dir, "git", "tag", "-f", "v1.0.0")
	age(t, dir)
	if s := check("a moved tag", "", ""); s.Version != "v1.0.0" {
		t.Errorf("a moved tag: version %q, want v1.0.0", s.Version)
	}

	// A packed tag deleted: only packed-refs changed.
	run(t, dir, "git", "pack-refs", "--all")
	age(t, dir)
	check("tags packed again", "", "")
	run(t, dir, "git", "tag", "-d", "v1.0.0")
	age(t, dir)
	if s := check("a packed tag deleted", "", ""); !strings.HasPrefix(s.Version, "v1.1.0-1-g") {
		t.Errorf("a packed tag deleted: version %q", s.Version)
	}

	// go.mod changed: the module's path decides GoVersion.
	run(t, dir, "git", "tag", "v2.0.0")
	age(t, dir)
	check("v2.0.0", "", "")
	module(t, dir, "example.com/app/v2")
	run(t, dir, "git", "commit", "-qam", "v2")
	run(t, dir, "git", "tag", "-f", "v2.0.0")
	age(t, dir)
	if s := check("a major version", "", ""); s.GoVersion != "v2.0.0" {
		t.Errorf("a major version: GoVersion %q", s.GoVersion)
	}

	// A nested repository: the top moved.
	sub := filepath.Join(dir, "sub")
	os.MkdirAll(sub, 0o755)
	dir = sub
	run(t, dir, "git", "init", "-q")
	write(t, filepath.Join(dir, "x.txt"), "x")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "sub")
	age(t, dir)
	if s := check("a nested repository", "", ""); s.Top != sub {
		t.Errorf("a nested repository: top %q, want %q", s.Top, sub)
	}
}
