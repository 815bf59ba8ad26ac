package github

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/forge/githubtest"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// These tests release a test module with two binaries for three
// platforms, built by the go command, and publish it to githubtest's
// server (shaped like GitHub's REST API; not GitHub).

var modFiles = map[string]string{
	"cmd/app/main.go":  testmod.Hello,
	"cmd/tool/main.go": testmod.Hello,
}

const platforms = "linux/amd64,darwin/arm64,windows/amd64"

// module returns a test module tagged v1.0.0, its commit, and a binary
// cache directory for its releases.
func module(t *testing.T) (dir, head, cache string) {
	dir = testmod.New(t, "", "app", modFiles, "")
	testmod.Git(t, dir, "tag", "-a", "-m", "v1.0.0", "v1.0.0")
	return dir, strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD")), t.TempDir()
}

// runEnv is a release's environment: the matrix, the cache, the token.
func runEnv(t *testing.T, cache string, extra ...string) []string {
	return testmod.Environ(t, false, append([]string{"MAGESTATIC_PLATFORMS=" + platforms, "MAGESTATIC_CACHE=" + cache, "GITHUB_TOKEN=" + token}, extra...)...)
}

// release releases dir with the github step publishing to repo on s.
func release(t *testing.T, s *githubtest.Server, repo, dir, cache string, rel Release, log *bytes.Buffer) (*staticbuild.Result, error) {
	rel.Repo, rel.APIURL, rel.tune = repo, s.APIURL(), fast
	return staticbuild.Config{Dir: dir, Log: log, Environ: runEnv(t, cache), Steps: []staticbuild.Step{Step(rel)}}.Release(context.Background())
}

