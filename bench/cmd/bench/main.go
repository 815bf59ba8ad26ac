// Command bench measures the sequential build.sh loop, magestatic's Cross
// and Release, and GoReleaser on real projects, cold, warm and with nothing
// to do, and writes a Markdown table and a PNG chart. It also measures the
// start-up of go tool mage in a user's module that imports this
// checkout's targets, and splits every run's CPU by process kind through
// benchrec (see cmd/benchrec). "go tool mage bench" at the repository's
// root runs it in the bench directory, the root of its module, where the
// results directory is. Every flag's default can be set with the
// environment variable named in its help.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/magestatic/magestatic/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		projects   = flag.String("projects", env("BENCH_PROJECTS", "fzf,esbuild,yq"), "projects to build, comma-separated (BENCH_PROJECTS)")
		platforms  = flag.String("platforms", env("BENCH_PLATFORMS", strings.Join(bench.Matrix, ",")), "the matrix (BENCH_PLATFORMS)")
		states     = flag.String("states", env("BENCH_STATES", strings.Join(bench.States, ",")), "states to measure (BENCH_STATES)")
		runs       = flag.String("runs", env("BENCH_RUNS", "3"), "runs per warm and no-op cell (BENCH_RUNS)")
		coldRuns   = flag.String("cold-runs", env("BENCH_COLD_RUNS", "3"), "runs per cold cell (BENCH_COLD_RUNS)")
		jobs       = flag.String("jobs", env("BENCH_JOBS", ""), "Config.Jobs values to compare on the first project, such as 1,4 (BENCH_JOBS)")
		scaling    = flag.String("scaling", env("BENCH_SCALING", "fzf"), "project of the scaling run; \"none\" to leave it out (BENCH_SCALING)")
		merge      = flag.Bool("merge", env("BENCH_MERGE", "") == "1", "keep the projects and scaling run of the results file that this run does not measure (BENCH_MERGE=1)")
		goreleaser = flag.String("goreleaser", env("BENCH_GORELEASER", ""), "goreleaser binary; empty: install it; skip: leave it out (BENCH_GORELEASER)")
		startup    = flag.Bool("startup", env("BENCH_STARTUP", "1") == "1", "measure the start-up of go tool mage in a user's module importing this checkout's targets, per project and state (BENCH_STARTUP=0 leaves it out)")
		kinds      = flag.Bool("kinds", env("BENCH_KINDS", "1") == "1", "split every run's CPU by process kind through benchrec, a pass-through go command and -toolexec (BENCH_KINDS=0 leaves it out)")
		rewrite    = flag.Bool("rewrite", false, "measure nothing: write bench.md and bench.png again from the results directory's bench.json")
		out        = flag.String("out", env("BENCH_OUT", "results"), "results directory (BENCH_OUT)")
		work       = flag.String("work", env("BENCH_WORK", filepath.Join(os.TempDir(), "magestatic-bench")), "scratch directory, emptied first (BENCH_WORK)")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *rewrite {
		dir, err := filepath.Abs(*out)
		if err != nil {
			return err
		}
		r, err := bench.ReadResults(filepath.Join(dir, "bench.json"))
		if err != nil {
			return err
		}
		return write(dir, r, "go tool mage bench")
	}

	opt := bench.Options{Log: os.Stdout, Platforms: list(*platforms), States: list(*states)}
	if *scaling != "none" {
		p, err := bench.Lookup(*scaling)
		if err != nil {
			return fmt.Errorf("-scaling: %w", err)
		}
		opt.Scaling = &p
	}
	for _, name := range list(*projects) {
		p, err := bench.Lookup(name)
		if err != nil {
			return fmt.Errorf("-projects: %w", err)
		}
		opt.Projects = append(opt.Projects, p)
	}
	var err error
	if opt.Runs, err = atLeastOne("-runs", *runs); err != nil {
		return err
	}
	if opt.ColdRuns, err = atLeastOne("-cold-runs", *coldRuns); err != nil {
		return err
	}
	for _, s := range list(*jobs) {
		n, err := atLeastOne("-jobs", s)
		if err != nil {
			return err
		}
		opt.Jobs = append(opt.Jobs, n)
	}
	outDir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	opt.Work = *work
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		return err
	}
	tools := filepath.Join(cacheDir, "magestatic-bench")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		return err
	}
	if opt.Driver, err = buildDriver(ctx, tools, "benchdriver"); err != nil {
		return err
	}
	if *kinds {
		if opt.Recorder, err = buildDriver(ctx, tools, "benchrec"); err != nil {
			return err
		}
	}
	if *startup {
		if opt.Magestatic, err = bench.Checkout(ctx); err != nil {
			return fmt.Errorf("%w; BENCH_STARTUP=0 leaves the start-up out", err)
		}
	}
	switch *goreleaser {
	case "skip":
		opt.GoReleaserMissing = "left out (BENCH_GORELEASER=skip)"
	case "":
		if _, err := os.Stat(filepath.Join(tools, "goreleaser")); err != nil {
			fmt.Printf("installing %s into %s (a few minutes)\n", bench.GoReleaserModule, tools)
		}
		bin, err := bench.InstallGoReleaser(ctx, tools, os.Environ())
		if err != nil {
			fmt.Println(err)
			line, _, _ := strings.Cut(err.Error(), "\n")
			opt.GoReleaserMissing = "could not be installed: " + line
		}
		opt.GoReleaser = bin
	default:
		opt.GoReleaser = *goreleaser
	}
	command := "go tool mage bench"
	if len(opt.Jobs) > 0 {
		command = "BENCH_JOBS=" + *jobs + " " + command
	}
	var earlier *bench.Results
	if *merge {
		if earlier, err = bench.ReadResults(filepath.Join(outDir, "bench.json")); err != nil {
			return err
		}
	}
	opt.Checkpoint = func(r *bench.Results) error { return write(outDir, r.Merge(earlier), command) }
	r, err := bench.Run(ctx, opt)
	if err != nil {
		return err
	}
	fmt.Println()
	for _, g := range bench.Goals(r.Merge(earlier)) {
		verdict := "MISSED"
		switch {
		case !g.Known:
			verdict = "missing figures"
		case g.Met:
			verdict = "met"
		}
		fmt.Printf("%-4s %-40s %-16s %-48s %s\n", g.Project, g.Name, g.Want, g.Got, verdict)
	}
	fmt.Printf("\nresults in %s\n", outDir)
	return os.RemoveAll(opt.Work)
}

// buildDriver builds the program cmd/name of the benchmark (benchdriver,
// benchrec) into dir.
func buildDriver(ctx context.Context, dir, name string) (string, error) {
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/magestatic/magestatic/bench/cmd/"+name)
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %w\n%s", name, err, out)
	}
	return bin, nil
}

// write writes bench.md and bench.png into dir.
func write(dir string, r *bench.Results, command string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.md"), []byte(bench.Markdown(r, command)), 0o644); err != nil {
		return fmt.Errorf("writing the results: %w", err)
	}
	if err := bench.WriteResults(filepath.Join(dir, "bench.json"), r); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "bench.png"))
	if err != nil {
		return fmt.Errorf("writing the chart: %w", err)
	}
	if err := bench.WriteChart(f, r); err != nil {
		f.Close()
		return fmt.Errorf("drawing the chart: %w", err)
	}
	return f.Close()
}

func env(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func atLeastOne(flag, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s %q: want a whole number of at least 1", flag, s)
	}
	return n, nil
}
