package pkgsize

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds the binaries the tests build, shared by all tests of the
// package.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pkgsize-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// A target is a program built for one platform.
type target struct {
	pkg          string // relative to this package's directory
	goos, goarch string
	stripped     bool // -ldflags "-s -w"
	cgo          bool // CGO_ENABLED=1
}

var (
	buildMu sync.Mutex
	built   = make(map[target]*buildResult)
)

type buildResult struct {
	once sync.Once
	path string
	err  error
}

// build builds tg once for all tests, with the real Go toolchain, and
// returns the binary's path.
func build(tb testing.TB, tg target) string {
	tb.Helper()
	buildMu.Lock()
	r := built[tg]
	if r == nil {
		r = &buildResult{}
		built[tg] = r
	}
	buildMu.Unlock()
	r.once.Do(func() {
		name := fmt.Sprintf("%s-%s-%s", filepath.Base(tg.pkg), tg.goos, tg.goarch)
		if tg.stripped {
			name += "-stripped"
		}
		r.path = filepath.Join(binDir, name)
		args := []string{"build", "-trimpath", "-buildvcs=false", "-o", r.path}
		if tg.stripped {
			args = append(args, "-ldflags=-s -w")
		}
		cmd := exec.Command("go", append(args, "./"+tg.pkg)...)
		cgo := "CGO_ENABLED=0"
		if tg.cgo {
			cgo = "CGO_ENABLED=1"
		}
		cmd.Env = append(os.Environ(), cgo, "GOOS="+tg.goos, "GOARCH="+tg.goarch, "GOFLAGS=-buildvcs=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			r.err = fmt.Errorf("go %v: %v\n%s", args, err, out)
		}
	})
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return r.path
}

// platforms are the three container formats the tests read.
var platforms = []struct {
	name, goos, goarch string
}{
	{"ELF", "linux", "amd64"},
	{"MachO", "darwin", "arm64"},
	{"PE", "windows", "amd64"},
}

// prog returns the test program built for a platform.
func prog(tb testing.TB, goos, goarch string, stripped bool) string {
	return build(tb, target{"testdata/prog", goos, goarch, stripped, false})
}
