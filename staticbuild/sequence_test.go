//go:build unix

package staticbuild

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// The sequence test's settings: a seed reproduces a sequence, and the
// number of operations sets its length. Both can also come from the
// environment (MAGESTATIC_SEQ_SEED, MAGESTATIC_SEQ_OPS);
// MAGESTATIC_SEQ_SEED=random draws a new sequence.
var (
	seqSeed = flag.Uint64("seq.seed", 0, "seed of TestSequence (0: from MAGESTATIC_SEQ_SEED, else the default)")
	seqOps  = flag.Int("seq.ops", 0, "operations of TestSequence (0: from MAGESTATIC_SEQ_OPS, else 6 with -short and 1000 without)")
)

// seqDefaultSeed is the sequence the suite plays when no seed is given, so
// that the suite checks the same sequence on every run: one that found
// the bugs TestRepublishRefusedWithoutState and TestCancelAfterBuildFails
// guard against. New sequences are drawn with MAGESTATIC_SEQ_SEED=random.
const seqDefaultSeed = 1319832442632258276

// seq is the state of one sequence: the project, what the test knows was
// released, and the counters it reports.
type seq struct {
	t      *testing.T
	rng    *rand.Rand
	exe    string // this test binary, which runs the operations
	dir    string // the project
	dist   string
	cache  string // the binary cache
	tmp    string // the runs' result files
	runs   int    // child runs started
	cfg    seqConfig
	next   int      // the minor version of the next new tag
	tags   []string // every tag made
	branch bool     // HEAD is the branch, not a detached old tag

	released    map[string]map[string]string // version -> path -> SHA-256 of every file released but checksum files
	sums        map[string]map[string]seqSet // version -> checksum file -> SHA-256 of each published: one per set of files
	lastRelease map[string]string            // path -> SHA-256 of the files of the last complete release
	binaries    map[string]string            // "version commit path" -> SHA-256 of a binary
	seenBinary  map[string]bool              // SHA-256 of every binary a manifest listed
	hadManifest bool
	tainted     bool // a corruption has not yet been met by a successful release
	stateLost   bool // the state file was corrupted since the last successful release

	ops        map[string]int // operations by kind
	kills      map[string]int // kills by the step they were aimed at
	missed     int            // kills aimed at a step the run finished before
	incomplete int            // kills that left dist/ without a manifest
	corrupt    map[string]int // corruptions by target
	results    map[string]int // "op ok" / "op failed" of the child runs
	together   int            // runs of two at once
	forgotten  int            // versions the test stopped holding the engine to when the state was lost
	log        []string       // the operations so far, for the failure message
	desc       string         // what the current operation did
	broken     []string       // the invariants the current operation broke
	master     string         // the branch's name
}

// TestSequence runs a random sequence of releases, builds, merges, edits,
// commits, tags, configuration changes, kills at random moments and inside
// each step, runs two at once and corruptions of dist/, the binary cache,
// the state file and the manifest, and checks the invariants (see
// seq.check) after every operation. It prints the seed and the command
// that repeats the sequence when it fails. Run a long new one with
//
//	MAGESTATIC_SEQ_SEED=random MAGESTATIC_SEQ_OPS=3000 go test ./staticbuild -run TestSequence -v -timeout 60m
func TestSequence(t *testing.T) {
	var err error
	seed := *seqSeed
	if v := os.Getenv("MAGESTATIC_SEQ_SEED"); seed == 0 && v != "" {
		if v == "random" {
			seed = rand.Uint64()
		} else if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("MAGESTATIC_SEQ_SEED=%q: want a number or random", v)
		}
	}
	if seed == 0 {
		seed = seqDefaultSeed
	}
	n := *seqOps
	if n == 0 {
		n, _ = strconv.Atoi(os.Getenv("MAGESTATIC_SEQ_OPS"))
	}
	if n == 0 {
		n = 1000
		if testing.Short() {
			n = 6 // a few; the long sequence runs in the full suite
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := &seq{t: t, rng: rand.New(rand.NewPCG(seed, seed>>1|1)), exe: exe,
		released: map[string]map[string]string{}, sums: map[string]map[string]seqSet{}, lastRelease: map[string]string{}, binaries: map[string]string{}, seenBinary: map[string]bool{},
		ops: map[string]int{}, kills: map[string]int{}, corrupt: map[string]int{}, results: map[string]int{}, next: 1, branch: true}
	rerun := fmt.Sprintf("MAGESTATIC_SEQ_SEED=%d MAGESTATIC_SEQ_OPS=%d go test ./staticbuild -run 'TestSequence$' -v", seed, n)
	t.Logf("seed %d, %d operations; to repeat: %s", seed, n, rerun)
	s.dir = testmod.New(t, "", "seqapp", map[string]string{
		"cmd/app/main.go":  seqMain("hello"),
		"cmd/tool/main.go": seqMain("tool"),
		"README.md":        "# seqapp\n",
		"LICENSE":          "Licensed.\n",
		".gitignore":       "/shards/\n",
	}, "v1.0.0")
	s.tags = []string{"v1.0.0"}
	s.master = strings.TrimSpace(s.git("rev-parse", "--abbrev-ref", "HEAD"))
	s.dist = filepath.Join(s.dir, "dist")
	s.cache, s.tmp = t.TempDir(), t.TempDir()
	s.cfg = seqConfig{Binaries: []string{"./cmd/app", "./cmd/tool"}, Platforms: []string{"linux/amd64", "windows/amd64"}}

	start := time.Now()
	for i := range n {
		name := s.step()
		s.log = append(s.log, name)
		t.Logf("%d: %s", i+1, name)
		if errs := s.broken; len(errs) > 0 {
			t.Fatalf("after operation %d (%s): %d invariants broken:\n  %s\nthe last operations: %s\nseed %d; to repeat: %s",
				i+1, name, len(errs), strings.Join(errs, "\n  "), strings.Join(s.log[max(0, len(s.log)-12):], "; "), seed, rerun)
		}
	}
	t.Logf("%d operations in %s (seed %d)", n, time.Since(start).Round(time.Second), seed)
	t.Logf("operations: %s", counts(s.ops))
	t.Logf("child runs: %s", counts(s.results))
	t.Logf("kills by step: %s; %d aimed at a step the run finished before; %d while putting files in place (dist/ left without a manifest)", counts(s.kills), s.missed, s.incomplete)
	t.Logf("corruptions: %s", counts(s.corrupt))
	t.Logf("two runs at once: %d; released versions held to their bytes: %d (%d forgotten with the state file)", s.together, len(s.released), s.forgotten)
}

// seqSet is a set of strings.
type seqSet map[string]bool

// counts formats counters sorted by name.
func counts(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// seqMain is a main package that prints greeting.
func seqMain(greeting string) string {
	return strings.Replace(testmod.Hello, `"hello"`, strconv.Quote(greeting), 1)
}
