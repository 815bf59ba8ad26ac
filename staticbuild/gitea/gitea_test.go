package gitea

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/giteatest"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// These tests publish to a real Gitea (staticbuild/internal/giteatest),
// which .ci/gitea builds; without it they skip, except under CI=true.
// Starting a Gitea takes seconds, so with -short they skip.

var files = map[string]string{
	"cmd/app/main.go":  testmod.Hello,
	"cmd/tool/main.go": testmod.Hello,
}

// fixture is a test module whose origin is a repository of a running
// Gitea, with its branch and the tag v1.0.0 pushed.
type fixture struct {
	srv  *giteatest.Server
	repo string // owner/name
	dir  string
	env  []string // the run's environment: the matrix and the token
}

func newFixture(t *testing.T, ini ...string) *fixture {
	srv := giteatest.Start(t, ini...)
	f := &fixture{srv: srv, repo: srv.CreateRepo(t, "app")}
	f.dir = testmod.New(t, "", "app", files, "v1.0.0")
	testmod.Git(t, f.dir, "remote", "add", "origin", srv.URL+"/"+f.repo+".git")
	srv.Push(t, f.dir, f.repo, "HEAD:refs/heads/main", "refs/tags/v1.0.0")
	srv.WaitTag(t, f.repo, "v1.0.0")
	f.env = testmod.Environ(t, false,
		"MAGESTATIC_PLATFORMS=linux/amd64,windows/amd64,darwin/arm64",
		"MAGESTATIC_CACHE="+filepath.Join(t.TempDir(), "bincache"),
		"GITEA_TOKEN="+srv.Token, "FORGEJO_TOKEN=", "GITEA_ACTIONS=", "FORGEJO_ACTIONS=")
	return f
}

// release runs a release of the fixture's module with the gitea step.
func (f *fixture) release(rel Release, log io.Writer, extra ...string) (*staticbuild.Result, error) {
	cfg := staticbuild.Config{Dir: f.dir, Log: log, Steps: []staticbuild.Step{Step(rel)}, Environ: append(slices.Clip(f.env), extra...)}
	return cfg.Release(context.Background())
}

// apiRelease is a release as the test reads it from the API.
type apiRelease struct {
	ID     int64  `json:"id"`
	Tag    string `json:"tag_name"`
	Target string `json:"target_commitish"`
	Draft  bool   `json:"draft"`
	Assets []struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
		URL  string `json:"browser_download_url"`
	} `json:"assets"`
}

// releases returns every release of the repository, drafts included.
func (f *fixture) releases(t *testing.T) []apiRelease {
	var all []apiRelease
	f.srv.API(t, "GET", "/repos/"+f.repo+"/releases?limit=50", nil, &all, http.StatusOK)
	return all
}

// checkPublished checks that the repository has exactly one release, for
// v1.0.0, published, made for commit, whose assets are the files of the
// release in dist/ (every artifact but binaries), byte for byte.
func (f *fixture) checkPublished(t *testing.T, commit string) {
	t.Helper()
	rels := f.releases(t)
	if len(rels) != 1 {
		t.Fatalf("%d releases, want 1: %+v", len(rels), rels)
	}
	rel := rels[0]
	if rel.Tag != "v1.0.0" || rel.Draft || rel.Target != commit {
		t.Fatalf("release %s, draft %v, made for %s; want v1.0.0 published, made for %s", rel.Tag, rel.Draft, rel.Target, commit)
	}
	dist := filepath.Join(f.dir, "dist")
	list, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, a := range list {
		if a.Kind != artifact.Binary {
			want[path.Base(a.Path)] = a.Path
		}
	}
	if len(want) < 7 { // 3 archives, 6 SBOMs or 3, the checksums
		t.Fatalf("the release lists only %v", want)
	}
	seen := map[string]bool{}
	for _, a := range rel.Assets {
		p, ok := want[a.Name]
		if !ok || seen[a.Name] {
			t.Errorf("asset %s: no file of the release, or a second asset of that name", a.Name)
			continue
		}
		seen[a.Name] = true
		resp, err := http.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("downloading %s: %v %s", a.URL, err, resp.Status)
		}
		data, err := os.ReadFile(filepath.Join(dist, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("asset %s: %d bytes differ from dist/%s (%d bytes)", a.Name, len(got), p, len(data))
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("the release lacks %s", name)
		}
	}
}

