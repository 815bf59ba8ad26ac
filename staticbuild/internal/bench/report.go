package bench

import (
	"fmt"
	"strings"
	"time"
)

// Goal is one of the targets, checked against a run's figures.
type Goal struct {
	Project string
	Name    string // what is checked
	Want    string // the target
	Got     string // the measured figure
	Met     bool
	Known   bool // false when a figure it needs is missing
}

// Goals checks the targets on every project of r.
func Goals(r *Results) []Goal {
	var goals []Goal
	for _, pr := range r.Projects {
		name := pr.Project.Name
		add := func(g Goal) {
			g.Project = name
			goals = append(goals, g)
		}
		floor := pr.Floor(r.CPUs)
		cross, okc := pr.Median(Cold, Cross)
		gr, okg := pr.Median(Cold, GoReleaser)
		g := Goal{Name: "cold Cross vs the CPU floor", Want: "≤ 0.95 × floor", Known: okc && floor > 0}
		if g.Known {
			ratio := cross.Wall.Seconds() / floor.Seconds()
			g.Got, g.Met = fmt.Sprintf("%.2f × (%.1fs, floor %.1fs)", ratio, cross.Wall.Seconds(), floor.Seconds()), ratio <= 0.95
		}
		add(g)
		g = Goal{Name: "cold Cross vs GoReleaser", Want: "faster", Known: okc && okg}
		if g.Known {
			g.Got, g.Met = fmt.Sprintf("%.2f × (%.1fs vs %.1fs)", cross.Wall.Seconds()/gr.Wall.Seconds(), cross.Wall.Seconds(), gr.Wall.Seconds()), cross.Wall < gr.Wall
		}
		add(g)
		wc, okwc := pr.Median(Warm, Cross)
		wg, okwg := pr.Median(Warm, GoReleaser)
		g = Goal{Name: "warm Cross vs GoReleaser", Want: "≤ 0.8 ×", Known: okwc && okwg}
		if g.Known {
			ratio := wc.Wall.Seconds() / wg.Wall.Seconds()
			g.Got, g.Met = fmt.Sprintf("%.2f × (%.2fs vs %.2fs)", ratio, wc.Wall.Seconds(), wg.Wall.Seconds()), ratio <= 0.8
		}
		add(g)
		nr, oknr := pr.Median(Noop, Release)
		g = Goal{Name: "no-op Release, the library's own work", Want: "≤ 0.1 s", Known: oknr}
		if g.Known {
			g.Got, g.Met = fmt.Sprintf("%.3fs (whole process %.3fs)", nr.Own.Seconds(), nr.Wall.Seconds()), nr.Own <= 100*time.Millisecond
		}
		add(g)
		ng, okng := pr.Median(Noop, GoReleaser)
		g = Goal{Name: "no-op Release vs GoReleaser's no-op", Want: "≥ 10 × faster", Known: oknr && okng && nr.Own > 0}
		if g.Known {
			ratio := ng.Wall.Seconds() / nr.Own.Seconds()
			g.Got, g.Met = fmt.Sprintf("%.0f × (own work; whole process %.1f ×)", ratio, ng.Wall.Seconds()/nr.Wall.Seconds()), ratio >= 10
		}
		add(g)
		var orch int64
		for _, tools := range pr.Samples {
			for _, ss := range tools {
				for _, s := range ss {
					orch = max(orch, s.OrchRSS)
				}
			}
		}
		g = Goal{Name: "orchestrator peak RSS", Want: "≤ 64 MB", Known: orch > 0}
		if g.Known {
			g.Got, g.Met = fmt.Sprintf("%.1f MB", float64(orch)/(1<<20)), orch <= 64<<20
		}
		add(g)
	}
	return goals
}

