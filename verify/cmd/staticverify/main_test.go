package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const helloPkg = "github.com/magestatic/magestatic/examples/hello"

var (
	buildOnce        sync.Once
	static, pie, dir string
	buildErr         error
)

// binaries builds, once, a static pure-Go hello and a PIE one, which needs
// the dynamic loader.
func binaries(t *testing.T) (static, pie string) {
	t.Helper()
	buildOnce.Do(func() {
		dir, buildErr = os.MkdirTemp("", "staticverify-test-")
		if buildErr != nil {
			return
		}
		for _, b := range []struct {
			out   string
			flags []string
		}{
			{"static", []string{"-trimpath", "-ldflags=-X github.com/magestatic/magestatic/version.Version=v1.2.3"}},
			{"pie", []string{"-trimpath", "-buildmode=pie"}},
		} {
			args := append([]string{"build", "-o", filepath.Join(dir, b.out)}, b.flags...)
			cmd := exec.Command("go", append(args, helloPkg)...)
			cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = &buildError{err, out}
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(dir, "static"), filepath.Join(dir, "pie")
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

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
	static, pie := binaries(t)
	text := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(text, []byte("not a binary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want int
		out  string // in stdout or stderr
	}{
		{[]string{static}, 0, static + ": ok (ELF linux/amd64, static)"},
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
		{[]string{"-nosuchflag", static}, 2, "flag provided but not defined"},
	} {
		code, stdout, stderr := runCmd(tc.args...)
		if code != tc.want || !strings.Contains(stdout+stderr, tc.out) {
			t.Errorf("staticverify %q: status %d, want %d with %q in the output:\n%s%s", tc.args, code, tc.want, tc.out, stdout, stderr)
		}
	}
}

func TestJSON(t *testing.T) {
	static, pie := binaries(t)
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
