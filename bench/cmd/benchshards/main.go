// Command benchshards measures a release built in shards against the same
// release on one machine, cold: the single release, then each shard in a
// clone of its own with an empty build cache and no binary cache (as a CI
// job starts), then the merge in another clone. It reports each wall time,
// the slowest shard plus the merge (what a CI run waits for when the
// shards run at once) and checks that the merged dist/ is byte for byte
// the single one. The machine runs one job at a time, so each shard has
// all of it, as each CI runner would.
//
// From the bench directory:
//
//	go run ./cmd/benchshards -project examples -shards 4
//	go run ./cmd/benchshards -project fzf -shards 4
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/magestatic/magestatic/bench"
	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/images"
)

func main() {
	project := flag.String("project", "examples", "examples (this repository's) or a benchmark project (fzf, yq)")
	shards := flag.Int("shards", 4, "how many shards")
	flag.Parse()
	if err := run(*project, *shards); err != nil {
		fmt.Fprintln(os.Stderr, "benchshards:", err)
		os.Exit(1)
	}
}

func run(project string, n int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "benchshards-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	base := func() staticbuild.Config { return staticbuild.Config{Log: io.Discard} }
	switch project {
	case "examples":
		root, err := bench.Checkout(ctx)
		if err != nil {
			return err
		}
		if err := bench.Clone(ctx, root, src, os.Environ()); err != nil {
			return err
		}
		base = func() staticbuild.Config {
			return staticbuild.Config{Log: io.Discard, Name: "examples", Snapshot: true,
				Binaries: []staticbuild.Binary{{Main: "./examples/hello"}, {Main: "./examples/netuser"}},
				Steps:    []staticbuild.Step{images.Step(images.Image{Name: "ghcr.io/magestatic/hello", Binaries: []string{"hello"}})}}
		}
	default:
		p, err := bench.Lookup(project)
		if err != nil {
			return err
		}
		pls, _ := platform.ParseList(bench.Matrix)
		if err := bench.Fetch(ctx, p, src, pls, os.Environ()); err != nil {
			return err
		}
		base = func() staticbuild.Config {
			return staticbuild.Config{Log: io.Discard, Main: p.Main, Platforms: bench.Matrix, Stamp: staticbuild.Stamp{Version: []string{p.VersionVar}}}
		}
	}
	env := func(extra ...string) []string {
		var out []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "MAGESTATIC_") && !strings.HasPrefix(kv, "GOCACHE=") {
				out = append(out, kv)
			}
		}
		cache, _ := os.MkdirTemp(tmp, "gocache-")
		return append(append(out, "GOCACHE="+cache, "MAGESTATIC_CACHE"+"=off"), extra...)
	}
	clone := func(name string) (string, error) {
		dir := filepath.Join(tmp, name)
		return dir, bench.Clone(ctx, src, dir, os.Environ())
	}
	single, err := clone("single")
	if err != nil {
		return err
	}
	cfg := base()
	cfg.Dir, cfg.Environ = single, env()
	start := time.Now()
	if _, err := cfg.Release(ctx); err != nil {
		return fmt.Errorf("single release: %w", err)
	}
	one := time.Since(start)
	fmt.Printf("%-12s %7.1fs\n", "single", one.Seconds())
	shardDir := filepath.Join(tmp, "shards")
	var slowest time.Duration
	for i := 1; i <= n; i++ {
		dir, err := clone("shard" + strconv.Itoa(i))
		if err != nil {
			return err
		}
		cfg := base()
		cfg.Dir, cfg.Environ = dir, env("MAGESTATIC_SHARD"+"="+strconv.Itoa(i)+"/"+strconv.Itoa(n))
		start := time.Now()
		if _, err := cfg.Release(ctx); err != nil {
			return fmt.Errorf("shard %d: %w", i, err)
		}
		d := time.Since(start)
		slowest = max(slowest, d)
		fmt.Printf("%-12s %7.1fs\n", fmt.Sprintf("shard %d/%d", i, n), d.Seconds())
		if err := os.CopyFS(filepath.Join(shardDir, "shard-"+strconv.Itoa(i)), os.DirFS(filepath.Join(dir, "dist"))); err != nil {
			return err
		}
	}
	merged, err := clone("merged")
	if err != nil {
		return err
	}
	cfg = base()
	cfg.Dir, cfg.Environ, cfg.MergeFrom = merged, env(), shardDir
	start = time.Now()
	if _, err := cfg.Merge(ctx); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	m := time.Since(start)
	fmt.Printf("%-12s %7.2fs\n", "merge", m.Seconds())
	fmt.Printf("%-12s %7.1fs (%.2f × the single release)\n", "sharded", (slowest + m).Seconds(), (slowest+m).Seconds()/one.Seconds())
	return same(filepath.Join(single, "dist"), filepath.Join(merged, "dist"))
}

// same checks that every file of the single release is in the merged one
// with the same bytes.
func same(a, b string) error {
	var differ []string
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			differ = append(differ, rel)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(differ) > 0 {
		slices.Sort(differ)
		return fmt.Errorf("the merged release differs from the single one in %s", strings.Join(differ, ", "))
	}
	fmt.Println("the merged dist/ is byte for byte the single release's")
	return nil
}
