//go:build linux

package staticbuild_test

// The fault suite: each test starts real processes (go tool mage, or the
// magefile compiled with mage -compile) in throwaway modules and checks what
// they leave behind when something goes wrong. Every test logs what it
// observed, in lines starting with "observed:" (go test -v). It runs on
// Linux only: it finds processes in /proc and breaks directories with
// mounts in a private mount namespace.

import (
	"crypto/rand"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// faultEnv is the environment of every command the suite runs: the
// caller's, with GOFLAGS set explicitly so that a -buildvcs=false or -mod
// from outside cannot change what mage compiles, then extra.
func faultEnv(extra ...string) []string {
	return append(append(os.Environ(), "GOFLAGS=-buildvcs=false"), extra...)
}

// outcome is how a finished command ended.
type outcome struct {
	out    string        // standard output and standard error
	code   int           // exit status
	took   time.Duration // wall time
	maxRSS int64         // largest resident set of the process, in bytes
}

// faultCmd returns a command in its own process group whose output goes to
// a file, so that no pipe can keep Wait waiting on a process the command
// left behind.
func faultCmd(t *testing.T, dir string, env []string, name string, args ...string) (*exec.Cmd, *os.File) {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "out-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, out
}

// finish waits for a started command for up to limit, killing its process
// group and failing the test when it takes longer.
func finish(t *testing.T, cmd *exec.Cmd, out *os.File, start time.Time, limit time.Duration) outcome {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return outcomeOf(t, cmd, out, start, err)
	case <-time.After(limit):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		data, _ := os.ReadFile(out.Name())
		t.Fatalf("%s did not finish in %s:\n%s", strings.Join(cmd.Args, " "), limit, data)
	}
	return outcome{}
}

// outcomeOf returns the outcome of a command that Wait returned err for.
func outcomeOf(t *testing.T, cmd *exec.Cmd, out *os.File, start time.Time, err error) outcome {
	t.Helper()
	o := outcome{took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		o.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		o.maxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	data, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	o.out = string(data)
	return o
}

// runFault runs a command to its end, for up to five minutes.
func runFault(t *testing.T, dir string, env []string, name string, args ...string) outcome {
	t.Helper()
	cmd, out := faultCmd(t, dir, env, name, args...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return finish(t, cmd, out, start, 5*time.Minute)
}

// goMage runs "go tool mage args..." in dir.
func goMage(t *testing.T, dir string, env []string, args ...string) outcome {
	t.Helper()
	return runFault(t, dir, env, "go", append([]string{"tool", "mage"}, args...)...)
}

// compileMagefile compiles the magefile of the module at dir with
// mage -compile and returns the binary, which runs the targets in
// whatever module is its working directory. It lets a test break the
// environment of the targets without breaking mage's own go build.
func compileMagefile(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "magefile")
	if o := goMage(t, dir, faultEnv(), "-compile", bin); o.code != 0 {
		t.Fatalf("mage -compile exited %d:\n%s", o.code, o.out)
	}
	return bin
}

// expectFailure checks that a run failed with output that contains every
// one of want, and that the cause is stated once, not once per platform.
func expectFailure(t *testing.T, o outcome, want ...string) {
	t.Helper()
	if o.code == 0 {
		t.Fatalf("the run succeeded; want a failure naming %q:\n%s", want, o.out)
	}
	for _, w := range want {
		if !strings.Contains(o.out, w) {
			t.Errorf("the output does not contain %q:\n%s", w, o.out)
		}
	}
	noPanic(t, o.out)
}

// noPanic fails the test when output shows a panic, which mage would
// otherwise report as an ordinary error.
func noPanic(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{"panic:", "runtime error", "goroutine "} {
		if strings.Contains(out, s) {
			t.Errorf("the output shows a panic (%q):\n%s", s, out)
		}
	}
}

// noBuildStarted checks that a run printed no line of a started build.
func noBuildStarted(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{" ok    ", " FAIL  ", "platform(s)"} {
		if strings.Contains(out, s) {
			t.Errorf("a build started (the output has %q) though the run should stop before:\n%s", s, out)
		}
	}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// fileSum returns the hex SHA-256 of a file.
func fileSum(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// distState is what a run left in an output directory.
type distState struct {
	binaries []string // complete binaries under their final names
	partial  []string // files under final names that are not complete binaries
	temp     []string // temporary files of builds (atomicfile.IsTemp)
}

// inspectDist sorts the files of an output directory: every file in a
// platform's directory must be a complete binary, anything else under a
// binary's name is partial.
func inspectDist(t *testing.T, dist string) distState {
	t.Helper()
	var s distState
	err := filepath.WalkDir(dist, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dist {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(dist, p)
		switch {
		case d.IsDir():
		case atomicfile.IsTemp(d.Name()):
			s.temp = append(s.temp, rel)
		case filepath.Dir(rel) == ".":
			// artifacts.json, archives and the like, next to the
			// platforms' directories.
		default:
			if err := completeBinary(p); err != nil {
				s.partial = append(s.partial, fmt.Sprintf("%s (%v)", rel, err))
			} else {
				s.binaries = append(s.binaries, rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// completeBinary reports why the file at name is not a complete Go executable:
// its build information must read, and every byte its header says the
// file holds must be there.
func completeBinary(name string) error {
	if _, err := buildinfo.ReadFile(name); err != nil {
		return err
	}
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	var end uint64
	if f, err := elf.Open(name); err == nil {
		defer f.Close()
		for _, p := range f.Progs {
			end = max(end, p.Off+p.Filesz)
		}
		for _, s := range f.Sections {
			if s.Type != elf.SHT_NOBITS {
				end = max(end, s.Offset+s.FileSize)
			}
		}
	} else if f, err := macho.Open(name); err == nil {
		defer f.Close()
		for _, l := range f.Loads {
			if s, ok := l.(*macho.Segment); ok {
				end = max(end, s.Offset+s.Filesz)
			}
		}
	} else if f, err := pe.Open(name); err == nil {
		defer f.Close()
		for _, s := range f.Sections {
			end = max(end, uint64(s.Offset)+uint64(s.Size))
		}
	} else {
		return fmt.Errorf("not ELF, Mach-O or PE")
	}
	if end > uint64(fi.Size()) {
		return fmt.Errorf("the header says %d bytes, the file has %d", end, fi.Size())
	}
	return nil
}

// helloWith returns testmod.Hello with more imports and statements in main,
// such as a dependency that must be downloaded.
func helloWith(imports, stmts string) string {
	s := strings.Replace(testmod.Hello, "import (\n", "import (\n"+imports, 1)
	return strings.Replace(s, "func main() {\n", "func main() {\n"+stmts, 1)
}
