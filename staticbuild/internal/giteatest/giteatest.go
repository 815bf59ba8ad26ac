// Package giteatest starts a real Gitea for tests: the release the
// module's CI builds (.ci/gitea), on 127.0.0.1 with a fresh data directory,
// an admin with a token, and repositories the tests push to. A test that
// needs it skips when the binary is missing, except under CI=true, where
// it fails.
package giteatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Version is the Gitea release the tests run; .ci/gitea builds it.
const Version = "v1.27.3"

// Admin is the name of the administrator Start creates.
const Admin = "magestatic"

// Binary returns the path of the Gitea binary: $MAGESTATIC_GITEA, or
// where .ci/gitea puts it, gitea-VERSION/gitea beside the go command's
// build cache. When it is missing the test is skipped, saying how to
// build it, or fails under CI=true, where .ci/run builds it.
func Binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("MAGESTATIC_GITEA")
	from := "MAGESTATIC_GITEA"
	if bin == "" {
		from = "the default path"
		out, err := exec.Command("go", "env", "GOCACHE").Output()
		if err != nil {
			t.Fatalf("go env GOCACHE: %v", err)
		}
		bin = filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "gitea-"+Version, "gitea")
	}
	fi, err := os.Stat(bin)
	_, errOpts := os.Stat(filepath.Join(filepath.Dir(bin), "options", "locale"))
	if err != nil || fi.IsDir() || errOpts != nil {
		msg := fmt.Sprintf("no Gitea binary with options/ beside it at %s (%s): run .ci/gitea to build Gitea %s, or set MAGESTATIC_GITEA to a gitea binary built so", bin, from, Version)
		if os.Getenv("CI") == "true" || os.Getenv("MAGESTATIC_GITEA") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// Server is a running Gitea with an administrator.
type Server struct {
	// URL is the root, "http://127.0.0.1:PORT", without a trailing slash.
	URL string
	// Token is an access token of Admin with every scope.
	Token string
	// Password is Admin's password.
	Password string

	bin, dir string
	env      []string
	ini      []string // added to app.ini
}

// Start starts Gitea on a free port of 127.0.0.1 with a data directory of
// the test's own, SQLite, no mail and no network access, creates Admin
// with a token, and stops it when the test ends. Gitea's log is printed
// if the test fails. Each of ini, such as "[repository.release]
// FILE_MAX_SIZE = 1", is added to the end of Gitea's app.ini.
func Start(t testing.TB, ini ...string) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir() // removed after the server stops
	s := &Server{bin: bin, dir: dir, Password: randomHex(12), ini: ini}
	s.env = append(os.Environ(), "HOME="+dir, "GITEA_WORK_DIR="+dir, "GIT_CONFIG_NOSYSTEM=1")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // another process may take the port
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		s.URL = "http://127.0.0.1:" + strconv.Itoa(port)
		if err := s.writeConfig(port); err != nil {
			t.Fatal(err)
		}
		if lastErr = s.start(t); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatal(lastErr)
	}
	out, err := s.command(context.Background(), "admin", "user", "create", "--admin", "--username", Admin,
		"--password", s.Password, "--email", Admin+"@example.com", "--must-change-password=false",
		"--access-token", "--access-token-name", "test", "--access-token-scopes", "all")
	if err != nil {
		t.Fatalf("gitea admin user create: %v\n%s", err, out)
	}
	_, tok, ok := strings.Cut(strings.TrimSpace(out), "Access token was successfully created... ")
	if !ok || len(tok) < 20 {
		t.Fatalf("gitea admin user create printed no token:\n%s", out)
	}
	s.Token = strings.Fields(tok)[0]
	return s
}

