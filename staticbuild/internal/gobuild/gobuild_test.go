package gobuild

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

func host() platform.Platform { return platform.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH} }

func TestLdflagValuesSurvive(t *testing.T) {
	dir := t.TempDir()
	for i, v := range []string{
		"plain",
		"with spaces  and\ttabs",
		`it's "quoted" without spaces? no: it's`,
		`say "hi" there`,
		"key=value=more",
		"ünïcødé ✓ 版本",
		`'leading quote`,
	} {
		if strings.ContainsAny(v, " \t") && strings.Contains(v, "'") && strings.Contains(v, `"`) {
			if _, err := JoinLdflags([]string{"-X", "main.value=" + v}); err == nil {
				t.Errorf("JoinLdflags accepted %q, which the go command cannot split back", v)
			}
			continue
		}
		out := filepath.Join(dir, "bin"+strconv.Itoa(i)+exe())
		j := Job{Base: os.Environ(), Dir: "testdata/printvar", Package: ".", Output: out, Platform: host(),
			Ldflags: []string{"-s", "-w", "-X", "main.value=" + v}}
		if _, err := j.Run(context.Background()); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		got, err := exec.Command(out).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := strconv.Quote(v) + "\n"; string(got) != want {
			t.Errorf("value %q came out as %s", v, got)
		}
	}
}

func TestFailedBuildLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sub", "broken")
	p := platform.Platform{OS: "linux", Arch: "arm64"}
	_, err := Job{Base: os.Environ(), Dir: "testdata/broken", Package: ".", Output: out, Platform: p}.Run(context.Background())
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *Error", err)
	}
	for _, want := range []string{"linux/arm64", "undefinedFunction"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("failed build left %v", entries)
	}
}

func TestEnvironIgnoresAmbient(t *testing.T) {
	j := Job{Platform: platform.Platform{OS: "linux", Arch: "amd64"}}
	env := j.Environ([]string{"GOFLAGS=-race", "GOAMD64=v4", "GOOS=plan9", "CGO_ENABLED=1", "HOME=/h"})
	got := strings.Join(env, " ")
	want := "HOME=/h GOFLAGS=-trimpath GIT_OPTIONAL_LOCKS=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 CGO_ENABLED=0"
	if got != want {
		t.Errorf("Environ = %q, want %q", got, want)
	}
}

// TestVCSBuildTakesNoIndexLock: with -buildvcs=true the go command runs
// git status, which rewrites a stale index under .git/index.lock; a build
// killed meanwhile (with its run's process group) left the lock behind,
// and git refused to work in the repository until it was removed by hand.
// The build must not write the index.
func TestVCSBuildTakesNoIndexLock(t *testing.T) {
	if err := exec.Command("git", "--version").Run(); err != nil {
		t.Skipf("no git to run: %v", err)
	}
	dir := t.TempDir()
	main, err := os.ReadFile("testdata/printvar/main.go")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.24\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), main, 0o644)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	index := filepath.Join(dir, ".git", "index")
	before, err := os.Stat(index)
	if err != nil {
		t.Fatal(err)
	}
	later := before.ModTime().Add(time.Minute)
	os.Chtimes(filepath.Join(dir, "main.go"), later, later)
	j := Job{Base: os.Environ(), Dir: dir, Package: ".", Output: filepath.Join(t.TempDir(), "app"+exe()), Platform: host(), VCS: true}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after, err := os.Stat(index); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("the build rewrote .git/index (%v): git took the index lock", err)
	}
}