// publishChild runs the Publish target in a child process, the test
// binary run as TestPublishChild, and returns it started; its output
// goes to out.
func (f *fixture) publishChild(t *testing.T, out io.Writer) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPublishChild$", "-test.v")
	cmd.Env = append(slices.Clip(f.env), "MAGESTATIC_GITEA_CHILD="+f.dir)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestPublishChild is the publisher TestPublishKilled starts and kills:
// the zero-configuration Publish target, which finds the server and the
// repository in the origin remote's URL.
func TestPublishChild(t *testing.T) {
	dir := os.Getenv("MAGESTATIC_GITEA_CHILD")
	if dir == "" {
		t.Skip("the publisher TestPublishKilled runs")
	}
	staticbuild.Project = staticbuild.Config{Dir: dir, Log: os.Stdout}
	if err := Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestPublish releases two binaries for three platforms with the gitea
// step and checks the published release against dist/, then checks that
// publishing again does nothing.
func TestPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	f := newFixture(t)
	var log strings.Builder
	r, err := f.release(Release{URL: f.srv.URL, Repo: f.repo}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	f.checkPublished(t, r.Commit)
	for _, line := range []string{"gitea: 127.0.0.1:", "created the draft release", "uploaded app_1.0.0_linux_amd64.tar.gz (", "published http://127.0.0.1:"} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("the log lacks %q:\n%s", line, log.String())
		}
	}
	if strings.Contains(log.String(), f.srv.Token) {
		t.Error("the log holds the token")
	}
	for name, data := range testmod.Tree(t, filepath.Join(f.dir, "dist")) {
		if strings.Contains(data, f.srv.Token) {
			t.Errorf("dist/%s holds the token", name)
		}
	}
	if data, err := os.ReadFile(filepath.Join(f.dir, "dist", ".state.json")); err != nil || bytes.Contains(data, []byte(f.srv.Token)) {
		t.Errorf("dist/.state.json holds the token, or cannot be read: %v", err)
	}
	// The release again, with nothing changed, is a no-op.
	log.Reset()
	if _, err := f.release(Release{URL: f.srv.URL, Repo: f.repo}, &log); err != nil || !strings.Contains(log.String(), "nothing changed") || strings.Contains(log.String(), "gitea: ") {
		t.Errorf("the release again: %v\n%s", err, log.String())
	}
	// The target publishes what dist/ holds: here, nothing to do.
	var out bytes.Buffer
	if err := f.publishChild(t, &out).Wait(); err != nil || !strings.Contains(out.String(), "nothing to do") {
		t.Errorf("Publish of a published release: %v\n%s", err, out.String())
	}
	f.checkPublished(t, r.Commit)
}