// checkDist checks that the repository on s has exactly one release, for
// v1.0.0 at head, published, whose assets are dist/'s files (but the
// binaries and the manifest) byte for byte.
func checkDist(t *testing.T, s *githubtest.Server, repo, dir, head string) {
	t.Helper()
	list, err := artifact.Read(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	rels := s.Releases(repo)
	if len(rels) != 1 || rels[0].Draft || rels[0].Tag != "v1.0.0" || rels[0].Commit != head {
		t.Fatalf("%s: releases %v: want one published release of v1.0.0 at %s", repo, summary(rels), head)
	}
	assets := map[string][]byte{}
	for _, a := range rels[0].Assets {
		assets[a.Name] = a.Data
	}
	n := 0
	for _, a := range list {
		if a.Kind == artifact.Binary {
			continue
		}
		n++
		data, err := os.ReadFile(filepath.Join(dir, "dist", filepath.FromSlash(a.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := assets[a.Name]; !ok || !bytes.Equal(got, data) {
			t.Errorf("%s: the asset %s (%d bytes, present %v) is not dist's file (%d bytes)", repo, a.Name, len(got), ok, len(data))
		}
	}
	if n != len(assets) || n < 3+6+1 {
		t.Errorf("%s: %d assets for %d files: %v", repo, len(assets), n, summary(rels))
	}
}

// TestRelease releases and publishes, then releases again and publishes
// with the target: nothing to do, no request that writes.
func TestRelease(t *testing.T) {
	dir, head, cache := module(t)
	s := server(t, githubtest.Options{})
	s.SetTag("acme/app", "v1.0.0", head, true)
	var log bytes.Buffer
	if _, err := release(t, s, "acme/app", dir, cache, Release{}, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	checkDist(t, s, "acme/app", dir, head)
	if body := s.Releases("acme/app")[0].Body; !strings.Contains(body, "initial") {
		t.Errorf("the notes, made from the commits, do not list the commit \"initial\":\n%s", body)
	}
	if !strings.Contains(log.String(), "github: 127.0.0.1") || !strings.Contains(log.String(), "published http://") {
		t.Errorf("log:\n%s", log.String())
	}
	writes := s.Writes()
	if _, err := release(t, s, "acme/app", dir, cache, Release{}, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	// The target publishes dist/ as it is, to the repository and API
	// GitHub Actions names.
	cfg := staticbuild.Config{Dir: dir, Log: &log, Environ: runEnv(t, cache, "GITHUB_REPOSITORY=acme/app", "GITHUB_API_URL="+s.APIURL())}
	if err := runTarget(t, cfg, nil); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if s.Writes() != writes || !strings.Contains(log.String(), "nothing to do") {
		t.Errorf("releasing and publishing again made %d write requests, want none:\n%s", s.Writes()-writes, log.String())
	}
	checkDist(t, s, "acme/app", dir, head)
	noToken(t, log.String())

	// A file of dist/ changed after the release is refused before any
	// request.
	archive := filepath.Join(dir, "dist", "app_1.0.0_linux_amd64.tar.gz")
	data, _ := os.ReadFile(archive)
	os.WriteFile(archive, append(data, 0), 0o644)
	n := len(s.Requests())
	err := runTarget(t, cfg, publishAgain)
	if err == nil || !strings.Contains(err.Error(), "app_1.0.0_linux_amd64.tar.gz has") || len(s.Requests()) != n {
		t.Errorf("publishing a changed dist/: %v, %d requests", err, len(s.Requests())-n)
	}
}

// runTarget runs the target Publish, or fn as a target, with
// staticbuild.Project set to cfg. A target runs once per process (as
// once per mage run), so each fn runs once.
func runTarget(t *testing.T, cfg staticbuild.Config, fn func(context.Context, *staticbuild.Run) error) error {
	old := staticbuild.Project
	staticbuild.Project = cfg
	defer func() { staticbuild.Project = old }()
	if fn == nil {
		return Publish(context.Background())
	}
	return staticbuild.Target(context.Background(), fn)
}

// publishAgain is the publish target under another name.
func publishAgain(ctx context.Context, r *staticbuild.Run) error { return Release{}.Publish(ctx, r) }

// TestRefusals moves the tag to a new commit with other bytes: the
// release is refused before building, also with dist/ removed; with
// Replace it replaces the files, unless the release is immutable.
func TestRefusals(t *testing.T) {
	if testing.Short() {
		t.Skip("five releases")
	}
	dir, head, cache := module(t)
	s := server(t, githubtest.Options{})
	s.SetTag("acme/app", "v1.0.0", head, false)
	var log bytes.Buffer
	// Notes from a changelog without the version's section: refused
	// before building.
	os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte("# Changelog\n\n## v0.9.0\n\nOld.\n"), 0o644)
	testmod.Git(t, dir, "add", "CHANGELOG.md")
	testmod.Git(t, dir, "commit", "-q", "-m", "changelog")
	testmod.Git(t, dir, "tag", "-f", "-a", "-m", "v1.0.0", "v1.0.0")
	head = strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD"))
	s.SetTag("acme/app", "v1.0.0", head, false)
	_, err := release(t, s, "acme/app", dir, cache, Release{Notes: "CHANGELOG.md"}, &log)
	if err == nil || !strings.Contains(err.Error(), "CHANGELOG.md") || len(s.Requests()) == 0 || s.Writes() != 0 {
		t.Errorf("notes from a changelog without the version: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
		t.Errorf("the refused release wrote dist/")
	}
	if _, err := release(t, s, "acme/app", dir, cache, Release{}, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	// A new commit, and the tag moved there, locally only: push it.
	os.WriteFile(filepath.Join(dir, "cmd", "app", "main.go"), []byte(strings.Replace(testmod.Hello, `"hello"`, `"hello, again"`, 1)), 0o644)
	testmod.Git(t, dir, "commit", "-q", "-a", "-m", "change")
	testmod.Git(t, dir, "tag", "-f", "-a", "-m", "v1.0.0", "v1.0.0")
	moved := strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD"))
	before := testmod.Tree(t, filepath.Join(dir, "dist"))
	_, err = release(t, s, "acme/app", dir, cache, Release{}, &log)
	if err == nil || !strings.Contains(err.Error(), "push the tag: git push origin v1.0.0") && !strings.Contains(err.Error(), "is at commit "+head+", not "+moved) {
		t.Errorf("a release of a tag the forge has elsewhere: %v", err)
	}
	s.SetTag("acme/app", "v1.0.0", moved, false)
	for _, removed := range []bool{false, true} {
		if removed {
			os.RemoveAll(filepath.Join(dir, "dist"))
		}
		writes := s.Writes()
		_, err := release(t, s, "acme/app", dir, cache, Release{}, &log)
		want := "the published release v1.0.0 on " + strings.TrimPrefix(s.APIURL(), "http://") + "/acme/app was made for commit " + head + ", not " + moved
		if err == nil || !strings.Contains(err.Error(), "github: "+want) || strings.Contains(err.Error(), "github: github:") || !strings.Contains(err.Error(), "app_1.0.0_linux_amd64.tar.gz") || s.Writes() != writes {
			t.Errorf("dist removed %v: a release of a moved tag: %v, want %q and no write", removed, err, want)
		}
		if removed {
			if _, err := os.Stat(filepath.Join(dir, "dist", "SHA256SUMS")); err == nil {
				t.Errorf("the refused release wrote to dist/")
			}
		} else if after := testmod.Tree(t, filepath.Join(dir, "dist")); len(after) != len(before) || after["SHA256SUMS"] != before["SHA256SUMS"] {
			t.Errorf("the refused release changed dist/")
		}
	}
	if _, err := release(t, s, "acme/app", dir, cache, Release{Replace: true}, &log); err != nil {
		t.Fatalf("Replace: %v\n%s", err, log.String())
	}
	checkDist(t, s, "acme/app", dir, moved)
	if !strings.Contains(log.String(), "replacing the files of the published release") {
		t.Errorf("Replace did not say so:\n%s", log.String())
	}

	// An immutable release is never replaced.
	s.AddRepo("acme/imm")
	s.SetImmutable("acme/imm", true)
	s.SetTag("acme/imm", "v1.0.0", moved, true)
	if _, err := release(t, s, "acme/imm", dir, cache, Release{}, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if rels := s.Releases("acme/imm"); len(rels) != 1 || !rels[0].Immutable {
		t.Fatalf("immutable: %v", summary(rels))
	}
	testmod.Git(t, dir, "commit", "-q", "--allow-empty", "-m", "again")
	testmod.Git(t, dir, "tag", "-f", "-a", "-m", "v1.0.0", "v1.0.0")
	third := strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD"))
	s.SetTag("acme/imm", "v1.0.0", third, true)
	writes := s.Writes()
	_, err = release(t, s, "acme/imm", dir, cache, Release{Replace: true}, &log)
	if err == nil || !strings.Contains(err.Error(), "it is immutable, so no file of it can change") || s.Writes() != writes {
		t.Errorf("replacing an immutable release: %v", err)
	}
	noToken(t, log.String())
}

// TestKilled kills the publishing release at random points, each time
// followed by a release that completes: each repository ends with
// exactly one published release, complete, byte for byte. The release
// runs in a child process (this test binary, running TestPublishChild),
// killed with SIGKILL while the server pauses at a random request, before
// or after serving it, or at a random time.
func TestKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	n := 20
	dir, head, cache := module(t)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 0))

	var (
		mu     sync.Mutex
		victim *exec.Cmd
		done   chan struct{}
		target int
		stage  githubtest.Stage
	)
	s := githubtest.New(t, githubtest.Options{Pause: func(n int, at githubtest.Stage) {
		mu.Lock()
		defer mu.Unlock()
		if victim == nil || n != target || at != stage {
			return
		}
		victim.Process.Kill()
		<-done
		victim = nil
	}})
	s.AddToken(token, true)
	for i := range n {
		repo := fmt.Sprintf("acme/app%d", i)
		s.AddRepo(repo)
		s.SetTag(repo, "v1.0.0", head, true)
		os.RemoveAll(filepath.Join(dir, "dist"))
		cmd := child(t, s, repo, dir, cache)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		mu.Lock()
		victim, done = cmd, make(chan struct{})
		target, stage = s.Count()+1+rnd.IntN(28), githubtest.Stage(rnd.IntN(2))
		byTime := rnd.IntN(4) == 0
		// Started under mu, so that Pause, which kills it, sees its
		// process.
		err := cmd.Start()
		mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		var timer *time.Timer
		if byTime {
			timer = time.AfterFunc(time.Duration(rnd.IntN(3000))*time.Millisecond, func() {
				mu.Lock()
				defer mu.Unlock()
				if victim != nil {
					victim.Process.Kill()
				}
			})
		}
		err = cmd.Wait()
		close(done)
		if timer != nil {
			timer.Stop()
		}
		mu.Lock()
		victim = nil
		mu.Unlock()
		t.Logf("%s: the first run: %v (by time %v, request %d); left %v", repo, err, byTime, target, summary(s.Releases(repo)))

		again := child(t, s, repo, dir, cache)
		if out, err := again.CombinedOutput(); err != nil {
			t.Fatalf("%s: the run after the kill: %v\n%s", repo, err, out)
		} else {
			noToken(t, string(out))
		}
		checkDist(t, s, repo, dir, head)
	}
}

// child returns the command that runs TestPublishChild, releasing dir
// and publishing to repo on s.
func child(t *testing.T, s *githubtest.Server, repo, dir, cache string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPublishChild$", "-test.count=1", "-test.v")
	cmd.Env = append(runEnv(t, cache), "GITHUBTEST_CHILD="+dir, "GITHUBTEST_API="+s.APIURL(), "GITHUBTEST_REPO="+repo)
	return cmd
}

// TestPublishChild is the release TestKilled runs and kills.
func TestPublishChild(t *testing.T) {
	dir := os.Getenv("GITHUBTEST_CHILD")
	if dir == "" {
		t.Skip("run by TestKilled")
	}
	rel := Release{Repo: os.Getenv("GITHUBTEST_REPO"), APIURL: os.Getenv("GITHUBTEST_API"), tune: fast}
	_, err := staticbuild.Config{Dir: dir, Log: os.Stdout, Steps: []staticbuild.Step{Step(rel)}}.Release(context.Background())
	if err != nil {
		t.Fatal(err)
	}
}

// TestSharded releases in two shards, which have no token and publish
// nothing, and merges them with the token: the merge publishes.
func TestSharded(t *testing.T) {
	if testing.Short() {
		t.Skip("three releases")
	}
	origin, head, cache := module(t)
	s := server(t, githubtest.Options{})
	s.SetTag("acme/app", "v1.0.0", head, true)
	step := []staticbuild.Step{Step(Release{Repo: "acme/app", APIURL: s.APIURL(), tune: fast})}
	shards := filepath.Join(t.TempDir(), "shards")
	var log bytes.Buffer
	for i, sh := range []string{"1/2", "2/2"} {
		dir := testmod.Clone(t, origin)
		env := runEnv(t, cache, "MAGESTATIC_SHARD="+sh, "GITHUB_TOKEN=")
		if _, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: step, Environ: env}).Release(context.Background()); err != nil {
			t.Fatalf("shard %s: %v\n%s", sh, err, log.String())
		}
		os.CopyFS(filepath.Join(shards, fmt.Sprint("shard-", i+1)), os.DirFS(filepath.Join(dir, "dist")))
	}
	if len(s.Requests()) != 0 {
		t.Errorf("the shards, without a token, asked the server: %v", s.Requests())
	}
	merged := testmod.Clone(t, origin)
	if _, err := (staticbuild.Config{Dir: merged, Log: &log, Steps: step, MergeFrom: shards, Environ: runEnv(t, cache)}).Merge(context.Background()); err != nil {
		t.Fatalf("merge: %v\n%s", err, log.String())
	}
	checkDist(t, s, "acme/app", merged, head)
	noToken(t, log.String())
}

// TestTargetNestedModule publishes, with the target, the release of a
// module in a subdirectory: the manifest records the version, and the
// release is the tag's, which starts with the module's directory.
func TestTargetNestedModule(t *testing.T) {
	if testing.Short() {
		t.Skip("a release of a nested module")
	}
	root := testmod.New(t, "", "repo", map[string]string{"README.md": "# repo\n"}, "")
	tools := filepath.Join(root, "tools")
	sub := testmod.New(t, t.TempDir(), "tools", modFiles, "")
	if err := os.CopyFS(tools, os.DirFS(sub)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(tools, ".git"))
	testmod.Git(t, root, "add", "-A")
	testmod.Git(t, root, "commit", "-qm", "tools")
	testmod.Git(t, root, "tag", "tools/v1.0.0")
	head := strings.TrimSpace(testmod.Git(t, root, "rev-parse", "HEAD"))
	s := server(t, githubtest.Options{})
	s.SetTag("acme/app", "tools/v1.0.0", head, false)
	cache := t.TempDir()
	var log bytes.Buffer
	if _, err := (staticbuild.Config{Dir: tools, Log: &log, Environ: runEnv(t, cache)}).Release(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	cfg := staticbuild.Config{Dir: tools, Log: &log, Environ: runEnv(t, cache, "GITHUB_REPOSITORY=acme/app", "GITHUB_API_URL="+s.APIURL())}
	if err := runTarget(t, cfg, publishNested); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if rels := s.Releases("acme/app"); len(rels) != 1 || rels[0].Tag != "tools/v1.0.0" || rels[0].Draft {
		t.Errorf("releases %v, want tools/v1.0.0 published", summary(rels))
	}
}

// publishNested is the publish target under another name.
func publishNested(ctx context.Context, r *staticbuild.Run) error { return Release{}.Publish(ctx, r) }
