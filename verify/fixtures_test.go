package verify

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The tests build real programs with the real toolchain. Each distinct build
// runs once per test binary, into fixtureDir, and is shared by the tests and
// benchmarks that ask for it.

const (
	helloPkg   = "github.com/magestatic/magestatic/examples/hello"
	netuserPkg = "github.com/magestatic/magestatic/examples/netuser"
	versionPkg = "github.com/magestatic/magestatic/version"
)

var (
	fixtureDir string // removed when the tests end
	fixturesMu sync.Mutex
	fixtures   = map[string]*fixture{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "verify-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fixtureDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is one build, made once.
type fixture struct {
	once sync.Once
	path string
	err  error
}

// build describes a go build.
type build struct {
	pkg          string   // import path, or ./testdata/name
	dir          string   // where to run go build; "" = here
	goos, goarch string   // "" = the host's
	cgo          bool     // CGO_ENABLED=1
	env          []string // further environment, such as GOARM=7 or CC=...
	flags        []string // flags after "go build", such as -trimpath
}

// goBuild returns the path of the binary bl builds, building it on first use.
// GOFLAGS is set to -buildvcs=false whatever the environment says.
func goBuild(t testing.TB, bl build) string {
	t.Helper()
	key := fmt.Sprintf("%#v", bl)
	fixturesMu.Lock()
	f := fixtures[key]
	if f == nil {
		f = &fixture{path: filepath.Join(fixtureDir, fmt.Sprintf("bin%03d", len(fixtures)))}
		fixtures[key] = f
	}
	fixturesMu.Unlock()
	f.once.Do(func() {
		args := append([]string{"build", "-o", f.path}, bl.flags...)
		cmd := exec.Command("go", append(args, bl.pkg)...)
		cmd.Dir = bl.dir
		cgo := "CGO_ENABLED=0"
		if bl.cgo {
			cgo = "CGO_ENABLED=1"
		}
		cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", cgo)
		if bl.goos != "" {
			cmd.Env = append(cmd.Env, "GOOS="+bl.goos, "GOARCH="+bl.goarch)
		}
		cmd.Env = append(cmd.Env, bl.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			f.err = fmt.Errorf("%s %s: %v\n%s", strings.Join(bl.env, " "), strings.Join(cmd.Args, " "), err, out)
		}
	})
	if f.err != nil {
		t.Fatal(f.err)
	}
	return f.path
}

// shortPlatform reports whether goos/goarch is one of the platforms whose
// builds of examples/hello other tests share, at least one per format
// (ELF, Mach-O, PE): with -short, a check repeated on every platform runs
// on these alone, which cost no build of their own.
func shortPlatform(goos, goarch string) bool {
	switch goos + "/" + goarch {
	case "linux/amd64", "darwin/arm64", "darwin/amd64", "windows/amd64":
		return true
	}
	return false
}

// needTool returns the path of the program name. When it is missing the
// test fails if the environment variable CI is set, and is skipped
// otherwise.
func needTool(t testing.TB, name, apt string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed, and CI is set: install the %s package", name, apt)
	}
	t.Skipf("%s is not installed (apt package %s): skipping; with CI set this fails", name, apt)
	return ""
}

// patched writes a copy of the file at src, changed by edit, into a
// temporary directory and returns its path.
func patched(t testing.TB, src string, edit func(data []byte) []byte) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src)+".patched")
	if err := os.WriteFile(dst, edit(data), 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// removeSectionHeaders zeroes e_shoff, e_shentsize, e_shnum and e_shstrndx
// of a little-endian ELF64 file, as strip --strip-section-headers does: the
// file still loads and runs, but tools that read sections see nothing.
func removeSectionHeaders(data []byte) []byte {
	binary.LittleEndian.PutUint64(data[40:], 0) // e_shoff
	binary.LittleEndian.PutUint16(data[58:], 0) // e_shentsize
	binary.LittleEndian.PutUint16(data[60:], 0) // e_shnum
	binary.LittleEndian.PutUint16(data[62:], 0) // e_shstrndx
	return data
}

// check runs Check and fails the test on an error.
func check(t testing.TB, path string, p Policy) *Report {
	t.Helper()
	r, err := Check(path, p)
	if err != nil {
		t.Fatalf("Check(%s): %v", path, err)
	}
	return r
}

// wantOK fails the test unless r passed.
func wantOK(t testing.TB, r *Report) {
	t.Helper()
	if !r.OK || len(r.Problems) != 0 {
		t.Errorf("%s: want ok, got:\n%s", r.Path, r)
	}
}

// wantProblems fails the test unless r failed with a problem containing each
// of the given strings, and, when n >= 0, exactly n problems.
func wantProblems(t testing.TB, r *Report, n int, subs ...string) {
	t.Helper()
	if r.OK {
		t.Errorf("%s: want failure, got ok:\n%s", r.Path, r)
		return
	}
	if n >= 0 && len(r.Problems) != n {
		t.Errorf("%s: want %d problems, got %d:\n%s", r.Path, n, len(r.Problems), r)
	}
	for _, s := range subs {
		found := false
		for _, p := range r.Problems {
			if strings.Contains(p, s) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no problem mentions %q:\n%s", r.Path, s, r)
		}
	}
}
