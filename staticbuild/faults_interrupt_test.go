//go:build linux

package staticbuild_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// slowSource returns a package of n functions, which takes the compiler
// about a second per thousand on each platform. The salt makes it new to
// the build cache, so every run must compile it, whatever the cache holds.
func slowSource(salt string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package slow\n\nconst Salt = %q\n\n", salt)
	for i := range n {
		fmt.Fprintf(&b, "func F%d(x int) int {\n\tfor i := 0; i < %d; i++ {\n\t\tswitch x %% 7 {\n\t\tcase 0:\n\t\t\tx = x*%d + i\n\t\tcase 1:\n\t\t\tx ^= x >> %d\n\t\tdefault:\n\t\t\tx += %d\n\t\t}\n\t}\n\treturn x\n}\n\n",
			i, i%13+1, i+3, i%17+1, i*7)
	}
	b.WriteString("var All = []func(int) int{")
	for i := range n {
		fmt.Fprintf(&b, "F%d, ", i)
	}
	b.WriteString("}\n")
	return b.String()
}

// slowModule makes a module whose program imports a slow package, and has
// go tool mage build mage, so that a run starts its builds at once.
func slowModule(t *testing.T) string {
	t.Helper()
	dir := testmod.New(t, "", "slowapp", map[string]string{
		"main.go":      slowImport("example.com/slowapp"),
		"slow/slow.go": slowSource("v1.0.0", slowFuncs),
		"magefile.go":  testmod.Magefile,
	}, "v1.0.0")
	if o := goMage(t, dir, faultEnv(), "-l"); o.code != 0 {
		t.Fatalf("mage -l exited %d:\n%s", o.code, o.out)
	}
	return dir
}

// watchedRun is one run of go tool mage, watched through /proc.
type watchedRun struct {
	t      *testing.T
	dir    string
	marker string // the value of faultMarker in the run's environment
	pid    int    // go tool mage, the leader of the run's process group
	cmd    *exec.Cmd
	out    *os.File
	start  time.Time
	waited chan error
}

// startRun gives the slow package a new salt, empties dist/ and starts
// "go tool mage args..." in a process group of its own, as a shell does.
func startRun(t *testing.T, dir string, env []string, args ...string) *watchedRun {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "slow", "slow.go"), []byte(slowSource(randomHex(8), slowFuncs)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "dist")); err != nil {
		t.Fatal(err)
	}
	r := &watchedRun{t: t, dir: dir, marker: randomHex(8), waited: make(chan error, 1)}
	env = faultEnv(append(env, faultMarker+"="+r.marker)...)
	r.cmd, r.out = faultCmd(t, dir, env, "go", append([]string{"tool", "mage"}, args...)...)
	r.start = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.pid = r.cmd.Process.Pid
	go func() { r.waited <- r.cmd.Wait() }()
	t.Cleanup(func() {
		// Whatever the test saw, leave no process behind.
		syscall.Kill(-r.pid, syscall.SIGKILL)
		for _, p := range r.procs() {
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
	})
	return r
}

// procs returns the live processes of the run.
func (r *watchedRun) procs() []proc { return marked(r.marker) }

// since returns the time since the run started.
func (r *watchedRun) since() time.Duration { return time.Since(r.start) }

// slowFuncs makes the slow package of the interrupt tests take the
// compiler several seconds on each platform.
const slowFuncs = 4000

// slowImport adds the slow package of module to a program.
func slowImport(module string) string {
	return helloWith("\t\""+module+"/slow\"\n", "\tif len(os.Args) > 9 {\n\t\tfmt.Println(len(slow.All), slow.Salt)\n\t}\n")
}

// compilingSlow reports whether p compiles a slow package.
func compilingSlow(p proc) bool {
	return p.name() == "compile" && slices.ContainsFunc(p.args, func(a string) bool { return strings.HasSuffix(a, "/slow") })
}

// building reports whether p is a go build of the targets.
func building(p proc) bool {
	return p.name() == "go" && len(p.args) > 1 && p.args[1] == "build" && slices.Contains(p.args, "-trimpath")
}

