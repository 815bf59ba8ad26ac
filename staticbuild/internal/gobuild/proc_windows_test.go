//go:build windows

package gobuild

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/magestatic/magestatic/internal/platform"
)

// envBuildChild makes the test binary a run with one build in flight: it
// starts the build of the module in the variable's directory and waits.
const envBuildChild = "MAGESTATIC_TEST_BUILD_CHILD"

// process is one entry of the system's process list.
type process struct {
	pid, parent uint32
	exe         string
}

// processes reads the system's process list.
func processes(t *testing.T) []process {
	t.Helper()
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		t.Fatalf("reading the process list: %v", err)
	}
	defer windows.CloseHandle(snap)
	var list []process
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		list = append(list, process{e.ProcessID, e.ParentProcessID, strings.ToLower(windows.UTF16ToString(e.ExeFile[:]))})
	}
	return list
}

// descendants returns the processes below pid in list.
func descendants(list []process, pid uint32) []process {
	var out []process
	for _, p := range list {
		if p.parent == pid && p.pid != pid {
			out = append(out, p)
			out = append(out, descendants(list, p.pid)...)
		}
	}
	return out
}

// alive returns the processes of want that are still in the process list
// with the same executable.
func alive(t *testing.T, want []process) []process {
	var out []process
	for _, p := range processes(t) {
		for _, w := range want {
			if p.pid == w.pid && p.exe == w.exe {
				out = append(out, p)
			}
		}
	}
	return out
}

// slowModule writes a module whose build compiles much of the standard
// library, so that with an empty GOCACHE compilers run for a while.
func slowModule(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "a b")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	main := "package main\n\nimport (\n\t_ \"crypto/tls\"\n\t_ \"encoding/xml\"\n\t_ \"net/http\"\n\t_ \"text/template\"\n)\n\nfunc main() {}\n"
	for name, data := range map[string]string{"go.mod": "module example.com/slow\n\ngo 1.24\n", "main.go": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// slowJob is the build of slowModule's program with a GOCACHE of its own.
func slowJob(t *testing.T, dir, cache string) Job {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	return Job{Base: os.Environ(), Go: goCmd, Dir: dir, Package: ".", Output: filepath.Join(dir, "out", "slow.exe"),
		Platform: platform.Platform{OS: "windows", Arch: "amd64"}, Env: []string{"GOCACHE=" + cache}}
}

// toolchain waits until a compiler or linker runs below pid and returns
// every process below it.
func toolchain(t *testing.T, pid uint32) []process {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		below := descendants(processes(t), pid)
		for _, p := range below {
			if p.exe == "compile.exe" || p.exe == "link.exe" {
				return below
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no compiler started within 3 minutes")
	return nil
}

// TestCancelEndsEveryChild cancels a build while compilers run (as Ctrl-C
// and mage -t do, through the context) and checks from the process list
// that the go command and every compiler it started are gone.
func TestCancelEndsEveryChild(t *testing.T) {
	dir := slowModule(t)
	job := slowJob(t, dir, filepath.Join(t.TempDir(), "cache"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := job.Run(ctx)
		done <- err
	}()
	below := toolchain(t, uint32(os.Getpid()))
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the cancelled build succeeded")
		}
	case <-time.After(time.Minute):
		t.Fatal("the cancelled build did not return within a minute")
	}
	if left := alive(t, below); len(left) > 0 {
		t.Errorf("after cancelling, still running: %v (of %v)", left, below)
	}
	t.Logf("cancelled with %d processes below the run: %v", len(below), below)
}

// TestKilledRunEndsEveryChild kills a run (this test binary started again,
// building) with TerminateProcess while compilers run, and checks that the
// job object took the go command and every compiler with it.
func TestKilledRunEndsEveryChild(t *testing.T) {
	dir := slowModule(t)
	slowJob(t, dir, "") // skips without a go command
	cmd := exec.Command(os.Args[0], "-test.run=^TestBuildChild$")
	cmd.Env = append(os.Environ(), envBuildChild+"="+dir, "GOCACHE="+filepath.Join(t.TempDir(), "cache"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	below := toolchain(t, uint32(cmd.Process.Pid))
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	var left []process
	for range 50 { // the system ends the job's processes as the handle closes
		if left = alive(t, below); len(left) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Errorf("after the run was killed, still running: %v (of %v)", left, below)
	}
	t.Logf("killed the run with %d processes below it: %v", len(below), below)
}

// TestBuildChild is the run TestKilledRunEndsEveryChild kills: it builds
// the module named by envBuildChild and never returns on its own.
func TestBuildChild(t *testing.T) {
	dir := os.Getenv(envBuildChild)
	if dir == "" {
		t.Skip("started by TestKilledRunEndsEveryChild")
	}
	job := slowJob(t, dir, os.Getenv("GOCACHE"))
	job.Run(context.Background())
	time.Sleep(time.Hour)
}

func (p process) String() string { return p.exe + ":" + strconv.Itoa(int(p.pid)) }
