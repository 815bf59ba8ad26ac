package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

const (
	helloPkg   = "github.com/magestatic/magestatic/examples/hello"
	netuserPkg = "github.com/magestatic/magestatic/examples/netuser"
)

// builds are the binaries the tests check, by name: a static pure-Go hello
// and a PIE one, which needs the dynamic loader, and netuser built with cgo
// the ways a user builds it by hand, static, static-pie and dynamic.
var builds = map[string]struct {
	cgo   bool
	flags []string
}{
	"static":     {false, []string{"-trimpath", "-ldflags=-X github.com/magestatic/magestatic/version.Version=v1.2.3", helloPkg}},
	"stripped":   {false, []string{"-trimpath", "-ldflags=-s -w -X github.com/magestatic/magestatic/version.Version=v1.2.3", helloPkg}},
	"pie":        {false, []string{"-trimpath", "-buildmode=pie", helloPkg}},
	"cgo-static": {true, []string{"-ldflags=-linkmode=external -extldflags=-static", netuserPkg}},
	"cgo-pie":    {true, []string{"-buildmode=pie", "-ldflags=-linkmode=external -extldflags=-static-pie", netuserPkg}},
	"cgo-dyn":    {true, []string{netuserPkg}},
}

var (
	dir     string // removed when the tests end
	dirOnce sync.Once
	dirErr  error
	builtMu sync.Mutex
	built   = map[string]*fixture{}
)

// fixture is one build, made once.
type fixture struct {
	once sync.Once
	err  error
}

// binary returns the path of the named build, building it on first use.
func binary(t *testing.T, name string) string {
	t.Helper()
	b := builds[name]
	if b.cgo {
		if _, err := exec.LookPath("gcc"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("gcc is not installed, and CI is set: install the gcc package")
			}
			t.Skip("gcc is not installed: skipping the cgo builds; with CI set this fails")
		}
	}
	dirOnce.Do(func() { dir, dirErr = os.MkdirTemp("", "staticverify-test-") })
	if dirErr != nil {
		t.Fatal(dirErr)
	}
	builtMu.Lock()
	f := built[name]
	if f == nil {
		f = &fixture{}
		built[name] = f
	}
	builtMu.Unlock()
	path := filepath.Join(dir, name)
	f.once.Do(func() {
		cmd := exec.Command("go", append([]string{"build", "-o", path}, b.flags...)...)
		cgo := "CGO_ENABLED=0"
		if b.cgo {
			cgo = "CGO_ENABLED=1"
		}
		cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", cgo, "GOOS=linux", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			f.err = fmt.Errorf("%s %s: %v\n%s", cgo, strings.Join(cmd.Args, " "), err, out)
		}
	})
	if f.err != nil {
		t.Fatal(f.err)
	}
	return path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// runCmd runs the command in-process and returns its status and output.
func runCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestExitStatus(t *testing.T) {
	static, pie := binary(t, "static"), binary(t, "pie")
	text := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(text, []byte("not a binary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want int
		out  string // in stdout or stderr
	}{
		{[]string{static}, 0, static + ": ok (ELF linux/amd64, cgo off, static)"},
		{[]string{"-cgo=false", "-trimpath", "-buildmode", "exe", static}, 0, "ok"},
		{[]string{"-platform", "linux/amd64", static}, 0, "ok"},
		{[]string{"-X", "github.com/magestatic/magestatic/version.Version=v1.2.3", static}, 0, "ok"},
		{[]string{pie}, 1, "requests the program interpreter"},
		{[]string{static, pie}, 1, pie + ": FAIL"},
		{[]string{"-buildmode", "pie", pie}, 1, "program interpreter"},
		{[]string{"-platform", "darwin/arm64", static}, 1, "was built for GOOS=linux, not darwin"},
		{[]string{"-cgo", static}, 1, "cgo was asked for"},
		{[]string{"-release", "-tags", "netgo", static}, 1, "without the netgo build tag"},
		{[]string{"-X", "main.verison=v9.9.9", static}, 1, "-X main.verison=v9.9.9 did not land"},
		{[]string{"-allow", "libc.so.6", static}, 0, "ok"},
		// A file that is not an executable wins over a failing one.
		{[]string{pie, text}, 2, "not an ELF, Mach-O or PE executable"},
		{[]string{filepath.Join(t.TempDir(), "missing")}, 2, "no such file"},
		{[]string{t.TempDir()}, 2, "is a directory"},
		// Usage errors.
		{nil, 2, "usage: staticverify"},
		{[]string{"-json"}, 2, "usage: staticverify"},
		{[]string{"-platform", "linux", static}, 2, `-platform "linux" is not os/arch`},
		{[]string{"-X", "novalue", static}, 2, "want var=value"},
		{[]string{"-cgo=maybe", static}, 2, "want -cgo (cgo was asked for) or -cgo=false (pure Go)"},
		{[]string{"-nosuchflag", static}, 2, "flag provided but not defined"},
	} {
		code, stdout, stderr := runCmd(tc.args...)
		if code != tc.want || !strings.Contains(stdout+stderr, tc.out) {
			t.Errorf("staticverify %q: status %d, want %d with %q in the output:\n%s%s", tc.args, code, tc.want, tc.out, stdout, stderr)
		}
	}
}

func TestCgoBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	// With no policy flag a static cgo build passes, and the report says
	// what it is; the flags make the check stricter.
	static, pie, dyn := binary(t, "cgo-static"), binary(t, "cgo-pie"), binary(t, "cgo-dyn")
	for _, tc := range []struct {
		args []string
		want int
		out  string
	}{
		{[]string{static}, 0, static + ": ok (ELF linux/amd64, cgo static, static)"},
		{[]string{pie}, 0, pie + ": ok (ELF linux/amd64, cgo static-pie, static-pie)"},
		{[]string{dyn}, 1, dyn + ": FAIL (ELF linux/amd64, cgo dynamic, dynamic: libc.so.6)\n\trequests the program interpreter"},
		{[]string{"-cgo", static, pie}, 0, "ok"},
		{[]string{"-cgo=false", static}, 1, "was built with CGO_ENABLED=1, but a pure-Go build was asked for"},
		{[]string{"-cgo", "-tags", "netgo,osusergo", static}, 1, "without the netgo build tag"},
		{[]string{"-buildmode", "exe", pie}, 1, "was built with -buildmode=pie, not exe"},
		{[]string{"-buildmode", "pie", pie}, 0, "ok"},
		{[]string{"-trimpath", static}, 1, "was built without -trimpath"},
		{[]string{"-platform", "linux/arm64", static}, 1, "was built for GOARCH=amd64, not arm64"},
		{[]string{"-release", static}, 0, "ok"},
	} {
		code, stdout, stderr := runCmd(tc.args...)
		if code != tc.want || !strings.Contains(stdout+stderr, tc.out) {
			t.Errorf("staticverify %q: status %d, want %d with %q in the output:\n%s%s", tc.args, code, tc.want, tc.out, stdout, stderr)
		}
	}

	code, stdout, _ := runCmd("-json", binary(t, "static"), static, pie, dyn)
	var got []struct{ Cgo, Linkage string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 1 {
		t.Fatalf("status %d, %v:\n%s", code, err, stdout)
	}
	want := []struct{ Cgo, Linkage string }{{"off", "static"}, {"static", "static"}, {"static-pie", "static-pie"}, {"dynamic", "dynamic"}}
	if !slices.Equal(got, want) {
		t.Errorf("cgo and linkage %v, want %v", got, want)
	}
}

func TestJSON(t *testing.T) {
	static, pie := binary(t, "static"), binary(t, "pie")
	missing := filepath.Join(t.TempDir(), "missing")
	code, stdout, stderr := runCmd("-json", static, pie, missing)
	if code != 2 {
		t.Errorf("status %d, want 2 (a file could not be read)", code)
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, stdout)
	}
	if len(got) != 3 {
		t.Fatalf("%d objects, want 3:\n%s", len(got), stdout)
	}
	for i, want := range []struct {
		path  string
		ok    bool
		error bool
	}{{static, true, false}, {pie, false, false}, {missing, false, true}} {
		o := got[i]
		if o["path"] != want.path || o["ok"] != want.ok {
			t.Errorf("object %d: path %v ok %v, want %s %v", i, o["path"], o["ok"], want.path, want.ok)
		}
		if _, ok := o["libraries"].([]any); !ok {
			t.Errorf("object %d: libraries %v is not an array", i, o["libraries"])
		}
		problems, ok := o["problems"].([]any)
		if !ok {
			t.Errorf("object %d: problems %v is not an array", i, o["problems"])
		}
		if _, hasErr := o["error"]; hasErr != want.error {
			t.Errorf("object %d: error field %v, want present=%v", i, o["error"], want.error)
		}
		if want.ok != (len(problems) == 0) {
			t.Errorf("object %d: ok %v with problems %v", i, o["ok"], problems)
		}
	}
}

// TestStampedIssue runs the two checks the -X count got wrong: a variable
// that holds another value was reported missing, and a misspelt variable
// passed for a one-character value. Each is run on a file with symbols
// and on a stripped one.
func TestStampedIssue(t *testing.T) {
	const version = "github.com/magestatic/magestatic/version.Version"
	static, stripped := binary(t, "static"), binary(t, "stripped")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-X", version + "=v9.9.9", static}, 1,
			"-X " + version + `=v9.9.9 did not land: ` + version + ` holds "v1.2.3" (read through its symbol), not "v9.9.9"`},
		{[]string{"-X", version + "=v9.9.9", stripped}, 1,
			"-X " + version + "=v9.9.9 did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value"},
		{[]string{"-X", version + "=v1.2.3", static}, 0, ": ok ("},
		{[]string{"-X", version + "=v1.2.3", stripped}, 0,
			"\tnote: -X " + version + "=v1.2.3: stripped: a string header for the value exists; which variable holds it cannot be read (build without -s to check the variable itself)"},
		{[]string{"-X", "main.verison=x", static}, 1,
			"-X main.verison=x did not land: the binary has no variable main.verison: either the name is misspelt (check the package path and the name), or the program never uses the variable and the linker dropped it as dead code"},
		{[]string{"-X", "main.verison=x", stripped}, 1,
			"-X main.verison=x did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (the value's bytes are in its read-only data, but no string header of that length points at them)"},
	} {
		code, stdout, stderr := runCmd(tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.want) {
			t.Errorf("staticverify %s: exit %d, want %d with %q in:\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, stdout, stderr)
		}
	}
}
