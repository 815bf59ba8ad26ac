package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// profile runs n no-op releases under the magefile's Profile target and
// prints the functions that took their CPU time and, from the execution
// traces, those that waited in system calls (a git or a file read).
func (s *subject) profile(ctx context.Context, n int) error {
	var cpu, sys []string
	for i := range n {
		c := filepath.Join(s.dir, fmt.Sprintf("cpu-%d.pprof", i))
		t := filepath.Join(s.dir, fmt.Sprintf("trace-%d.out", i))
		out, err := command(ctx, s.project(), append(slices.Clip(s.env), "NOOP_CPUPROFILE="+c, "NOOP_TRACE="+t), "go", "tool", "mage", "profile")
		if err != nil {
			return err
		}
		if !noopLine.MatchString(out) {
			return fmt.Errorf("%s: the profiled release did not say nothing changed:\n%s", s.root, out)
		}
		p := filepath.Join(s.dir, fmt.Sprintf("syscall-%d.pprof", i))
		cmd := exec.CommandContext(ctx, "go", "tool", "trace", "-pprof=syscall", t)
		cmd.Env = s.env
		prof, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("go tool trace -pprof=syscall %s: %w", t, err)
		}
		if err := os.WriteFile(p, prof, 0o644); err != nil {
			return err
		}
		cpu, sys = append(cpu, c), append(sys, p)
	}
	for _, p := range []struct {
		what  string
		files []string
	}{{"CPU", cpu}, {"time in system calls", sys}} {
		args := append([]string{"tool", "pprof", "-top", "-cum", "-nodecount=45"}, p.files...)
		out, err := command(ctx, s.dir, s.env, "go", args...)
		if err != nil {
			return err
		}
		fmt.Printf("noop: %s: %s of %d no-op releases, by function (cumulative):\n%s", s.root, p.what, n, indent(out))
	}
	return nil
}

// printGits prints the git commands a GIT_TRACE2_EVENT log records: when
// each started, after the first, and how long it ran.
func printGits(log string) error {
	data, err := os.ReadFile(log)
	if err != nil {
		return fmt.Errorf("reading git's trace (did the release run git?): %w", err)
	}
	type event struct {
		Event string    `json:"event"`
		SID   string    `json:"sid"`
		Time  time.Time `json:"time"`
		TAbs  float64   `json:"t_abs"`
		Argv  []string  `json:"argv"`
	}
	type gitRun struct {
		start time.Time
		argv  []string
		secs  float64
	}
	var runs []*gitRun
	bySID := map[string]*gitRun{}
	for line := range strings.Lines(string(data)) {
		var e event
		if json.Unmarshal([]byte(line), &e) != nil || strings.Contains(e.SID, "/") {
			continue // not an event, or one of a git that a git ran
		}
		switch e.Event {
		case "start":
			g := &gitRun{start: e.Time, argv: e.Argv}
			bySID[e.SID] = g
			runs = append(runs, g)
		case "atexit":
			if g := bySID[e.SID]; g != nil {
				g.secs = e.TAbs
			}
		}
	}
	slices.SortFunc(runs, func(a, b *gitRun) int { return a.start.Compare(b.start) })
	for _, g := range runs {
		fmt.Printf("noop:   at +%.4fs for %.4fs: %s\n", g.start.Sub(runs[0].start).Seconds(), g.secs, strings.Join(g.argv, " "))
	}
	fmt.Printf("noop:   the last no-op release ran %d git commands\n", len(runs))
	return nil
}