// waitFor waits until one of the run's processes is what, lets the builds
// run for extra, and returns the run's processes.
func (r *watchedRun) waitFor(what func(proc) bool, extra time.Duration) []proc {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if slices.ContainsFunc(r.procs(), what) {
			time.Sleep(extra)
			return r.procs()
		}
		select {
		case err := <-r.waited:
			o := outcomeOf(r.t, r.cmd, r.out, r.start, err)
			r.t.Fatalf("the run ended before the builds were under way: exit %d\n%s", o.code, o.out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	r.t.Fatal("the builds were not under way within 3 minutes")
	return nil
}

// child returns the process of the run whose parent is ppid.
func (r *watchedRun) child(ps []proc, ppid int) proc {
	r.t.Helper()
	for _, p := range ps {
		if p.ppid == ppid {
			return p
		}
	}
	r.t.Fatalf("no process of the run has parent %d: %v", ppid, ps)
	return proc{}
}

// ending is what a run looked like as it ended. The times are since the
// run started.
type ending struct {
	outcome
	toolchainGone time.Duration // until no go build, compiler or linker was left
	exited        time.Duration // until go tool mage exited
	allGone       time.Duration // until no process of the run was left
	left          []proc        // processes still there 5s after the exit
}

// watch polls the run's processes every 20ms until it has exited and none
// is left, or until 5 seconds after it exited. It fails the test when the
// run does not exit within 5 minutes.
func (r *watchedRun) watch() ending {
	r.t.Helper()
	var e ending
	exited := false
	for {
		ps := r.procs()
		now := r.since()
		switch {
		case len(toolchainOf(ps)) > 0:
			e.toolchainGone = 0
		case e.toolchainGone == 0:
			e.toolchainGone = now
		}
		if !exited {
			select {
			case err := <-r.waited:
				e.outcome = outcomeOf(r.t, r.cmd, r.out, r.start, err)
				exited, e.exited = true, now
			default:
			}
		}
		switch {
		case exited && len(ps) == 0:
			e.allGone = now
			return e
		case exited && now > e.exited+5*time.Second:
			e.left = ps
			return e
		case !exited && now > 5*time.Minute:
			r.t.Fatalf("the run did not exit within 5 minutes; its processes: %v", ps)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// describe counts processes by program.
func describe(ps []proc) string {
	counts := map[string]int{}
	for _, p := range ps {
		name := p.name()
		if name == "go" && len(p.args) > 1 {
			name = "go " + p.args[1]
		}
		counts[name]++
	}
	var parts []string
	for name, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, name))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// checkStopped checks that a run stopped at "at" left no process after 5
// seconds, that dist/ holds no binary and no partial or temporary file,
// and that the run was stopped part-way through the platforms.
func (r *watchedRun) checkStopped(e ending, at time.Duration, platforms int) distState {
	r.t.Helper()
	if len(e.left) > 0 || e.allGone-at > 5*time.Second {
		r.t.Errorf("processes of the run were left %.1fs after it was stopped: %v", (e.allGone - at).Seconds(), e.left)
	}
	d := inspectDist(r.t, filepath.Join(r.dir, "dist"))
	if len(d.partial) > 0 {
		r.t.Errorf("dist/ holds partial files under final names: %v", d.partial)
	}
	if len(d.temp) > 0 {
		r.t.Errorf("dist/ holds temporary files: %v", d.temp)
	}
	// Binaries built before the stop stay under temporary names until the
	// manifest step, which a stopped run never reaches: dist/, emptied
	// when the run started, holds none.
	if len(d.binaries) > 0 {
		r.t.Errorf("the stopped run put binaries in place: %v", d.binaries)
	}
	if built := strings.Count(e.out, "\n  ok    "); built >= platforms {
		r.t.Errorf("all %d binaries were built: the run was not stopped part-way", built)
	}
	noPanic(r.t, e.out)
	return d
}

// TestInterrupt stops Cross part-way through six platforms: by Ctrl-C, by
// SIGINT to the process that runs the targets, by mage -t, by SIGINT to
// mage alone, and by SIGKILL. Each go build runs in a process group of its
// own, so no signal to mage's group reaches it: the targets must kill them.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	dir := slowModule(t)

	// signalled starts a cross, sends a signal part-way through with send,
	// and checks that everything stopped cleanly.
	signalled := func(t *testing.T, what string, send func(r *watchedRun, running []proc)) {
		r := startRun(t, dir, nil, "cross")
		before := r.waitFor(compilingSlow, time.Second)
		at := r.since()
		send(r, before)
		e := r.watch()
		expectFailure(t, e.outcome, "build cancelled after", "no partial binaries were left")
		d := r.checkStopped(e, at, 6)
		t.Logf("observed: %s at %.1fs (%s running): no go build, compile or link after %.2fs, exit %d after %.2fs, no process left after %.2fs; dist/ had %d complete binaries, %d partial, %d temporary files",
			what, at.Seconds(), describe(toolchainOf(before)), (e.toolchainGone - at).Seconds(), e.code, (e.exited - at).Seconds(), (e.allGone - at).Seconds(), len(d.binaries), len(d.partial), len(d.temp))
	}
	// targets finds the compiled magefile that runs the targets: go tool
	// mage starts mage, which starts it.
	targets := func(r *watchedRun, running []proc) int {
		return r.child(running, r.child(running, r.pid).pid).pid
	}

	t.Run("Ctrl-C", func(t *testing.T) {
		// A terminal sends SIGINT to the foreground process group: go
		// tool, mage and the compiled magefile, not the go builds.
		signalled(t, "SIGINT to the process group", func(r *watchedRun, _ []proc) { syscall.Kill(-r.pid, syscall.SIGINT) })
	})

	t.Run("SIGINT to the targets' process", func(t *testing.T) {
		signalled(t, "SIGINT to the compiled magefile alone", func(r *watchedRun, running []proc) {
			syscall.Kill(targets(r, running), syscall.SIGINT)
		})
	})

	t.Run("SIGTERM to the targets process", func(t *testing.T) {
		// CI systems stop a job with SIGTERM to its processes.
		signalled(t, "SIGTERM to the compiled magefile", func(r *watchedRun, running []proc) {
			syscall.Kill(targets(r, running), syscall.SIGTERM)
		})
	})

	t.Run("mage -t", func(t *testing.T) {
		r := startRun(t, dir, nil, "-t", "5s", "cross")
		before := r.waitFor(building, 0)
		seen := r.since()
		e := r.watch()
		expectFailure(t, e.outcome, "build cancelled after", "timed out (mage -t)")
		// The deadline is 5s after the magefile started, some time after
		// go tool mage did: measure from the exit.
		d := r.checkStopped(e, e.exited, 6)
		t.Logf("observed: mage -t 5s (builds seen at %.1fs, %s running): exit %d at %.2fs, no go build, compile or link at %.2fs, no process left at %.2fs; dist/ had %d complete binaries, %d partial, %d temporary files",
			seen.Seconds(), describe(toolchainOf(before)), e.code, e.exited.Seconds(), e.toolchainGone.Seconds(), e.allGone.Seconds(), len(d.binaries), len(d.partial), len(d.temp))
	})

	t.Run("SIGINT to mage alone", func(t *testing.T) {
		// mage catches SIGINT and leaves it to the terminal to signal
		// the magefile too, so a SIGINT to mage alone may stop nothing:
		// then the run must finish as if there had been none.
		r := startRun(t, dir, []string{"MAGESTATIC_PLATFORMS=windows/arm64"}, "cross")
		before := r.waitFor(compilingSlow, 0)
		at := r.since()
		syscall.Kill(r.child(before, r.pid).pid, syscall.SIGINT)
		e := r.watch()
		d := inspectDist(t, filepath.Join(dir, "dist"))
		noPanic(t, e.out)
		switch {
		case len(e.left) > 0 || len(d.partial)+len(d.temp) > 0:
			t.Errorf("after SIGINT to mage alone: processes left %v, dist/ %+v\n%s", e.left, d, e.out)
		case e.code == 0 && len(d.binaries) == 1:
			t.Logf("observed: SIGINT to mage alone at %.1fs: mage ignored it; the run finished at %.1fs with exit 0 and %d complete binaries", at.Seconds(), e.exited.Seconds(), len(d.binaries))
		case e.code != 0 && strings.Contains(e.out, "cancelled"):
			t.Logf("observed: SIGINT to mage alone at %.1fs: the run was cancelled, exit %d at %.1fs", at.Seconds(), e.code, e.exited.Seconds())
		default:
			t.Errorf("after SIGINT to mage alone: exit %d, dist/ %+v\n%s", e.code, d, e.out)
		}
	})

	t.Run("SIGKILL leaves no lock", func(t *testing.T) {
		env := []string{"MAGESTATIC_PLATFORMS=linux/amd64"}
		r := startRun(t, dir, env, "cross")
		before := r.waitFor(compilingSlow, 500*time.Millisecond)
		at := r.since()
		// SIGKILL cannot be caught: the magefile dies holding its lock on
		// dist/.lock, and the go builds die with it (Pdeathsig); a
		// compiler they started may finish its package.
		syscall.Kill(-r.pid, syscall.SIGKILL)
		e := r.watch()
		lock, _ := os.ReadFile(filepath.Join(dir, "dist", ".lock"))
		left := inspectDist(t, filepath.Join(dir, "dist"))
		if len(left.partial) > 0 {
			t.Errorf("a killed run left partial files under final names: %v", left.partial)
		}

		again := goMage(t, dir, faultEnv(env...), "cross")
		if again.code != 0 {
			t.Fatalf("the run after a killed one exited %d:\n%s", again.code, again.out)
		}
		if strings.Contains(again.out, "waiting for another magestatic run") {
			t.Errorf("the run after a killed one waited for the lock:\n%s", again.out)
		}
		d := inspectDist(t, filepath.Join(dir, "dist"))
		if len(d.binaries) != 1 || len(d.partial)+len(d.temp) > 0 {
			t.Errorf("after the second run dist/ holds %+v", d)
		}
		gone := fmt.Sprintf("no go build, compile or link after %.2fs", (e.toolchainGone - at).Seconds())
		if len(e.left) > 0 {
			gone = fmt.Sprintf("%s still running 5s after (orphans finishing their package)", describe(e.left))
		}
		t.Logf("observed: SIGKILL to the process group at %.1fs (%s running): %s; dist/.lock named the dead pid %s; dist/ had %d partial, %d temporary files; the next run took the lock at once and built %d binary in %.1fs, leaving %d temporary files",
			at.Seconds(), describe(toolchainOf(before)), gone, strings.TrimSpace(string(lock)), len(left.partial), len(left.temp), len(d.binaries), again.took.Seconds(), len(d.temp))
	})
}
