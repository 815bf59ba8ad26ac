//go:build mage

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
)

// BenchCross times Cross on examples/hello for the default matrix, cold and warm, at several concurrencies, against the seed's sequential build.sh loop.
func BenchCross(ctx context.Context) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "benchcross-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	type cell struct {
		name string
		run  func(ctx context.Context, dist string) error
	}
	cells := []cell{{"sequential go build loop", func(ctx context.Context, dist string) error { return loop(ctx, root, dist) }}}
	for _, jobs := range []int{1, 2, 6} {
		cells = append(cells, cell{fmt.Sprintf("Cross, %d at a time", jobs), func(ctx context.Context, dist string) error {
			_, err := (staticbuild.Config{Main: "./examples/hello", Dist: dist, Jobs: jobs, Log: io.Discard}).Cross(ctx)
			return err
		}})
	}
	// Measure the builds themselves: the binary cache would answer every
	// run after the first.
	os.Setenv("MAGESTATIC_CACHE", "off")
	defer os.Unsetenv("MAGESTATIC_CACHE")
	times := map[string]map[string][]time.Duration{"cold": {}, "warm": {}}
	// Fill the warm cache once, so every warm run finds it full.
	os.Setenv("GOCACHE", filepath.Join(tmp, "cache-warm"))
	if err := cells[0].run(ctx, filepath.Join(root, "dist", "bench")); err != nil {
		return err
	}
	if _, err := (staticbuild.Config{Main: "./examples/hello", Dist: filepath.Join(root, "dist", "bench"), Log: io.Discard}).Cross(ctx); err != nil {
		return err
	}
	for _, state := range []struct {
		name string
		runs int
	}{{"cold", 2}, {"warm", 5}} {
		for i := range state.runs {
			for _, c := range cells { // interleaved, so drift hits every cell alike
				cache := filepath.Join(tmp, "cache-warm")
				if state.name == "cold" {
					cache = filepath.Join(tmp, fmt.Sprintf("cache-%d-%s", i, strings.ReplaceAll(c.name, " ", "")))
				}
				os.Setenv("GOCACHE", cache)
				dist := filepath.Join(root, "dist", "bench")
				os.RemoveAll(dist)
				start := time.Now()
				if err := c.run(ctx, dist); err != nil {
					return fmt.Errorf("%s: %w", c.name, err)
				}
				d := time.Since(start)
				times[state.name][c.name] = append(times[state.name][c.name], d)
				fmt.Printf("%s run %d: %-26s %6.2fs\n", state.name, i+1, c.name, d.Seconds())
			}
		}
	}
	os.Unsetenv("GOCACHE")
	os.RemoveAll(filepath.Join(root, "dist", "bench"))
	fmt.Printf("\n| %-26s | cold median | warm median |\n|---|---|---|\n", "examples/hello, 6 platforms")
	for _, c := range cells {
		fmt.Printf("| %-26s | %9.2fs | %9.2fs |\n", c.name, median(times["cold"][c.name]).Seconds(), median(times["warm"][c.name]).Seconds())
	}
	return nil
}

// loop runs the go build commands Cross would run, one after another, as
// the seed's build.sh does.
func loop(ctx context.Context, root, dist string) error {
	for _, s := range staticbuild.DefaultPlatforms() {
		goos, goarch, _ := strings.Cut(s, "/")
		ext := ""
		if goos == "windows" {
			ext = ".exe"
		}
		out := filepath.Join(dist, goos+"_"+goarch, "hello"+ext)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "-trimpath", "-ldflags=-s -w -X main.version=bench", "./examples/hello")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOFLAGS=-trimpath", "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", s, err, out)
		}
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchRelease times Release of examples/hello for the default matrix: cold (empty build cache), warm (outputs removed) and no-op (nothing changed).
func BenchRelease(ctx context.Context) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "benchrelease-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	defer os.Unsetenv("GOCACHE")
	dist := filepath.Join(root, "dist", "bench-release")
	defer os.RemoveAll(dist)
	// Each cold run starts without the binary cache too.
	defer os.Unsetenv("MAGESTATIC_CACHE")
	cfg := staticbuild.Config{Main: "./examples/hello", Name: "hello", Dist: dist, Snapshot: true, Log: io.Discard}
	release := func() (time.Duration, error) {
		start := time.Now()
		_, err := cfg.Release(ctx)
		return time.Since(start), err
	}
	times := map[string][]time.Duration{}
	for i := range 3 {
		// cold: a build cache of its own and no outputs.
		os.Setenv("GOCACHE", filepath.Join(tmp, fmt.Sprintf("cache-%d", i)))
		os.Setenv("MAGESTATIC_CACHE", filepath.Join(tmp, fmt.Sprintf("bincache-%d", i)))
		os.RemoveAll(dist)
		if i < 2 {
			d, err := release()
			if err != nil {
				return err
			}
			times["cold"] = append(times["cold"], d)
		} else if _, err := release(); err != nil {
			return err
		}
		// warm: the cache is full, the outputs are gone.
		os.RemoveAll(dist)
		d, err := release()
		if err != nil {
			return err
		}
		times["warm"] = append(times["warm"], d)
		// no-op: nothing changed.
		d, err = release()
		if err != nil {
			return err
		}
		times["no-op"] = append(times["no-op"], d)
		fmt.Printf("run %d: cold %v warm %v no-op %v\n", i+1, times["cold"], times["warm"][i], times["no-op"][i])
	}
	fmt.Printf("\n| release of examples/hello, 6 platforms | median |\n|---|---|\n")
	for _, s := range []string{"cold", "warm", "no-op"} {
		fmt.Printf("| %s | %.3fs |\n", s, median(times[s]).Seconds())
	}
	return nil
}