// writeConfig writes app.ini for a server on port.
func (s *Server) writeConfig(port int) error {
	u, err := user.Current()
	if err != nil {
		return err
	}
	root := ""
	if os.Geteuid() == 0 { // CI containers run as root, which Gitea refuses unless told
		root = "I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true\n"
	}
	ini := fmt.Sprintf(`APP_NAME = magestatic test
RUN_USER = %[1]s
RUN_MODE = prod
WORK_PATH = %[2]s
%[3]s
[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = %[4]d
ROOT_URL = http://127.0.0.1:%[4]d/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
APP_DATA_PATH = %[2]s/data
STATIC_ROOT_PATH = %[7]s

[database]
DB_TYPE = sqlite3
PATH = %[2]s/data/gitea.db
SQLITE_JOURNAL_MODE = WAL

[repository]
ROOT = %[2]s/repos

[security]
INSTALL_LOCK = true
SECRET_KEY = %[5]s
INTERNAL_TOKEN = %[6]s

[oauth2]
ENABLED = false

[service]
DISABLE_REGISTRATION = true

[mailer]
ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[indexer]
ISSUE_INDEXER_TYPE = db

[queue]
TYPE = channel

[cron]
ENABLED = false

[cron.update_checker]
ENABLED = false

[log]
MODE = file
LEVEL = Info
ROOT_PATH = %[2]s/log
`, u.Username, s.dir, root, port, randomHex(32), randomHex(40), filepath.Dir(s.bin))
	ini += "\n" + strings.Join(s.ini, "\n") + "\n"
	return os.WriteFile(filepath.Join(s.dir, "app.ini"), []byte(ini), 0o600)
}

// start runs gitea web and waits until its API answers; it stops the
// server when the test ends.
func (s *Server) start(t testing.TB) error {
	t.Helper()
	logf, err := os.Create(filepath.Join(s.dir, "web.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "web", "--config", filepath.Join(s.dir, "app.ini"), "--work-path", s.dir)
	cmd.Env = s.env
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(s.URL + "/api/v1/version")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("gitea web exited before answering (%v):\n%s", err, s.Log())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("gitea web did not answer %s/api/v1/version in 2 minutes:\n%s", s.URL, s.Log())
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("Gitea's log:\n%s", s.Log())
		}
	})
	return nil
}

// Log returns the end of Gitea's output and log files.
func (s *Server) Log() string {
	var b strings.Builder
	for _, name := range []string{"web.log", "log/gitea.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			continue
		}
		if len(data) > 8000 {
			data = data[len(data)-8000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s", name, data)
	}
	return b.String()
}

// command runs a gitea subcommand with the server's configuration.
func (s *Server) command(ctx context.Context, args ...string) (string, error) {
	args = append(args[:len(args):len(args)], "--config", filepath.Join(s.dir, "app.ini"), "--work-path", s.dir)
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = s.env
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// API sends a request to the API (path such as "/user/repos") as Admin
// with body as JSON, and decodes the answer into out unless it is nil. A
// status other than want fails the test.
func (s *Server) API(t testing.TB, method, path string, body, out any, want int) {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+"/api/v1"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %s, want %d: %s", method, path, resp.Status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// CreateRepo creates an empty public repository of Admin and returns its
// "owner/name".
func (s *Server) CreateRepo(t testing.TB, name string) string {
	t.Helper()
	s.API(t, "POST", "/user/repos", map[string]any{"name": name, "default_branch": "main"}, nil, http.StatusCreated)
	return Admin + "/" + name
}

// NewToken creates another token of Admin with the scopes given, such as
// "read:repository", with Admin's password.
func (s *Server) NewToken(t testing.TB, scopes ...string) string {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"name": "t" + randomHex(6), "scopes": scopes})
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/users/"+Admin+"/tokens", bytes.NewReader(data))
	req.SetBasicAuth(Admin, s.Password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		SHA1 string `json:"sha1"`
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &tok) != nil || tok.SHA1 == "" {
		t.Fatalf("creating a token with scopes %v: %s: %s", scopes, resp.Status, body)
	}
	return tok.SHA1
}

// Push pushes refs (such as "HEAD:refs/heads/main", "refs/tags/v1.0.0")
// of the git repository in dir to the repository repo ("owner/name") over
// HTTP with Admin's token, forcing them.
func (s *Server) Push(t testing.TB, dir, repo string, refs ...string) {
	t.Helper()
	args := append([]string{"-c", "http.extraHeader=Authorization: token " + s.Token, "push", "-q", "--force", s.URL + "/" + repo + ".git"}, refs...)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git push %v to %s: %v\n%s", refs, repo, err, out)
	}
}

// WaitTag waits until Gitea has taken in the push of the tag, which it
// does after the push returns: its page for the tag's release answers.
// Until then a draft release made for the tag may be published by Gitea,
// which publishes the draft of a tag when the push of the tag reaches it.
func (s *Server) WaitTag(t testing.TB, repo, tag string) {
	t.Helper()
	u := s.URL + "/" + repo + "/releases/tag/" + tag
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("Gitea has not taken in the tag %s of %s a minute after its push: GET %s: %v", tag, repo, u, err)
		}
	}
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
