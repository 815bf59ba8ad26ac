package gitpush

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/tap"
)

// env is the environment of git in the tests: PATH and a HOME of its own.
func env(t *testing.T) []string {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
}

// run runs git in dir and returns its output, failing the test on error.
func run(t *testing.T, env []string, dir string, args ...string) string {
	t.Helper()
	out, err := git(context.Background(), env, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bare makes a bare repository and returns its file:// URL and path.
func bare(t *testing.T, env []string) (string, string) {
	dir := filepath.Join(t.TempDir(), "tap.git")
	run(t, env, t.TempDir(), "init", "--quiet", "--bare", dir)
	return "file://" + dir, dir
}

// clone clones the branch of url and returns the clone's directory.
func clone(t *testing.T, env []string, url, branch string) string {
	dir := filepath.Join(t.TempDir(), "clone")
	run(t, env, t.TempDir(), "clone", "--quiet", "--branch", branch, url, dir)
	return dir
}

func TestPush(t *testing.T) {
	t.Parallel()
	e := env(t)
	url, _ := bare(t, e)
	repo := tap.Repo{URL: url, Dir: "Casks", AuthorName: "Acme Bot", AuthorEmail: "bot@acme.example"}
	ctx := context.Background()

	// The first push creates the branch in an empty repository.
	c1, err := Push(ctx, repo, e, map[string][]byte{"app.rb": []byte("v1\n")}, "app 1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if c1 == "" {
		t.Fatal("the first push made no commit")
	}
	// The same files again: no commit.
	c, err := Push(ctx, repo, e, map[string][]byte{"app.rb": []byte("v1\n")}, "app 1.0.0")
	if err != nil || c != "" {
		t.Fatalf("pushing the same files again: commit %q, %v; want none", c, err)
	}
	// A new version: one more commit, on top of the first.
	c2, err := Push(ctx, repo, e, map[string][]byte{"app.rb": []byte("v2\n"), "sub/other.rb": []byte("x\n")}, "app 1.1.0")
	if err != nil || c2 == "" {
		t.Fatalf("pushing a new version: %q, %v", c2, err)
	}
	dir := clone(t, e, url, "main")
	log := run(t, e, dir, "log", "--format=%H %an <%ae> %cn <%ce> %s")
	want := c2 + " Acme Bot <bot@acme.example> Acme Bot <bot@acme.example> app 1.1.0\n" +
		c1 + " Acme Bot <bot@acme.example> Acme Bot <bot@acme.example> app 1.0.0\n"
	if log != want {
		t.Errorf("the branch's history:\n%s\nwant:\n%s", log, want)
	}
	for name, content := range map[string]string{"Casks/app.rb": "v2\n", "Casks/sub/other.rb": "x\n"} {
		if data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); err != nil || string(data) != content {
			t.Errorf("%s in the repository: %q, %v; want %q", name, data, err, content)
		}
	}
}

func TestPushKeepsOtherFiles(t *testing.T) {
	t.Parallel()
	e := env(t)
	url, _ := bare(t, e)
	// A branch of another name with a file of the repository's own.
	work := filepath.Join(t.TempDir(), "w")
	run(t, e, t.TempDir(), "init", "--quiet", work)
	os.WriteFile(filepath.Join(work, "README.md"), []byte("my tap\n"), 0o644)
	run(t, e, work, "add", "README.md")
	run(t, e, work, "-c", "user.name=me", "-c", "user.email=me@example.com", "commit", "--quiet", "-m", "start")
	run(t, e, work, "push", "--quiet", url, "HEAD:refs/heads/taps")

	repo := tap.Repo{URL: url, Branch: "taps"}
	if _, err := Push(context.Background(), repo, e, map[string][]byte{"bucket/app.json": []byte("{}\n")}, "app 1.0.0"); err != nil {
		t.Fatal(err)
	}
	dir := clone(t, e, url, "taps")
	if n := strings.Count(run(t, e, dir, "log", "--format=%s"), "\n"); n != 2 {
		t.Errorf("%d commits, want 2", n)
	}
	for _, f := range []string{"README.md", "bucket/app.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// The author defaults.
	if got := run(t, e, dir, "log", "-1", "--format=%an <%ae>"); got != "magestatic <magestatic@users.noreply.github.com>\n" {
		t.Errorf("default author %q", got)
	}
}

func TestPushErrors(t *testing.T) {
	t.Parallel()
	e := env(t)
	repo := tap.Repo{URL: "file://" + filepath.Join(t.TempDir(), "missing.git")}
	_, err := Push(context.Background(), repo, e, map[string][]byte{"a": nil}, "m")
	if err == nil || !strings.Contains(err.Error(), "missing.git") {
		t.Errorf("a missing repository: %v", err)
	}
	url, _ := bare(t, e)
	for _, name := range []string{"../escape", "/abs", "a/../../b", ""} {
		if _, err := Push(context.Background(), tap.Repo{URL: url}, e, map[string][]byte{name: nil}, "m"); err == nil {
			t.Errorf("the file name %q was accepted", name)
		}
	}
	// A hook that refuses every push.
	_, dir := bare(t, e)
	hook := filepath.Join(dir, "hooks", "pre-receive")
	os.WriteFile(hook, []byte("#!/bin/sh\necho refused by policy >&2\nexit 1\n"), 0o755)
	_, err = Push(context.Background(), tap.Repo{URL: "file://" + dir}, e, map[string][]byte{"a": []byte("x")}, "m")
	if err == nil || !strings.Contains(err.Error(), "refused by policy") {
		t.Errorf("a refused push: %v", err)
	}
}

func TestCheck(t *testing.T) {
	getenv := func(k string) (string, bool) {
		if k == "TAP_TOKEN" {
			return "secret", true
		}
		return "", false
	}
	ok := tap.Repo{URL: "https://github.com/acme/homebrew-tap.git", TokenEnv: "TAP_TOKEN"}
	if err := Check(ok, "homebrew.Cask.Tap", getenv); err != nil {
		t.Error(err)
	}
	for _, c := range []struct {
		repo tap.Repo
		want string
	}{
		{tap.Repo{}, "URL is empty"},
		{tap.Repo{URL: "https://bot:secret@github.com/acme/tap.git"}, "holds a password"},
		{tap.Repo{URL: "--upload-pack=evil"}, "want a git URL"},
		{tap.Repo{URL: "https://h/r.git", Branch: "a..b"}, "Branch"},
		{tap.Repo{URL: "https://h/r.git", Dir: "../x"}, "Dir"},
		{tap.Repo{URL: "https://h/r.git", Dir: ".git/hooks"}, "Dir"},
		{tap.Repo{URL: "https://h/r.git", AuthorEmail: "nobody"}, "AuthorEmail"},
		{tap.Repo{URL: "https://h/r.git", TokenEnv: "UNSET_TOKEN"}, "UNSET_TOKEN is not set"},
	} {
		err := Check(c.repo, "homebrew.Cask.Tap", getenv)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "homebrew.Cask.Tap") {
			t.Errorf("Check(%+v) = %v, want an error naming the field and saying %q", c.repo, err, c.want)
		}
	}
}

// TestPushHTTPToken pushes over HTTP to git's own server, git
// http-backend run by net/http/cgi, behind a handler that asks for the
// token as GitHub does (Basic x-access-token:TOKEN). The token reaches the
// server and no error or argument.
func TestPushHTTPToken(t *testing.T) {
	t.Parallel()
	e := env(t)
	backend, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skip("git --exec-path:", err)
	}
	httpBackend := filepath.Join(strings.TrimSpace(string(backend)), "git-http-backend")
	if _, err := os.Stat(httpBackend); err != nil {
		t.Skip("git-http-backend is not installed")
	}
	root := t.TempDir()
	run(t, e, root, "init", "--quiet", "--bare", "tap.git")
	run(t, e, filepath.Join(root, "tap.git"), "config", "http.receivepack", "true")
	const token = "s3cr3t-t0ken"
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token))
	cgiHandler := &cgi.Handler{Path: httpBackend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	var asked, authorized atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		asked.Add(1)
		if req.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="tap"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		authorized.Add(1)
		cgiHandler.ServeHTTP(w, req)
	}))
	defer srv.Close()
	url := srv.URL + "/tap.git"

	// Without the token git fails at once: no prompt.
	if _, err := Push(context.Background(), tap.Repo{URL: url}, e, map[string][]byte{"a.json": []byte("1")}, "app 1.0.0"); err == nil {
		t.Fatal("a push without the token succeeded")
	}
	repo := tap.Repo{URL: url, TokenEnv: "TAP_TOKEN"}
	commit, err := Push(context.Background(), repo, append(e, "TAP_TOKEN="+token), map[string][]byte{"a.json": []byte("1")}, "app 1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if commit == "" || authorized.Load() == 0 {
		t.Fatalf("commit %q, %d authorized requests of %d", commit, authorized.Load(), asked.Load())
	}
	got := run(t, e, filepath.Join(root, "tap.git"), "log", "--format=%H %s", "main")
	if got != commit+" app 1.0.0\n" {
		t.Errorf("the server's branch: %q", got)
	}
	// A wrong token: the error does not show it.
	_, err = Push(context.Background(), repo, append(e, "TAP_TOKEN=wrong-"+token), map[string][]byte{"a.json": []byte("2")}, "app 1.1.0")
	if err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("a wrong token: %v", err)
	}
}
