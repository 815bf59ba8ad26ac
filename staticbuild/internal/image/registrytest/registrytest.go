// Package registrytest starts a real registry for tests: Debian's
// docker-registry (the CNCF distribution server) on a free port of
// 127.0.0.1, storing into a temporary directory and logging every request.
package registrytest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Registry is a running registry.
type Registry struct {
	// Host is 127.0.0.1:PORT.
	Host string
	log  *syncBuffer
}

// Start starts a registry for the test; htpasswd, when set, is the file
// of users it requires. Without docker-registry installed the test fails
// when the CI environment variable is set, and is skipped otherwise. A
// registry that exits at once, as when another process took its port, is
// started again on another port.
func Start(t *testing.T, htpasswd string) *Registry {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("docker-registry is required in CI (apt-get install docker-registry): %v", err)
		}
		t.Skipf("docker-registry not installed (apt-get install docker-registry): %v", err)
	}
	for range 3 {
		var r *Registry
		if r, err = try(t, bin, htpasswd); err == nil {
			return r
		}
	}
	t.Fatal(err)
	return nil
}

func try(t *testing.T, bin, htpasswd string) (*Registry, error) {
	dir := t.TempDir()
	port := FreePort(t)
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: 127.0.0.1:%d
  secret: magestatic-test
`, filepath.Join(dir, "storage"), port)
	if htpasswd != "" {
		cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: magestatic-test\n    path: %s\n", htpasswd)
	}
	cfgFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &Registry{Host: fmt.Sprintf("127.0.0.1:%d", port), log: &syncBuffer{}}
	cmd := exec.Command(bin, "serve", cfgFile)
	// The registry reads REGISTRY_* variables as configuration, and
	// skopeo's REGISTRY_AUTH_FILE would add an auth method "file".
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = r.log, r.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + r.Host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return r, nil
			}
		}
		select {
		case werr := <-exited:
			exited <- werr
			return nil, fmt.Errorf("the registry on %s exited: %v\n%s", r.Host, werr, r.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registry on %s did not answer within 20s: %v\n%s", r.Host, err, r.log.String())
		}
	}
}

// Log returns what the registry has logged.
func (r *Registry) Log() string { return r.log.String() }

// Uploads counts the blob uploads the registry has started.
func (r *Registry) Uploads() int {
	n := 0
	for _, line := range strings.Split(r.log.String(), "\n") {
		if strings.Contains(line, `"POST /v2/`) && strings.Contains(line, "/blobs/uploads/") {
			n++
		}
	}
	return n
}

// FreePort returns a port of 127.0.0.1 that was free a moment ago.
func FreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