// TestTempOutputIsAtomicfiles checks that go build writes to one of
// atomicfile's temporary names beside the output, which a later run finds
// and removes when a killed build left it.
func TestTempOutputIsAtomicfiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in go command is a shell script")
	}
	dir := t.TempDir()
	record := filepath.Join(dir, "o.txt")
	fake := filepath.Join(dir, "go")
	script := "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = -o ] && printf %s \"$2\" > \"$RECORD\"; shift; done\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "dist", "app")
	j := Job{Base: os.Environ(), Go: fake, Dir: dir, Package: ".", Output: out, Platform: host(), Env: []string{"RECORD=" + record}}
	if _, err := j.Run(context.Background()); err == nil {
		t.Fatal("the stand-in go command failed, Run did not")
	}
	tmp, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(string(tmp)) != filepath.Dir(out) || !atomicfile.IsTemp(filepath.Base(string(tmp))) {
		t.Errorf("go build -o %s: want an atomicfile temporary name beside %s", tmp, out)
	}
}

func TestMissingGo(t *testing.T) {
	j := Job{Base: os.Environ(), Go: "/nonexistent/go", Dir: "testdata/printvar", Package: ".", Output: filepath.Join(t.TempDir(), "x"), Platform: host()}
	_, err := j.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not on PATH") {
		t.Errorf("err = %v", err)
	}
}

func TestWindowsOnlyTypeError(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the test needs a host other than windows, where the package builds")
	}
	out := filepath.Join(t.TempDir(), "app")
	if _, err := (Job{Base: os.Environ(), Dir: "testdata/winbroken", Package: ".", Output: out, Platform: host()}).Run(context.Background()); err != nil {
		t.Fatalf("the package builds for the host: %v", err)
	}
	win := platform.Platform{OS: "windows", Arch: "amd64"}
	_, err := Job{Base: os.Environ(), Dir: "testdata/winbroken", Package: ".", Output: out + ".exe", Platform: win}.Run(context.Background())
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *Error", err)
	}
	msg := err.Error()
	t.Logf("Error():\n%s", msg)
	for _, want := range []string{"windows/amd64: go build failed", "# github.com/magestatic/magestatic/staticbuild/internal/gobuild/testdata/winbroken",
		`./greeting_windows.go:5:20: cannot use "hello" (untyped string constant) as int value in variable declaration`} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() does not contain %q", want)
		}
	}
	want := []Position{{File: "greeting_windows.go", Line: 5, Col: 20, Message: `cannot use "hello" (untyped string constant) as int value in variable declaration`}}
	if got := Positions(be.Log, "testdata/winbroken"); !slices.Equal(got, want) {
		t.Errorf("Positions = %+v, want %+v", got, want)
	}
}

func TestLinkerFlagInOneElement(t *testing.T) {
	j := Job{Base: os.Environ(), Dir: "testdata/printvar", Package: ".", Output: filepath.Join(t.TempDir(), "x"), Platform: host(),
		Ldflags: []string{"-X main.value=a b"}}
	_, err := j.Run(context.Background())
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *Error", err)
	}
	msg := err.Error()
	t.Logf("Error():\n%s", msg)
	if !strings.Contains(msg, "flag provided but not defined: -X main.value") {
		t.Errorf("Error() does not give the cause")
	}
	full := be.Full()
	for _, want := range []string{"flag provided but not defined: -X main.value", "usage: link", "-X definition", "disable DWARF generation"} {
		if !strings.Contains(full, want) {
			t.Errorf("Full() does not contain %q", want)
		}
	}
	if !strings.Contains(msg, "usage: link [options] main.o\n    ...") || strings.Contains(msg, "disable DWARF") {
		t.Errorf("Error() shows the linker's usage text instead of its first line and ...")
	}
}

