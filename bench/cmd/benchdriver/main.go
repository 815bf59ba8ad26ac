// Command benchdriver runs magestatic's Cross or Release once, through the
// engine API, for the benchmark. It prints one JSON line on standard
// output: the time the engine call took in-process, the process's own CPU
// time and peak resident set, which the benchmark cannot tell apart from
// the go commands' in the resource usage it reads when the driver exits.
//
// Usage:
//
//	benchdriver -step cross|release -dir DIR -main PKG -name NAME -stamp VAR -platforms a,b [-jobs N]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
)

// Report is the line the driver prints.
type Report struct {
	OwnNanos int64 `json:"own_ns"`    // time of the engine call
	CPUNanos int64 `json:"cpu_ns"`    // user+system CPU of this process, not of its children
	HWMBytes int64 `json:"hwm_bytes"` // peak resident set of this process
	Count    int   `json:"artifacts"` // artifacts the call returned
}

func main() {
	step := flag.String("step", "cross", "engine step: cross or release")
	dir := flag.String("dir", ".", "module root")
	main := flag.String("main", "", "main package")
	name := flag.String("name", "", "binary name")
	stampVar := flag.String("stamp", "", "variable that receives the version")
	platforms := flag.String("platforms", "", "comma-separated platforms")
	jobs := flag.Int("jobs", 0, "go builds at once (0: the default)")
	flag.Parse()
	cfg := staticbuild.Config{
		Dir:  *dir,
		Main: *main,
		Name: *name,
		Jobs: *jobs,
		Log:  os.Stderr,
	}
	if *stampVar != "" {
		cfg.Stamp.Version = []string{*stampVar}
	}
	if *platforms != "" {
		cfg.Platforms = strings.Split(*platforms, ",")
	}
	ctx := context.Background()
	start := time.Now()
	var (
		n   int
		err error
	)
	switch *step {
	case "cross":
		r, e := cfg.Cross(ctx)
		n, err = artifacts(r), e
	case "release":
		r, e := cfg.Release(ctx)
		n, err = artifacts(r), e
	default:
		err = fmt.Errorf("unknown step %q: want cross or release", *step)
	}
	own := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdriver:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(Report{OwnNanos: int64(own), CPUNanos: selfCPU(), HWMBytes: peakRSS(), Count: n})
}

// peakRSS returns VmHWM from /proc/self/status in bytes, or 0 where there
// is no such file.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// artifacts counts the artifacts of a run, which is nil when it could not
// start.
func artifacts(r *staticbuild.Result) int {
	if r == nil {
		return 0
	}
	return len(r.Artifacts)
}
