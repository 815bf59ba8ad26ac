package sbom

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// depApp returns the path of testdata/depapp's command, built once for the
// whole test run with the real toolchain. It depends on
// github.com/hashicorp/go-multierror (which needs errwrap, replaced by
// itself) and on a module replaced by a directory, and has its version set
// with -ldflags.
func depApp(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "sbom-test-")
		if binErr != nil {
			return
		}
		binPath, binErr = buildDepApp(binDir)
	})
	if binErr != nil {
		t.Fatalf("build testdata/depapp: %v", binErr)
	}
	return binPath
}

func buildDepApp(dir string) (string, error) {
	src := filepath.Join(dir, "src")
	// A copy, so that the build never writes into testdata.
	if err := os.CopyFS(src, os.DirFS(filepath.Join("testdata", "depapp"))); err != nil {
		return "", err
	}
	exe := filepath.Join(dir, "depapp")
	cmd := exec.Command("go", "build", "-ldflags=-X main.version=v1.2.3", "-o", exe, "./cmd/depapp")
	cmd.Dir = src
	// Modules come from the module cache or GOPROXY, as in the environment.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return exe, nil
}
