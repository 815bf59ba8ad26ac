//go:build unix

package staticbuild

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// The sequence test runs each engine operation in a child process: the
// test binary itself, started with seqChildVar naming the operation and
// seqConfigVar holding the project's configuration, in a process group of
// its own, so that the test can SIGKILL or SIGINT the whole group at any
// moment, as a terminal's Ctrl-C or a CI runner does.
const (
	seqChildVar  = "MAGESTATIC_SEQ_CHILD"
	seqConfigVar = "MAGESTATIC_SEQ_CONFIG"
	seqResultVar = "MAGESTATIC_SEQ_RESULT" // where a successful run writes its artifacts
)

// seqConfig is the part of Config the sequence test varies.
type seqConfig struct {
	Binaries    []string // mains, such as ./cmd/app
	Platforms   []string
	ArchiveName string
	Dist        string
	Shard       string
	MergeFrom   string
}

// config is the engine configuration of a child run in dir. Its steps
// print a line after each built-in step, so that the test can kill a run
// between any two steps.
func (c seqConfig) config(dir string) Config {
	cfg := Config{Dir: dir, Platforms: c.Platforms, Dist: c.Dist, Shard: c.Shard, MergeFrom: c.MergeFrom, Environ: os.Environ()}
	cfg.Archive.Name = c.ArchiveName
	for _, m := range c.Binaries {
		cfg.Binaries = append(cfg.Binaries, Binary{Main: m})
	}
	for _, after := range stepNames() {
		cfg.Steps = append(cfg.Steps, Step{Name: "mark-" + after, After: after, Key: "1",
			Run: func(ctx context.Context, r *Run) error { r.Logf("seq: after %s\n", after); return nil }})
	}
	return cfg
}

func init() {
	op := os.Getenv(seqChildVar)
	if op == "" {
		return
	}
	os.Exit(seqChild(op))
}

// seqChild runs one operation and returns the exit status: 0 when it
// succeeded, 1 when it failed, 2 when it could not start.
func seqChild(op string) int {
	var c seqConfig
	if err := json.Unmarshal([]byte(os.Getenv(seqConfigVar)), &c); err != nil {
		fmt.Println("seq: bad configuration:", err)
		return 2
	}
	dir, _ := os.Getwd()
	cfg := c.config(dir)
	// mage cancels the targets' context on SIGINT; so does the child.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fns := map[string]func(context.Context, Config) (*Run, error){
		"release": runRelease, "cross": runCross, "build": runBuild, "verify": runVerify,
		"sizegate": runSizeGate, "sizebaseline": runSizeBaseline, "merge": runMerge, "shard": runRelease,
	}
	fn, ok := fns[op]
	if !ok {
		fmt.Println("seq: unknown operation", op)
		return 2
	}
	fmt.Println("seq: start", op)
	r, err := fn(ctx, cfg)
	if err != nil {
		fmt.Printf("seq: error: %v\n", err)
		return 1
	}
	if name := os.Getenv(seqResultVar); name != "" {
		if err := artifact.Write(name, r.Artifacts); err != nil {
			fmt.Println("seq: writing the result:", err)
			return 2
		}
	}
	fmt.Println("seq: ok")
	return 0
}
