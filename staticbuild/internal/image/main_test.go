package image

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testTime is the build time of every test image.
var testTime = time.Date(2024, 5, 1, 12, 34, 56, 0, time.UTC)

var (
	binDir  string
	binOnce = map[Platform]*sync.Once{}
	binMu   sync.Mutex
	binErr  = map[Platform]error{}
)

func TestMain(m *testing.M) {
	var err error
	binDir, err = os.MkdirTemp("", "image-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// appBinary returns testdata/app built for p with the real toolchain, the
// way magestatic builds it (CGO_ENABLED=0, -trimpath, -ldflags "-s -w"),
// once per test run.
func appBinary(t testing.TB, p Platform) Binary {
	t.Helper()
	binMu.Lock()
	once := binOnce[p]
	if once == nil {
		once = new(sync.Once)
		binOnce[p] = once
	}
	binMu.Unlock()
	out := filepath.Join(binDir, strings.ReplaceAll(p.String(), "/", "_"), "app")
	once.Do(func() {
		src, err := filepath.Abs(filepath.Join("testdata", "app"))
		if err == nil {
			err = goBuild(src, out, p)
		}
		binMu.Lock()
		binErr[p] = err
		binMu.Unlock()
	})
	binMu.Lock()
	err := binErr[p]
	binMu.Unlock()
	if err != nil {
		t.Fatalf("building testdata/app for %s: %v", p, err)
	}
	return Binary{Platform: p, Source: out}
}

func goBuild(src, out string, p Platform) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch, "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if v := variantVar[p.Arch]; v != "" && p.Variant != "" {
		cmd.Env = append(cmd.Env, v+"="+p.Variant)
	}
	if o, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, o)
	}
	return nil
}

var (
	amd64 = Platform{OS: "linux", Arch: "amd64"}
	arm64 = Platform{OS: "linux", Arch: "arm64"}
)

// appBinaries returns the test program for linux/amd64 and linux/arm64.
func appBinaries(t testing.TB) []Binary {
	return []Binary{appBinary(t, amd64), appBinary(t, arm64)}
}

// needTool returns the path of a system tool. Without it the test fails
// when the CI environment variable is set, and is skipped otherwise.
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install %s): %v", name, pkg, err)
		}
		t.Skipf("%s not installed (apt-get install %s): %v", name, pkg, err)
	}
	return p
}

// needRoot skips or, in CI, fails a test that must run as root.
func needRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s needs root", why)
	}
	t.Skipf("%s needs root", why)
}

// run runs argv and returns its standard output; it fails the test when
// the command fails.
func run(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := runErr(nil, argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runErr runs argv with env added to the process's environment.
func runErr(env []string, argv ...string) (string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: %v\n%s%s", strings.Join(argv, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String(), nil
}

// goroot is the running toolchain's GOROOT, as the engine passes it.
func goroot(t testing.TB) string {
	t.Helper()
	out := run(t, "go", "env", "GOROOT")
	return strings.TrimSpace(out)
}

// testConfig is the configuration most tests build with.
func testConfig(t testing.TB) Config {
	return Config{
		Repository: "example.com/acme/app",
		GOROOT:     goroot(t),
		Time:       testTime,
		Version:    "v1.2.3",
		Revision:   "0123456789abcdef0123456789abcdef01234567",
		Source:     "https://example.com/acme/app",
	}
}
