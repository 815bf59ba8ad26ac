//go:build unix

package staticbuild

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// seqRun is one child run of the sequence test.
type seqRun struct {
	op     string
	cmd    *exec.Cmd
	out    *lineWatch
	start  time.Time
	done   chan struct{}
	code   int
	err    error  // set when the child could not be started or waited for
	result string // the file a successful run writes its artifacts to
}

// lineWatch collects a child's output and reports when a line containing
// a chosen string appears.
type lineWatch struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	want  string
	seen  chan struct{}
	fired bool
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.want != "" && !w.fired && strings.Contains(w.buf.String(), w.want) {
		w.fired = true
		close(w.seen)
	}
	return len(p), nil
}

func (w *lineWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startChild starts the operation op in dir with configuration c, in a
// process group of its own. When want is set, the returned run's
// out.seen is closed as soon as a line containing it appears.
func (s *seq) startChild(op string, c seqConfig, want string) *seqRun {
	s.t.Helper()
	data, _ := json.Marshal(c)
	cmd := exec.Command(s.exe)
	cmd.Dir = s.dir
	s.runs++
	result := filepath.Join(s.tmp, fmt.Sprintf("result-%d.json", s.runs))
	cmd.Env = append(testEnv(), envCache+"="+s.cache, seqChildVar+"="+op, seqConfigVar+"="+string(data), seqResultVar+"="+result)
	w := &lineWatch{want: want, seen: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	r := &seqRun{op: op, cmd: cmd, out: w, start: time.Now(), done: make(chan struct{}), result: result}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting %s: %v", op, err)
	}
	go func() {
		defer close(r.done)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
			if r.code < 0 {
				r.code = -1 // killed by a signal
			}
		} else if err != nil {
			r.err = err
		}
	}()
	return r
}

// wait waits for the run for up to three minutes.
func (r *seqRun) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(3 * time.Minute):
		syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.done
		t.Fatalf("%s did not finish in 3 minutes:\n%s", r.op, r.out)
	}
	if r.err != nil {
		t.Fatalf("%s: %v\n%s", r.op, r.err, r.out)
	}
	if out := r.out.String(); strings.Contains(out, "panic:") || strings.Contains(out, "goroutine ") {
		t.Fatalf("%s panicked:\n%s", r.op, out)
	}
}

// signal sends sig to the run's whole process group.
func (r *seqRun) signal(sig syscall.Signal) {
	syscall.Kill(-r.cmd.Process.Pid, sig)
}

// ok reports whether the run succeeded.
func (r *seqRun) ok() bool { return r.code == 0 && strings.Contains(r.out.String(), "seq: ok") }
