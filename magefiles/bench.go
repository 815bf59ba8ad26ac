//go:build mage

package main

import (
	"context"
	"os"
	"os/exec"
)

// Bench measures the sequential build.sh loop, magestatic's Cross and
// Release, and GoReleaser on real projects (fzf and yq at pinned versions),
// cold, warm and with nothing to do, plus a scaling run of Cross, and
// writes bench/results/bench.md, bench.png and bench.json. It reports
// the start-up of go tool mage in a user's module apart from the build, and
// every run's CPU by process kind (compile, link, go, the tool's own). A full run
// takes about an hour on 2 idle cores. The BENCH_* environment variables
// choose projects, matrix, states, runs and the scaling run, and
// BENCH_MERGE=1 keeps the projects of bench.json that a run leaves out:
// see go run ./cmd/bench -h in bench/. The benchmark is a module of its
// own (bench/go.mod), so that the library's module carries none of it.
func Bench(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/bench")
	cmd.Dir = "bench"
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	return cmd.Run()
}
