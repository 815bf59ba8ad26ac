// Command benchrec records what the processes of a build cost, for the
// benchmark's CPU by process kind. It runs in one of two ways:
//
//   - As the go command: a file or link named "go" in a directory put first
//     on PATH. It runs the real go command, BENCHREC_GO, adding
//     -toolexec=<itself> to build, install, run and test, and records the
//     go command with everything it waited for. A go command started
//     inside a recorded one (mage's, under go tool mage) is recorded with
//     its depth, so that sums can take the outermost ones only.
//   - As go build's -toolexec: "benchrec /path/to/compile args...". It runs
//     the tool and records it.
//
// Each record is one line appended to BENCHREC_LOG (see bench.ReadKinds):
// kind, detail, wall, the child's user and system CPU and peak RSS,
// benchrec's own user and system CPU, the depth of go commands (0 for a
// tool), the child's process id and benchrec's parent's, tab-separated,
// nanoseconds and bytes. A tool's parent is the go command that ran it.
// Without BENCHREC_LOG it only runs the command.
//
// A pass-through -toolexec leaves the build's cache keys alone: the go
// command keys a release toolchain's tools by the version line that
// "tool -V=full" prints, which benchrec passes on unchanged, and does not
// hash -toolexec itself. The binaries are the same bytes.
//
//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Environment variables.
const (
	envLog   = "BENCHREC_LOG"   // file the records are appended to
	envGo    = "BENCHREC_GO"    // the real go command
	envInGo  = "BENCHREC_IN_GO" // depth of go commands inside a recorded one
	envSelf  = "BENCHREC_SELF"  // this program, for -toolexec
	goShimID = "go"
)

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	var (
		argv         []string
		kind, detail string
		depth        int
		env          = os.Environ()
	)
	if name == goShimID {
		real := os.Getenv(envGo)
		if real == "" {
			fail(fmt.Errorf("%s is not set: it names the go command that the go on PATH runs", envGo))
		}
		args := os.Args[1:]
		if os.Getenv(envLog) == "" {
			execve(append([]string{real}, args...), env)
		}
		depth, _ = strconv.Atoi(os.Getenv(envInGo))
		depth++
		kind, detail = "go", ""
		if len(args) > 0 {
			detail = args[0]
			switch args[0] {
			case "build", "install", "run", "test":
				self := os.Getenv(envSelf)
				if self == "" {
					if exe, err := os.Executable(); err == nil {
						self = exe
					}
				}
				args = append([]string{args[0], "-toolexec=" + self}, args[1:]...)
			}
		}
		argv = append([]string{real}, args...)
		env = append(env, envInGo+"="+strconv.Itoa(depth))
	} else {
		if len(os.Args) < 2 {
			fail(errors.New("usage: benchrec /path/to/tool args... (as go build -toolexec), or run as go"))
		}
		argv = os.Args[1:]
		kind = strings.TrimSuffix(filepath.Base(argv[0]), ".exe")
		detail = toolDetail(kind, argv[1:])
	}
	log := os.Getenv(envLog)
	if log == "" {
		execve(argv, env)
	}
	start := time.Now()
	ps, err := start1(argv, env)
	if err != nil {
		fail(err)
	}
	wall := time.Since(start)
	var user, sys, rss int64
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		user, sys, rss = ru.Utime.Nano(), ru.Stime.Nano(), ru.Maxrss*1024
	}
	var self syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	line := fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", kind, clean(detail), wall.Nanoseconds(), user, sys, rss,
		self.Utime.Nano(), self.Stime.Nano(), depth, ps.Pid(), os.Getppid())
	// One write to a file opened with O_APPEND: the lines of processes
	// running at once do not interleave.
	if f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
		f.WriteString(line)
		f.Close()
	}
	exit(ps, nil)
}

// toolDetail is what a record says about a tool's invocation: the package
// a compile or asm builds, the output of a link, "-V" for the version
// queries by which the go command keys its cache.
func toolDetail(kind string, args []string) string {
	for i, a := range args {
		if a == "-V=full" || a == "-V" {
			return "-V"
		}
		if (kind == "compile" || kind == "asm") && a == "-p" && i+1 < len(args) {
			return args[i+1] + " " + os.Getenv("GOOS") + "/" + os.Getenv("GOARCH")
		}
	}
	if kind == "link" {
		return os.Getenv("GOOS") + "/" + os.Getenv("GOARCH")
	}
	return os.Getenv("TOOLEXEC_IMPORTPATH")
}

func clean(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }

// start1 runs argv with the standard streams and waits for it. Interrupts
// reach the child through the terminal's process group; benchrec ignores
// them, so that it outlives the child and passes its status on.
func start1(argv []string, env []string) (*os.ProcessState, error) {
	signal.Ignore(os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT)
	path, err := lookPath(argv[0])
	if err != nil {
		return nil, err
	}
	p, err := os.StartProcess(path, argv, &os.ProcAttr{Env: env, Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}, Sys: childAttr})
	if err != nil {
		return nil, err
	}
	return p.Wait()
}

// childAttr is the child's process attributes: on Linux, it is killed
// when benchrec dies, as the go command magestatic starts would be.
var childAttr *syscall.SysProcAttr

// execve replaces benchrec with argv: nothing to record, nothing to add.
func execve(argv []string, env []string) {
	path, err := lookPath(argv[0])
	if err == nil {
		err = syscall.Exec(path, argv, env)
	}
	fail(err)
}

func lookPath(path string) (string, error) {
	if strings.ContainsRune(path, os.PathSeparator) {
		return path, nil
	}
	return exec.LookPath(path)
}

func exit(ps *os.ProcessState, err error) {
	if err != nil {
		fail(err)
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(ps.ExitCode())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchrec:", err)
	os.Exit(2)
}
