package github

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/forge"
	"github.com/magestatic/magestatic/staticbuild/internal/forge/githubtest"
)

// These tests run the publisher against githubtest's server, which is
// shaped like GitHub's REST API and checks every request and response
// against GitHub's OpenAPI description; it is not GitHub.

const (
	token  = "ghp_testtokenTESTTOKEN0123456789abcdef"
	commit = "0123456789abcdef0123456789abcdef01234567"
)

// testEnv is an environment with the token, and a log.
type testEnv struct {
	vars map[string]string
	mu   sync.Mutex
	log  strings.Builder
}

func newEnv(vars ...string) *testEnv {
	e := &testEnv{vars: map[string]string{"GITHUB_TOKEN": token}}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		e.vars[k] = v
	}
	return e
}

func (e *testEnv) Getenv(k string) (string, bool) { v, ok := e.vars[k]; return v, ok }
func (e *testEnv) Environ() []string {
	var out []string
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	return out
}
func (e *testEnv) Logf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Fprintf(&e.log, format, args...)
}
func (e *testEnv) String() string { e.mu.Lock(); defer e.mu.Unlock(); return e.log.String() }

// fast makes the client's waits short, for the tests.
func fast(c *forge.Client) { c.Backoff, c.MaxWait = time.Millisecond, 20*time.Millisecond }

// server returns a server with the repository acme/app, the tag v1.0.0 at
// commit, and the token allowed to push.
func server(t *testing.T, opt githubtest.Options) *githubtest.Server {
	s := githubtest.New(t, opt)
	s.AddRepo("acme/app")
	s.AddToken(token, true)
	s.SetTag("acme/app", "v1.0.0", commit, true)
	return s
}

