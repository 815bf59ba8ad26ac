package bench

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The process kinds the CPU of a run is split into.
const (
	KindCompile  = "compile"  // the compiler
	KindLink     = "link"     // the linker
	KindTools    = "asm, cgo" // the other tools go build runs through -toolexec: asm, cgo (with the C compiler it runs)
	KindGo       = "go"       // the go commands themselves: loading packages, hashing, the cache, the C compiler of cgo packages
	KindMage     = "mage"     // go tool mage: the go command's build of mage, which -toolexec does not reach, and mage itself
	KindOwn      = "own"      // the tool's own process and anything it ran besides go (git)
	KindRecorder = "recorder" // benchrec, which took these figures
)

// Kinds lists the process kinds in the order the report shows them.
var Kinds = []string{KindCompile, KindLink, KindTools, KindGo, KindMage, KindOwn, KindRecorder}

// record is one line of a benchrec log: one tool or go command.
type record struct {
	kind, detail string
	wall         time.Duration
	cpu          time.Duration // the child's user+system, with what it waited for
	rss          int64
	self         time.Duration // benchrec's own user+system
	depth        int           // go commands: 1 for the outermost; tools: 0
}

// readRecords reads the log that benchrec appends to.
func readRecords(name string) ([]record, error) {
	f, err := os.Open(name)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []record
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		f := strings.Split(s.Text(), "\t")
		if len(f) < 9 {
			return nil, fmt.Errorf("%s:%d: %d fields, want at least 9", name, n, len(f))
		}
		var v [7]int64
		for i := range v {
			if v[i], err = strconv.ParseInt(f[2+i], 10, 64); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, n, err)
			}
		}
		recs = append(recs, record{kind: f[0], detail: f[1], wall: time.Duration(v[0]), cpu: time.Duration(v[1] + v[2]),
			rss: v[3], self: time.Duration(v[4] + v[5]), depth: int(v[6])})
	}
	return recs, s.Err()
}

// splitKinds divides total, the CPU of a whole run, by process kind, from
// the run's benchrec records: the tools' own records, the go commands'
// less the tools they ran, and the rest, the orchestrator's. A recorded
// run without records, which started no go command, is all its own.
func splitKinds(total time.Duration, recs []record) map[string]time.Duration {
	k := map[string]time.Duration{}
	var goTop, goTopSelf, goTool, toolsSelf, nested, nestedSelf time.Duration
	for _, r := range recs {
		switch {
		case r.kind == "go":
			k[KindRecorder] += r.self
			if r.depth <= 1 {
				goTop += r.cpu
				goTopSelf += r.self
				if r.detail == "tool" {
					goTool += r.cpu
				}
			} else {
				nested += r.cpu
				nestedSelf += r.self
			}
		default:
			k[toolKind(r.kind)] += r.cpu
			k[KindRecorder] += r.self
			toolsSelf += r.self
		}
	}
	tools := k[KindCompile] + k[KindLink] + k[KindTools]
	// A go command's record holds the tools it ran, their recorders and
	// the go commands inside it. Under "go tool mage", those are mage's
	// (MAGEFILE_GOCMD); the rest of go tool's record is its build of mage
	// and mage itself.
	if goTool > 0 {
		k[KindMage] = max(0, goTool-nested-nestedSelf)
	}
	k[KindGo] = max(0, goTop-k[KindMage]-tools-toolsSelf-nestedSelf)
	k[KindOwn] = max(0, total-goTop-goTopSelf)
	return k
}

func toolKind(name string) string {
	switch name {
	case "compile":
		return KindCompile
	case "link":
		return KindLink
	}
	return KindTools
}

// recorder is benchrec set up for a run: a directory holding "go", a link
// to benchrec, to put first on PATH, and the go command it stands for.
type recorder struct {
	bin    string // benchrec
	shim   string // directory with the go that records
	realGo string
}

// newRecorder makes the directory of the go that records, under dir.
func newRecorder(bin, dir string) (*recorder, error) {
	realGo, err := lookGo(os.Getenv("PATH"))
	if err != nil {
		return nil, err
	}
	shim := filepath.Join(dir, "benchrec-path")
	if err := os.MkdirAll(shim, 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink(bin, filepath.Join(shim, "go")); err != nil && !os.IsExist(err) {
		return nil, err
	}
	return &recorder{bin: bin, shim: shim, realGo: realGo}, nil
}

// env returns env set up to record into log: the recording go first on
// PATH.
func (r *recorder) env(env []string, log string) []string {
	out := make([]string, 0, len(env)+4)
	path := ""
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH":
			path = v
			continue
		case "BENCHREC_LOG", "BENCHREC_GO", "BENCHREC_SELF", "BENCHREC_IN_GO":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PATH="+r.shim+string(os.PathListSeparator)+path,
		"BENCHREC_GO="+r.realGo, "BENCHREC_SELF="+r.bin, "BENCHREC_LOG="+log)
}

// lookGo finds the go command on path.
func lookGo(path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, "go")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return filepath.Abs(p)
		}
	}
	return "", fmt.Errorf("no go command on PATH %q", path)
}

// goCommand returns the go command a tool run with env starts: the first
// on env's PATH.
func goCommand(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], "PATH="); ok {
			if p, err := lookGo(v); err == nil {
				return p
			}
			break
		}
	}
	return "go"
}