// TestPublishKilled kills the publisher at random points, each time on a
// repository without the release, and runs it again: every time the
// repository ends with exactly one release, published, complete, with
// the right bytes.
func TestPublishKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	f := newFixture(t)
	cfg := staticbuild.Config{Dir: f.dir, Log: io.Discard, Environ: f.env}
	r, err := cfg.Release(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A publish from nothing, to learn how long one takes.
	var out bytes.Buffer
	start := time.Now()
	if err := f.publishChild(t, &out).Wait(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	whole := time.Since(start)
	f.checkPublished(t, r.Commit)
	kills := 20
	for i := range kills {
		for _, rel := range f.releases(t) {
			f.srv.API(t, "DELETE", fmt.Sprintf("/repos/%s/releases/%d", f.repo, rel.ID), nil, nil, http.StatusNoContent)
		}
		out.Reset()
		cmd := f.publishChild(t, &out)
		delay := time.Duration(rand.Int64N(int64(whole)))
		time.Sleep(delay)
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
		state := "nothing"
		if rels := f.releases(t); len(rels) > 0 {
			state = fmt.Sprintf("draft %v with %d assets", rels[0].Draft, len(rels[0].Assets))
		}
		t.Logf("kill %d after %v: %s", i+1, delay.Round(time.Millisecond), state)
		out.Reset()
		if err := f.publishChild(t, &out).Wait(); err != nil {
			t.Fatalf("the publish after kill %d: %v\n%s", i+1, err, out.String())
		}
		f.checkPublished(t, r.Commit)
	}
}

// TestMovedTag moves the published tag to a commit with other bytes: the
// release is refused before anything builds, naming both commits, with
// dist/ as it was and also with no dist/ at all; with Replace the
// release's files are replaced.
func TestMovedTag(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	f := newFixture(t)
	rel := Release{URL: f.srv.URL, Repo: f.repo}
	first, err := f.release(rel, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(f.dir, "cmd", "tool", "extra.go"), []byte("package main\n\nvar extra = \"other bytes\"\n"), 0o644)
	testmod.Git(t, f.dir, "add", "-A")
	testmod.Git(t, f.dir, "commit", "-q", "-m", "other bytes")
	testmod.Git(t, f.dir, "tag", "-f", "v1.0.0")
	f.srv.Push(t, f.dir, f.repo, "HEAD:refs/heads/main", "refs/tags/v1.0.0")
	second := strings.TrimSpace(testmod.Git(t, f.dir, "rev-parse", "HEAD"))

	dist := filepath.Join(f.dir, "dist")
	before := testmod.Tree(t, dist)
	for _, what := range []string{"with dist/", "without dist/"} {
		var log strings.Builder
		_, err := f.release(rel, &log)
		if err == nil || !strings.Contains(err.Error(), "was made for commit "+first.Commit+", not "+second) || !strings.Contains(err.Error(), "app_1.0.0_linux_amd64.tar.gz") || !strings.Contains(err.Error(), "set Replace") {
			t.Fatalf("a release of the moved tag, %s: %v, want a refusal naming both commits, the published files and Replace", what, err)
		}
		if strings.Contains(log.String(), "build: ") {
			t.Errorf("a release of the moved tag, %s, built before it was refused:\n%s", what, log.String())
		}
		if what == "with dist/" {
			if after := testmod.Tree(t, dist); len(after) != len(before) || after["artifacts.json"] != before["artifacts.json"] {
				t.Errorf("the refused release changed dist/")
			}
			os.RemoveAll(dist)
		} else if _, err := os.Stat(filepath.Join(dist, "artifacts.json")); err == nil {
			t.Errorf("the refused release wrote dist/artifacts.json")
		}
	}
	if rels := f.releases(t); len(rels) != 1 || rels[0].Draft || rels[0].Target != first.Commit {
		t.Errorf("after the refusals, the releases are %+v; want the one published for %s", rels, first.Commit)
	}

	rel.Replace = true
	var log strings.Builder
	r, err := f.release(rel, &log)
	if err != nil {
		t.Fatalf("the release with Replace: %v\n%s", err, log.String())
	}
	f.checkPublished(t, r.Commit)
}

// TestCheck checks the step's refusals before anything builds: no token,
// a token Gitea does not accept, one that may only read, a repository
// that is not there, a tag not pushed; a snapshot, which is not
// published; and a server that takes no file over 1 MB, which fails the
// upload and leaves the release a draft.
func TestCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	f := newFixture(t, "[repository.release]", "FILE_MAX_SIZE = 1")
	good := Release{URL: f.srv.URL, Repo: f.repo}
	readOnly := f.srv.NewToken(t, "read:repository", "read:user")
	bad := strings.Repeat("0123456789", 4)
	for _, c := range []struct {
		name string
		rel  Release
		env  []string
		want string
	}{
		{"no token", good, []string{"GITEA_TOKEN="}, "set GITEA_TOKEN"},
		{"a token not accepted", good, []string{"GITEA_TOKEN=" + bad}, "the token is not accepted"},
		{"a read-only token", good, []string{"GITEA_TOKEN=" + readOnly}, "the token may not write releases"},
		{"no such repository", Release{URL: f.srv.URL, Repo: giteatest.Admin + "/nothere"}, nil, "no such repository"},
		{"a URL that is no root", Release{URL: "127.0.0.1:3000", Repo: f.repo}, nil, "gitea.Release.URL"},
		{"a Repo that is no owner/name", Release{URL: f.srv.URL, Repo: "app"}, nil, "gitea.Release.Repo"},
	} {
		var log strings.Builder
		_, err := f.release(c.rel, &log, c.env...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
			continue
		}
		for _, secret := range []string{f.srv.Token, readOnly, bad} {
			if strings.Contains(err.Error(), secret) || strings.Contains(log.String(), secret) {
				t.Errorf("%s: the error or the log holds a token", c.name)
			}
		}
		if strings.Contains(log.String(), "build: ") {
			t.Errorf("%s: the release built before it was refused:\n%s", c.name, log.String())
		}
	}
	if rels := f.releases(t); len(rels) != 0 {
		t.Errorf("the refused releases made %+v", rels)
	}

	// A tag the forge does not have.
	os.WriteFile(filepath.Join(f.dir, "NOTES"), []byte("1.1\n"), 0o644)
	testmod.Git(t, f.dir, "add", "-A")
	testmod.Git(t, f.dir, "commit", "-q", "-m", "1.1")
	testmod.Git(t, f.dir, "tag", "v1.1.0")
	if _, err := f.release(good, io.Discard); err == nil || !strings.Contains(err.Error(), "push the tag: git push origin v1.1.0") {
		t.Errorf("a release of a tag not pushed: %v", err)
	}
	// A snapshot of a commit with no tag is not published.
	os.WriteFile(filepath.Join(f.dir, "NOTES"), []byte("1.2\n"), 0o644)
	testmod.Git(t, f.dir, "add", "-A")
	testmod.Git(t, f.dir, "commit", "-q", "-m", "1.2")
	var log strings.Builder
	if _, err := f.release(good, &log, "MAGESTATIC_SNAPSHOT=1"); err != nil || !strings.Contains(log.String(), "is a snapshot: not published") {
		t.Errorf("a snapshot: %v\n%s", err, log.String())
	}
	if rels := f.releases(t); len(rels) != 0 {
		t.Errorf("the snapshot made %+v", rels)
	}
	// The archives are over the server's 1 MB.
	testmod.Git(t, f.dir, "tag", "v1.2.0")
	f.srv.Push(t, f.dir, f.repo, "refs/tags/v1.2.0")
	f.srv.WaitTag(t, f.repo, "v1.2.0")
	log.Reset()
	_, err := f.release(good, &log)
	if err == nil || !strings.Contains(err.Error(), "FILE_MAX_SIZE") || !strings.Contains(err.Error(), "413") {
		t.Errorf("a release with files over the server's limit: %v, want the server's 413 and its setting", err)
	}
	if rels := f.releases(t); len(rels) != 1 || !rels[0].Draft {
		t.Errorf("after the failed upload, the releases are %+v; want one draft", rels)
	}
	if list, err := artifact.Read(filepath.Join(f.dir, "dist", "artifacts.json")); err != nil || len(list) == 0 || list[0].Version == "v1.2.0" {
		t.Errorf("the release that failed to publish put dist/ in place, or dist/ lost the snapshot's manifest: %v", err)
	}
}