// Markdown renders r as the results page: the conditions, one table per
// project, the goals and the scaling run.
func Markdown(r *Results, command string) string {
	var b strings.Builder
	b.WriteString("# Benchmark results\n\n")
	fmt.Fprintf(&b, "Measured %s, %s, %d CPUs. Load average (1, 5, 15 min) %s at the start, %s at the end: the machine is shared, so compare the ratios of one run, not absolute times across runs.\n\n",
		r.Started.UTC().Format("2006-01-02 15:04 MST"), r.GoVersion, r.CPUs, orDash(r.LoadBefore), orDash(r.LoadAfter))
	fmt.Fprintf(&b, "Matrix: %s. Flags: `CGO_ENABLED=0 -trimpath -ldflags \"-s -w -X version\"`. Runs per cell: %d cold (fresh GOCACHE), %d warm (cache full, outputs removed) and %d no-op (nothing changed), interleaved; figures are medians.\n\n",
		strings.Join(r.Platforms, ", "), r.ColdRuns, r.Runs, r.Runs)
	fmt.Fprintf(&b, "Reproduce: `%s`\n\n", command)
	b.WriteString("Columns: wall time; ×loop, the ratio to the sequential loop in the same state; ×floor, the ratio to the CPU floor (CPU time of the cold sequential loop ÷ CPUs); CPU, user+sys of every process of the run; peak RSS, the largest single process (a compile or a link); orch. RSS, magestatic's own process; own, the time of the engine call inside that process.\n\n")
	for _, pr := range r.Projects {
		if pr.Samples == nil {
			continue
		}
		floor := pr.Floor(r.CPUs)
		fmt.Fprintf(&b, "## %s %s\n\n", pr.Project.Module, pr.Project.Version)
		if floor > 0 {
			fmt.Fprintf(&b, "CPU floor: %.1fs.\n\n", floor.Seconds())
		}
		b.WriteString("| state | tool | wall | ×loop | ×floor | CPU | CPU ×loop | peak RSS | orch. RSS | own |\n")
		b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, state := range States {
			if pr.Samples[state] == nil {
				continue
			}
			loop, okl := pr.Median(state, Loop)
			for _, tool := range pr.Tools {
				s, ok := pr.Median(state, tool)
				if !ok {
					if why, missing := pr.Missing[tool]; missing {
						fmt.Fprintf(&b, "| %s | %s | not measured: %s | | | | | | | |\n", state, tool, orDash(why))
					}
					continue
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", state, tool,
					secs(s.Wall), ratio(s.Wall, loop.Wall, okl), ratio(s.Wall, floor, floor > 0),
					secs(s.CPU), ratio(s.CPU, loop.CPU, okl), mb(s.PeakRSS), mb(s.OrchRSS), ownSecs(s.Own))
			}
		}
		b.WriteString("\n")
	}
	if goals := Goals(r); len(goals) > 0 {
		b.WriteString("## Goals\n\n| project | goal | target | measured | |\n|---|---|---|---|---|\n")
		for _, g := range goals {
			verdict := "missing figures"
			if g.Known {
				verdict = "MISSED"
				if g.Met {
					verdict = "met"
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", g.Project, g.Name, g.Want, orDash(g.Got), verdict)
		}
		b.WriteString("\n")
	}
	if len(r.Scaling) > 0 {
		fmt.Fprintf(&b, "## Scaling: Cross on %s, cold\n\n| platforms | wall | CPU | CPU per platform | wall per platform |\n|---|--:|--:|--:|--:|\n", r.ScalingProject)
		for _, p := range r.Scaling {
			n := time.Duration(len(p.Platforms))
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", p.Label, secs(p.Sample.Wall), secs(p.Sample.CPU), secs(p.Sample.CPU/n), secs(p.Sample.Wall/n))
		}
		b.WriteString("\nThe first-class ports: " + strings.Join(r.Scaling[len(r.Scaling)-1].Platforms, ", ") + ".\n\n")
	}
	b.WriteString("![chart](bench.png)\n")
	return b.String()
}

func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func ownSecs(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}

func ratio(a, b time.Duration, ok bool) string {
	if !ok || b <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", a.Seconds()/b.Seconds())
}

func mb(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
