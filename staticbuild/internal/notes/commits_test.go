package notes

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// env is the environment the tests give git: the PATH to find it and a
// HOME of its own, so no user's configuration counts.
func env(t *testing.T) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
}

// repo makes a git repository in a new directory and returns it.
func repo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	testmod.Git(t, dir, "init", "-q", "-b", "main")
	return dir
}

// commit writes file (relative to dir) with content and commits it with
// the message msg. It returns the commit's hash.
func commit(t *testing.T, dir, file, content, msg string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	testmod.Git(t, dir, "add", "-A")
	testmod.Git(t, dir, "commit", "-q", "-m", msg)
	return strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD"))
}

func short(h string) string { return h[:7] }

func TestFromCommits(t *testing.T) {
	dir := repo(t)
	commit(t, dir, "a", "1", "feat: the first feature")
	testmod.Git(t, dir, "tag", "v1.0.0")
	feat := commit(t, dir, "a", "2", "feat(api): add the list call")
	fix := commit(t, dir, "b", "1", "fix: close the file on error")
	testmod.Git(t, dir, "tag", "v1.1.0-rc.1")
	perf := commit(t, dir, "b", "2", "perf(cache)!: hash in one pass")
	chore := commit(t, dir, "c", "1", "chore: update the dependencies")
	plain := commit(t, dir, "c", "2", "Tidy the README")
	footer := commit(t, dir, "c", "3", "Refactor: rename Options\n\nThe long explanation.\n\nBREAKING CHANGE: Options is now Config\nand its fields moved.\nReviewed-by: someone")
	// A merge commit is left out, the commit it merges is not.
	testmod.Git(t, dir, "checkout", "-q", "-b", "side")
	side := commit(t, dir, "d", "1", "FIX: a fix made on a branch")
	testmod.Git(t, dir, "checkout", "-q", "main")
	testmod.Git(t, dir, "merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side")
	testmod.Git(t, dir, "tag", "v1.1.0")
	// A later tag and another prefix's tag do not count.
	commit(t, dir, "e", "1", "feat: after the release")
	testmod.Git(t, dir, "tag", "v1.2.0")
	testmod.Git(t, dir, "tag", "tools/v9.0.0")

	got, err := FromCommits(context.Background(), dir, env(t), "v1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	want := `## Breaking changes

- rename Options — Options is now Config and its fields moved. (` + short(footer) + `)
- **cache:** hash in one pass (` + short(perf) + `)

## Features

- **api:** add the list call (` + short(feat) + `)

## Bug fixes

- a fix made on a branch (` + short(side) + `)
- close the file on error (` + short(fix) + `)

## Other changes

- Tidy the README (` + short(plain) + `)
- chore: update the dependencies (` + short(chore) + `)
`
	if got != want {
		t.Errorf("notes of v1.1.0:\n%s\nwant:\n%s", got, want)
	}

	// A pre-release's notes start at the previous version of any kind.
	n, err := Read(context.Background(), dir, env(t), "v1.1.0-rc.1")
	if err != nil {
		t.Fatal(err)
	}
	if n.Previous != "v1.0.0" || len(n.Commits) != 2 || n.Commits[0].Hash != fix || n.Commits[1].Hash != feat {
		t.Errorf("v1.1.0-rc.1: previous %q, commits %+v: want v1.0.0 and the two commits after it", n.Previous, n.Commits)
	}
	// A release after a release candidate skips it.
	n, err = Read(context.Background(), dir, env(t), "v1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if n.Previous != "v1.0.0" || n.PreviousVersion != "v1.0.0" || n.Version != "v1.1.0" {
		t.Errorf("v1.1.0: previous %q (%q), version %q: want v1.0.0 and v1.1.0", n.Previous, n.PreviousVersion, n.Version)
	}
}

func TestFirstRelease(t *testing.T) {
	dir := repo(t)
	a := commit(t, dir, "a", "1", "initial")
	b := commit(t, dir, "a", "2", "feat: more")
	testmod.Git(t, dir, "tag", "v0.1.0")
	n, err := Read(context.Background(), dir, env(t), "v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if n.Previous != "" || len(n.Commits) != 2 || n.Commits[0].Hash != b || n.Commits[1].Hash != a {
		t.Errorf("first release: previous %q, commits %+v: want none and both commits", n.Previous, n.Commits)
	}
}

func TestNoChanges(t *testing.T) {
	dir := repo(t)
	commit(t, dir, "a", "1", "initial")
	testmod.Git(t, dir, "tag", "v1.0.0")
	testmod.Git(t, dir, "tag", "v1.0.1")
	got, err := FromCommits(context.Background(), dir, env(t), "v1.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if got != "No changes since v1.0.0.\n" {
		t.Errorf("notes of a tag on the previous tag's commit: %q", got)
	}
}

func TestNestedModule(t *testing.T) {
	dir := repo(t)
	commit(t, dir, "services/api/go.mod", "module example.com/api\n", "feat(api): start the api")
	testmod.Git(t, dir, "tag", "services/api/v1.0.0")
	commit(t, dir, "go.mod", "module example.com/top\n", "feat: the top module")
	testmod.Git(t, dir, "tag", "v1.5.0")
	api := commit(t, dir, "services/api/x.go", "package api\n", "fix(api): a fix in the api")
	commit(t, dir, "other/x.go", "package other\n", "fix: a fix elsewhere")
	testmod.Git(t, dir, "tag", "services/api/v1.0.1")
	testmod.Git(t, dir, "tag", "services/v3.0.0") // a parent directory's tag is another prefix

	// Read from a subdirectory: the prefix's directory is from the top.
	sub := filepath.Join(dir, "services", "api")
	n, err := Read(context.Background(), sub, env(t), "services/api/v1.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if n.Previous != "services/api/v1.0.0" || n.PreviousVersion != "v1.0.0" || n.Version != "v1.0.1" {
		t.Errorf("previous %q (%q), version %q: want services/api/v1.0.0", n.Previous, n.PreviousVersion, n.Version)
	}
	if len(n.Commits) != 1 || n.Commits[0].Hash != api {
		t.Errorf("commits %+v: want only the commit that changes services/api", n.Commits)
	}
	// The top module's previous release ignores the nested module's tags.
	commit(t, dir, "y", "1", "feat: more")
	testmod.Git(t, dir, "tag", "v1.6.0")
	n, err = Read(context.Background(), dir, env(t), "v1.6.0")
	if err != nil {
		t.Fatal(err)
	}
	if n.Previous != "v1.5.0" || len(n.Commits) != 3 {
		t.Errorf("top module: previous %q, %d commits: want v1.5.0 and 3", n.Previous, len(n.Commits))
	}
}

// TestNotAncestor checks that a higher version on another branch is not
// the previous release.
func TestNotAncestor(t *testing.T) {
	dir := repo(t)
	commit(t, dir, "a", "1", "initial")
	testmod.Git(t, dir, "tag", "v1.0.0")
	testmod.Git(t, dir, "checkout", "-q", "-b", "other")
	commit(t, dir, "b", "1", "on the other branch")
	testmod.Git(t, dir, "tag", "v1.0.5")
	testmod.Git(t, dir, "checkout", "-q", "main")
	c := commit(t, dir, "c", "1", "fix: on main")
	testmod.Git(t, dir, "tag", "v1.1.0")
	n, err := Read(context.Background(), dir, env(t), "v1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if n.Previous != "v1.0.0" || len(n.Commits) != 1 || n.Commits[0].Hash != c {
		t.Errorf("previous %q, commits %+v: want v1.0.0 and the one commit on main", n.Previous, n.Commits)
	}
}

func TestEnvironment(t *testing.T) {
	// git runs in the environment given: GIT_DIR there names the
	// repository, whatever dir is.
	dir := repo(t)
	commit(t, dir, "a", "1", "feat: in the repository GIT_DIR names")
	testmod.Git(t, dir, "tag", "v1.0.0")
	elsewhere := t.TempDir()
	n, err := Read(context.Background(), elsewhere, append(env(t), "GIT_DIR="+filepath.Join(dir, ".git")), "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Commits) != 1 || n.Commits[0].Description != "in the repository GIT_DIR names" {
		t.Errorf("commits %+v: want the commit of the repository GIT_DIR names", n.Commits)
	}
}

func TestReadErrors(t *testing.T) {
	dir := repo(t)
	commit(t, dir, "a", "1", "initial")
	testmod.Git(t, dir, "tag", "v1.0.0")
	testmod.Git(t, dir, "tag", "release-1")
	for _, c := range []struct{ tag, want string }{
		{"v2.0.0", "git tag v2.0.0"},
		{"release-1", "not a semantic version tag"},
		{"v1.2", "not a semantic version tag"},
		{"--all", "not a semantic version tag"},
	} {
		_, err := FromCommits(context.Background(), dir, env(t), c.tag)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromCommits(%q) = %v, want an error saying %q", c.tag, err, c.want)
		}
	}
	if _, err := Read(context.Background(), t.TempDir(), env(t), "v1.0.0"); err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("outside a repository: %v, want git's error", err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Read(context.Background(), dir, nil, "v1.0.0"); err == nil || !strings.Contains(err.Error(), "git is not installed") {
		t.Errorf("without git on PATH: %v", err)
	}
}

func TestShallowClone(t *testing.T) {
	dir := repo(t)
	commit(t, dir, "a", "1", "initial")
	testmod.Git(t, dir, "tag", "v1.0.0")
	commit(t, dir, "a", "2", "fix: a fix")
	testmod.Git(t, dir, "tag", "v1.0.1")
	clone := filepath.Join(t.TempDir(), "clone")
	testmod.Git(t, dir, "clone", "-q", "--depth", "1", "--branch", "v1.0.1", "file://"+dir, clone)
	_, err := Read(context.Background(), clone, env(t), "v1.0.1")
	if err == nil || !strings.Contains(err.Error(), "shallow clone") || !strings.Contains(err.Error(), "fetch-depth: 0") {
		t.Errorf("shallow clone without the previous tag: %v, want an error saying to fetch the history", err)
	}
}

func TestTemplate(t *testing.T) {
	dir := repo(t)
	commit(t, dir, "a", "1", "feat: one")
	h := commit(t, dir, "a", "2", "fix(x): two")
	testmod.Git(t, dir, "tag", "v1.0.0")
	n, err := Read(context.Background(), dir, env(t), "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Parse(`{{.Version}}:{{range .Commits}} {{.Type}}/{{.Scope}}/{{.Hash}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := n.Render(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "v1.0.0: fix/x/"+h+" feat//") {
		t.Errorf("custom template: %q", got)
	}
	if _, err := Parse(`{{.Version`); err == nil || !strings.Contains(err.Error(), "release notes template") {
		t.Errorf("bad template: %v", err)
	}
	tmpl, err = Parse(`{{.NoSuchField}}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Render(tmpl); err == nil || !strings.Contains(err.Error(), "NoSuchField") {
		t.Errorf("unknown field: %v", err)
	}
}