// TestPublishSharded releases in two shards, which publish nothing, and
// merges them: the merge publishes the whole release.
func TestPublishSharded(t *testing.T) {
	if testing.Short() {
		t.Skip("three releases")
	}
	t.Parallel()
	f := newFixture(t)
	rel := Release{URL: f.srv.URL, Repo: f.repo}
	shards := filepath.Join(t.TempDir(), "shards")
	for i, s := range []string{"1/2", "2/2"} {
		dir := testmod.Clone(t, f.dir)
		var log strings.Builder
		cfg := staticbuild.Config{Dir: dir, Log: &log, Steps: []staticbuild.Step{Step(rel)}, Environ: append(slices.Clip(f.env), "MAGESTATIC_SHARD="+s)}
		if _, err := cfg.Release(context.Background()); err != nil {
			t.Fatalf("shard %s: %v\n%s", s, err, log.String())
		}
		if strings.Contains(log.String(), "gitea: ") {
			t.Errorf("shard %s published:\n%s", s, log.String())
		}
		os.CopyFS(filepath.Join(shards, fmt.Sprintf("shard-%d", i+1)), os.DirFS(filepath.Join(dir, "dist")))
	}
	if rels := f.releases(t); len(rels) != 0 {
		t.Fatalf("the shards made releases: %+v", rels)
	}
	f.dir = testmod.Clone(t, f.dir)
	var log strings.Builder
	cfg := staticbuild.Config{Dir: f.dir, Log: &log, Steps: []staticbuild.Step{Step(rel)}, MergeFrom: shards, Environ: f.env}
	r, err := cfg.Merge(context.Background())
	if err != nil {
		t.Fatalf("merge: %v\n%s", err, log.String())
	}
	f.checkPublished(t, r.Commit)
}