func TestPositionsInSubpackage(t *testing.T) {
	mod, err := filepath.Abs("testdata/errmod")
	if err != nil {
		t.Fatal(err)
	}
	build := func(dir, pkg string) *Error {
		t.Helper()
		_, err := Job{Base: os.Environ(), Dir: dir, Package: pkg, Output: filepath.Join(t.TempDir(), "x"), Platform: host()}.Run(context.Background())
		var be *Error
		if !errors.As(err, &be) {
			t.Fatalf("building %s in %s: err = %v, want *Error", pkg, dir, err)
		}
		return be
	}
	lib := []Position{
		{File: "internal/lib/lib.go", Line: 5, Col: 14, Message: "too many return values\nhave (string, number)\nwant (int)"},
		{File: "internal/lib/lib.go", Line: 8, Col: 12, Message: "undefined: undefinedThing"},
	}
	be := build(mod, "./cmd/x")
	if got := Positions(be.Log, mod); !slices.Equal(got, lib) {
		t.Errorf("./cmd/x: Positions = %+v, want %+v", got, lib)
	}
	msg := be.Error()
	t.Logf("Error():\n%s", msg)
	// The go command prints paths the system's way (internal\lib on Windows).
	for _, want := range []string{"# example.com/app/internal/lib", filepath.FromSlash("internal/lib/lib.go:5:14: too many return values"), "\thave (string, number)", filepath.FromSlash("internal/lib/lib.go:8:12: undefined: undefinedThing")} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() does not contain %q", want)
		}
	}
	if strings.Count(msg, "undefinedThing") != 1 {
		t.Errorf("Error() repeats lines")
	}

	want := []Position{{File: "main.go", Line: 4, Col: 14, Message: `cannot use "one" (untyped string constant) as int value in variable declaration`}}
	if got := Positions(build(mod, ".").Log, mod); !slices.Equal(got, want) {
		t.Errorf(".: Positions = %+v, want %+v", got, want)
	}

	// From cmd/x the go command prints ../../internal/lib/lib.go, which is
	// outside the directory.
	cmdx := filepath.Join(mod, "cmd", "x")
	got := Positions(build(cmdx, ".").Log, cmdx)
	if len(got) != 2 || got[0].File != filepath.Join(mod, "internal", "lib", "lib.go") || got[1].Line != 8 {
		t.Errorf("from cmd/x: Positions = %+v, want the absolute path of internal/lib/lib.go", got)
	}
}

func TestJoinLdflagsFirstArgumentQuoted(t *testing.T) {
	ld, err := JoinLdflags([]string{"-X=main.value=first argument", "-s"})
	if err != nil || ld != "all='-X=main.value=first argument' -s" {
		t.Fatalf("JoinLdflags = %q, %v", ld, err)
	}
	out := filepath.Join(t.TempDir(), "x"+exe())
	j := Job{Base: os.Environ(), Dir: "testdata/printvar", Package: ".", Output: out, Platform: host(), Ldflags: []string{"-X=main.value=first argument"}}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, err := exec.Command(out).Output(); err != nil || string(got) != "\"first argument\"\n" {
		t.Errorf("program printed %q, %v", got, err)
	}
}

// exe is the suffix of an executable's name on this system.
func exe() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// TestBaseRequired: a Job without Base built in the process's environment,
// so that a caller that forgot to pass the environment it resolved
// (Config.Environ) went unnoticed. It must fail, naming the bug, before
// the go command runs.
func TestBaseRequired(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x"+exe())
	_, err := Job{Dir: "testdata/printvar", Package: ".", Output: out, Platform: host()}.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Job.Base is nil") || !strings.Contains(err.Error(), "bug") {
		t.Fatalf("err = %v, want one naming the nil Job.Base as a bug", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("the build without Base wrote %s", out)
	}
}

// TestBaseIsTheEnvironment: the go command gets Base, not the process's
// environment: a GOCACHE in Base that the process does not have reaches
// it (a relative one, which the go command refuses at once).
func TestBaseIsTheEnvironment(t *testing.T) {
	base := append(os.Environ(), "GOCACHE=relative-cache")
	j := Job{Base: base, Dir: "testdata/printvar", Package: ".", Output: filepath.Join(t.TempDir(), "x"+exe()), Platform: host()}
	_, err := j.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "GOCACHE") {
		t.Fatalf("err = %v, want the go command's complaint about the GOCACHE in Base", err)
	}
}