// connectTo returns the forge of acme/app on s.
func connectTo(t *testing.T, s *githubtest.Server, e *testEnv) *repo {
	t.Helper()
	g, err := Release{Repo: "acme/app", APIURL: s.APIURL(), tune: fast}.connect(context.Background(), e, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// testFiles writes n files of random bytes, the last a checksum file.
func testFiles(t *testing.T, n int) []forge.File {
	dir := t.TempDir()
	var files []forge.File
	for i := range n {
		data := make([]byte, 1000+i*50000)
		rand.Read(data)
		name := fmt.Sprintf("app_1.0.0_%d.tar.gz", i)
		if i == n-1 {
			name = "SHA256SUMS"
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		files = append(files, forge.File{Name: name, Path: p, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	return files
}

var want = forge.Release{Tag: "v1.0.0", Commit: commit, Name: "v1.0.0", Notes: "notes"}

// checkPublished checks that the repository has exactly one release, for
// v1.0.0, published, whose assets are the files byte for byte.
func checkPublished(t *testing.T, s *githubtest.Server, files []forge.File) {
	t.Helper()
	rels := s.Releases("acme/app")
	if len(rels) != 1 || rels[0].Draft || rels[0].Tag != "v1.0.0" || rels[0].Commit != commit {
		t.Fatalf("releases %+v: want one published release of v1.0.0 at %s", summary(rels), commit)
	}
	if len(rels[0].Assets) != len(files) {
		t.Errorf("the release has %d assets, want %d: %+v", len(rels[0].Assets), len(files), summary(rels))
	}
	for _, f := range files {
		data, _ := os.ReadFile(f.Path)
		found := false
		for _, a := range rels[0].Assets {
			if a.Name == f.Name {
				found = true
				if string(a.Data) != string(data) || a.State != "uploaded" {
					t.Errorf("asset %s: %d bytes in state %s, want the file's %d bytes", a.Name, len(a.Data), a.State, len(data))
				}
			}
		}
		if !found {
			t.Errorf("asset %s is missing", f.Name)
		}
	}
}

func summary(rels []githubtest.Release) []string {
	var out []string
	for _, r := range rels {
		var names []string
		for _, a := range r.Assets {
			names = append(names, fmt.Sprintf("%s(%d,%s)", a.Name, len(a.Data), a.State))
		}
		out = append(out, fmt.Sprintf("#%d %s draft=%v commit=%s [%s]", r.ID, r.Tag, r.Draft, r.Commit, strings.Join(names, " ")))
	}
	return out
}

func noToken(t *testing.T, log string) {
	t.Helper()
	if strings.Contains(log, token) {
		t.Errorf("the log holds the token:\n%s", log)
	}
}

// TestPublish publishes files, then publishes again: nothing to do, with
// no request that writes.
func TestPublish(t *testing.T) {
	for _, ent := range []bool{false, true} {
		t.Run(fmt.Sprintf("enterprise=%v", ent), func(t *testing.T) {
			s := server(t, githubtest.Options{Enterprise: ent})
			e := newEnv()
			g := connectTo(t, s, e)
			files := testFiles(t, 4)
			ctx := context.Background()
			if err := forge.Check(ctx, g, want, false); err != nil {
				t.Fatal(err)
			}
			rel, err := forge.Publish(ctx, g, want, files, forge.Options{Logf: e.Logf})
			if err != nil {
				t.Fatalf("%v\n%s", err, e)
			}
			checkPublished(t, s, files)
			if !strings.Contains(rel.URL, "/acme/app/releases/tag/v1.0.0") || !strings.Contains(e.String(), "uploaded app_1.0.0_1.tar.gz (") {
				t.Errorf("release URL %q, log:\n%s", rel.URL, e)
			}
			writes := s.Writes()
			if err := forge.Check(ctx, g, want, false); err != nil {
				t.Fatal(err)
			}
			if _, err := forge.Publish(ctx, g, want, files, forge.Options{Logf: e.Logf}); err != nil {
				t.Fatal(err)
			}
			if s.Writes() != writes || !strings.Contains(e.String(), "nothing to do") {
				t.Errorf("publishing again made %d write requests, want none; log:\n%s", s.Writes()-writes, e)
			}
			noToken(t, e.String())
		})
	}
}

// TestFaults publishes through every fault the server injects: 500 and
// 502, 429 with Retry-After, GitHub's secondary and primary rate limits,
// connections dropped before a request, mid-upload and after a create or
// an upload was served (whose responses are lost).
func TestFaults(t *testing.T) {
	s := server(t, githubtest.Options{})
	const uploads = "/repos/{owner}/{repo}/releases/{release_id}/assets"
	for _, f := range []githubtest.Fault{
		{Method: "GET", Path: "/repos/{owner}/{repo}", Status: 500},
		{Method: "GET", Path: "/repos/{owner}/{repo}/git/ref/{ref}", Status: 502},
		{Method: "GET", Path: "/repos/{owner}/{repo}/releases", Status: 429, RetryAfter: "1"},
		{Method: "POST", Path: "/repos/{owner}/{repo}/releases", Drop: true, After: true},
		{Method: "POST", Path: uploads, Secondary: true, RetryAfter: "2"},
		{Method: "POST", Path: uploads, Secondary: true},
		{Method: "POST", Path: uploads, RateLimited: true},
		{Method: "POST", Path: uploads, Drop: true},
		{Method: "POST", Path: uploads, Drop: true, After: true},
		{Method: "POST", Path: uploads, Status: 502, Times: 2},
		{Method: "PATCH", Path: "/repos/{owner}/{repo}/releases/{release_id}", Status: 500},
		{Method: "GET", Path: "/repos/{owner}/{repo}/releases/{release_id}/assets", Drop: true},
	} {
		s.Inject(f)
	}
	e := newEnv()
	g := connectTo(t, s, e)
	files := testFiles(t, 5)
	ctx := context.Background()
	if err := forge.Check(ctx, g, want, false); err != nil {
		t.Fatalf("%v\n%s", err, e)
	}
	if _, err := forge.Publish(ctx, g, want, files, forge.Options{Logf: e.Logf, Jobs: 2}); err != nil {
		t.Fatalf("%v\n%s", err, e)
	}
	checkPublished(t, s, files)
	if n := s.Faults(); n != 0 {
		t.Errorf("%d faults did not fire:\n%s", n, strings.Join(s.Requests(), "\n"))
	}
	log := e.String()
	for _, w := range []string{"500 Internal Server Error", "429 Too Many Requests", "secondary rate limit", "trying again in 20ms", "EOF"} {
		if !strings.Contains(log, w) {
			t.Errorf("the log does not say %q:\n%s", w, log)
		}
	}
	noToken(t, log)
	t.Log(log, strings.Join(s.Requests(), "\n"))
}

// TestGiveUp checks that a request failing every try fails, naming the
// request, the status and the forge's message, and that errors for bad
// tokens and missing permissions say what to do.
func TestGiveUp(t *testing.T) {
	s := server(t, githubtest.Options{})
	s.Inject(githubtest.Fault{Method: "GET", Path: "/repos/{owner}/{repo}", Status: 503, Times: 6})
	e := newEnv()
	g := connectTo(t, s, e)
	err := g.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "GET /repos/acme/app: 503 Service Unavailable: Server Error (gave up after 6 tries)") {
		t.Errorf("Check with GitHub failing: %v", err)
	}
	s.AddToken("read-only", false)
	for _, c := range []struct{ token, want string }{
		{"bad", "401 Unauthorized: Bad credentials: the token is not valid"},
		{"read-only", "the token may not write to " + strings.TrimPrefix(s.APIURL(), "http://") + "/acme/app"},
	} {
		e := newEnv("GITHUB_TOKEN=" + c.token)
		err := connectTo(t, s, e).Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check with the token %s: %v, want %q", c.token, err, c.want)
		}
	}
	g2, err := Release{Repo: "acme/other", APIURL: s.APIURL(), tune: fast}.connect(context.Background(), e, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "does not exist, or the token cannot see it") {
		t.Errorf("Check of a missing repository: %v", err)
	}
}

// TestResume leaves what killed runs leave, two drafts for the tag (one
// empty, one with some files and an asset with other bytes), and
// publishes: the fuller draft is kept and completed, the other deleted.
func TestResume(t *testing.T) {
	s := server(t, githubtest.Options{})
	e := newEnv()
	g := connectTo(t, s, e)
	files := testFiles(t, 4)
	ctx := context.Background()
	if _, err := g.CreateDraft(ctx, want); err != nil {
		t.Fatal(err)
	}
	d, err := g.CreateDraft(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files[:2] {
		if _, err := g.Upload(ctx, d, f.Name, f.Path, f.Size); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Upload(ctx, d, files[2].Name, files[0].Path, files[0].Size); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Upload(ctx, d, "stray.txt", files[0].Path, files[0].Size); err != nil {
		t.Fatal(err)
	}
	if _, err := forge.Publish(ctx, g, want, files, forge.Options{Logf: e.Logf}); err != nil {
		t.Fatalf("%v\n%s", err, e)
	}
	checkPublished(t, s, files)
	if rels := s.Releases("acme/app"); rels[0].ID != d.ID {
		t.Errorf("published release %d, want the fuller draft %d", rels[0].ID, d.ID)
	}
	for _, w := range []string{"resuming the draft release", "deleted the extra draft release", "deleted app_1.0.0_2.tar.gz, which had other bytes", "deleted stray.txt, which is no file of this release"} {
		if !strings.Contains(e.String(), w) {
			t.Errorf("the log does not say %q:\n%s", w, e)
		}
	}
}

// TestNoDigests publishes to a server that gives no asset digests: the
// publisher checks the assets by downloading them, through the redirect
// to the storage host, which never receives the token.
func TestNoDigests(t *testing.T) {
	s := server(t, githubtest.Options{NoDigests: true})
	e := newEnv()
	g := connectTo(t, s, e)
	files := testFiles(t, 3)
	ctx := context.Background()
	pre := want
	pre.Prerelease = true
	if _, err := forge.Publish(ctx, g, pre, files, forge.Options{Logf: e.Logf}); err != nil {
		t.Fatalf("%v\n%s", err, e)
	}
	checkPublished(t, s, files)
	if !s.Releases("acme/app")[0].Prerelease {
		t.Error("the prerelease was not published as one")
	}
	downloads := 0
	for _, r := range s.Requests() {
		if strings.HasPrefix(r, "GET ") && strings.Contains(r, "/releases/assets/") && strings.HasSuffix(r, " 302") {
			downloads++
		}
	}
	if downloads < len(files) {
		t.Errorf("%d downloads, want one per file at least", downloads)
	}
	// With other bytes in a file, publishing again is refused, naming it.
	os.WriteFile(files[1].Path, []byte("other"), 0o644)
	files[1].Size, files[1].SHA256 = 5, "4c1b5ea6b0cf7a0c7b3d2dcbc1b5a9bf1b64c5ff0b1c7e8da4b3d8b6f4e3a2c1"
	_, err := forge.Publish(ctx, g, pre, files, forge.Options{Logf: e.Logf})
	if err == nil || !strings.Contains(err.Error(), "app_1.0.0_1.tar.gz has other bytes") || !strings.Contains(err.Error(), "set Replace") {
		t.Errorf("publishing other bytes: %v", err)
	}
}

func TestPrerelease(t *testing.T) {
	for tag, want := range map[string]bool{"v1.2.3": false, "v1.2.3-rc.1": true, "tools/v1.2.3": false, "tools/v1.2.3-beta": true, "v1.2.3+build-1": false} {
		if got := forge.Prerelease(tag); got != want {
			t.Errorf("Prerelease(%q) = %v", tag, got)
		}
	}
}

// TestReplaceSameBytes publishes the same files for another commit with
// Replace: nothing is uploaded, and the release records the new commit,
// so that the next check passes without Replace.
func TestReplaceSameBytes(t *testing.T) {
	s := server(t, githubtest.Options{})
	e := newEnv()
	g := connectTo(t, s, e)
	files := testFiles(t, 2)
	ctx := context.Background()
	if _, err := forge.Publish(ctx, g, want, files, forge.Options{}); err != nil {
		t.Fatal(err)
	}
	other := want
	other.Commit = strings.Repeat("b", 40)
	s.SetTag("acme/app", "v1.0.0", other.Commit, false)
	if err := forge.Check(ctx, g, other, false); err == nil || !strings.Contains(err.Error(), "set Replace") {
		t.Errorf("Check for another commit: %v", err)
	}
	if err := forge.Check(ctx, g, other, true); err != nil {
		t.Fatal(err)
	}
	writes := s.Writes()
	if _, err := forge.Publish(ctx, g, other, files, forge.Options{Replace: true, Logf: e.Logf}); err != nil {
		t.Fatal(err)
	}
	if rels := s.Releases("acme/app"); len(rels) != 1 || rels[0].Commit != other.Commit || s.Writes() != writes+1 {
		t.Errorf("releases %v after %d writes: want the one release at %s, updated once", summary(rels), s.Writes()-writes, other.Commit)
	}
	if err := forge.Check(ctx, g, other, false); err != nil {
		t.Errorf("Check after the commit was recorded: %v", err)
	}
}

// TestCompletePublished publishes a release that lacks files, as Gitea
// leaves one when the tag is pushed while its draft is filled: a publish
// for the same commit uploads the missing files without Replace, since
// no published byte changes; the same for another commit is refused.
func TestCompletePublished(t *testing.T) {
	s := server(t, githubtest.Options{})
	e := newEnv()
	g := connectTo(t, s, e)
	files := testFiles(t, 3)
	ctx := context.Background()
	if _, err := forge.Publish(ctx, g, want, files[:2], forge.Options{}); err != nil {
		t.Fatal(err)
	}
	other := want
	other.Commit = strings.Repeat("b", 40)
	if _, err := forge.Publish(ctx, g, other, files, forge.Options{Logf: e.Logf}); err == nil || !strings.Contains(err.Error(), files[2].Name+" is missing") {
		t.Errorf("completing the release of another commit: %v, want a refusal naming the missing file", err)
	}
	if _, err := forge.Publish(ctx, g, want, files, forge.Options{Logf: e.Logf}); err != nil {
		t.Fatalf("%v\n%s", err, e)
	}
	checkPublished(t, s, files)
	if !strings.Contains(e.String(), "lacks files: "+files[2].Name+" is missing; uploading them") {
		t.Errorf("the log does not say the missing file was uploaded:\n%s", e)
	}
}
