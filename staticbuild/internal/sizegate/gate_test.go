package sizegate

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/magestatic/magestatic/verify/pkgsize"
)

// binDir holds the binaries the tests build, shared by all tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sizegate-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildMu sync.Mutex
	built   = make(map[string]string) // by name
)

// build builds the program in testdata/pkg for linux/amd64 as a release
// would (-trimpath, -s -w, no cgo), once per name for all tests, and
// returns the binary's path.
func build(t *testing.T, pkg, name string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[name]; ok {
		return p
	}
	path := filepath.Join(binDir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", path, "./testdata/"+pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	built[name] = path
	return path
}

const platform = "linux/amd64"

// TestGate takes a baseline from the plain program and gates the same
// program grown by net/http.
func TestGate(t *testing.T) {
	plain := build(t, "plain", "plain")
	grown := build(t, "nethttp", "nethttp")
	dir := t.TempDir()
	path := filepath.Join(dir, "size-baseline.json")

	snap, err := Snapshot(project, []Binary{{Platform: platform, Path: plain}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteBaseline(path, snap); err != nil {
		t.Fatal(err)
	}
	base, err := ReadBaseline(path, project)
	if err != nil {
		t.Fatal(err)
	}
	e := base.Platforms[platform]
	if len(e.Packages) != 11 || e.Packages[0].Path != "runtime" || e.Packages[10].Path != Other {
		t.Errorf("baseline packages %v, want runtime first, 10 packages and %s", e.Packages, Other)
	}

	before, _ := os.ReadFile(path)
	limits := Limits{MaxGrowthPercent: 10}
	results, err := Check([]Binary{{Platform: platform, Path: grown, Limits: limits}}, base)
	if err == nil {
		t.Fatal("a binary grown by net/http passes the gate")
	}
	// A failing gate leaves the baseline alone.
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("Check changed the baseline file")
	}
	t.Logf("gate error:\n%v", err)
	r := results[0]
	if r.Status != StatusGrew || !r.Failed() || r.Delta <= 0 || r.Base == nil || r.Base.Size != e.Size {
		t.Errorf("result %+v, want status %s", r, StatusGrew)
	}
	top := make(map[string]bool)
	for _, g := range r.Growers[:min(5, len(r.Growers))] {
		top[g.Path] = true
	}
	for _, want := range []string{"net/http", "crypto/tls"} {
		if !top[want] {
			t.Errorf("%s not among the top growers %v", want, r.Growers[:min(5, len(r.Growers))])
		}
		if !strings.Contains(err.Error(), want+" (+") {
			t.Errorf("error does not name grower %s", want)
		}
	}
	for _, want := range []string{platform, "grew by", "more than the 10% allowed", "code grew most in"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q", want)
		}
	}
	var table bytes.Buffer
	if err := WriteTable(&table, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("table:\n%s", &table)
	for _, want := range []string{"PLATFORM", "SIZE", "BUDGET", "BASELINE", "DELTA", "STATUS", platform, "grew", FormatSize(r.Size), FormatSize(e.Size)} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table does not show %q", want)
		}
	}

	// The baseline's own program passes; so does the grown one with a
	// limit it keeps.
	for _, bin := range []Binary{
		{Platform: platform, Path: plain, Limits: limits},
		{Platform: platform, Path: grown, Limits: Limits{MaxGrowthPercent: 1000}},
		{Platform: platform, Path: grown},
	} {
		if results, err := Check([]Binary{bin}, base); err != nil || results[0].Status != StatusOK {
			t.Errorf("%s with %+v: %v, %v", filepath.Base(bin.Path), bin.Limits, results[0].Status, err)
		}
	}
	// The growth limit in bytes.
	results, err = Check([]Binary{{Platform: platform, Path: grown, Limits: Limits{MaxGrowthBytes: 1_000_000}}}, base)
	if err == nil || results[0].Status != StatusGrew || !strings.Contains(err.Error(), "1.0 MB (1000000 bytes) allowed") {
		t.Errorf("growth limit in bytes: %v", err)
	}
}

func TestBudget(t *testing.T) {
	plain := build(t, "plain", "plain")
	st, err := os.Stat(plain)
	if err != nil {
		t.Fatal(err)
	}
	size := st.Size()
	results, err := Check([]Binary{{Platform: platform, Path: plain, Limits: Limits{Budget: size + 1}}}, nil)
	if err != nil || results[0].Status != StatusNew || results[0].Size != size {
		t.Errorf("budget above the size: %+v, %v", results[0], err)
	}
	results, err = Check([]Binary{{Platform: platform, Path: plain, Limits: Limits{Budget: size}}}, nil)
	if err != nil {
		t.Errorf("budget equal to the size: %v", err)
	}
	results, err = Check([]Binary{{Platform: platform, Path: plain, Limits: Limits{Budget: size - 1}}}, nil)
	if err == nil || results[0].Status != StatusOverBudget {
		t.Fatalf("budget below the size: %+v, %v", results[0], err)
	}
	if want := fmt.Sprintf("(%d bytes) is over its budget of", size); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// TestAggregate checks that one error names every failing platform, and
// that platforms missing from the baseline are new, not failed.
func TestAggregate(t *testing.T) {
	plain := build(t, "plain", "plain")
	grown := build(t, "nethttp", "nethttp")
	base, err := Snapshot(project, []Binary{{Platform: "linux/amd64", Path: plain}, {Platform: "linux/arm64", Path: plain}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(base.Platforms["linux/amd64"].Packages); n < 20 {
		t.Errorf("topN 0 kept %d packages, want all", n)
	}
	bins := []Binary{
		{Platform: "linux/amd64", Path: grown, Limits: Limits{MaxGrowthPercent: 10}},
		{Platform: "linux/arm64", Path: grown, Limits: Limits{Budget: 1000, MaxGrowthPercent: 10}},
		{Platform: "windows/amd64", Path: grown, Limits: Limits{MaxGrowthPercent: 10}},
		{Platform: "darwin/arm64", Path: grown, Limits: Limits{Budget: 1000}},
		{Platform: "freebsd/amd64", Path: filepath.Join(t.TempDir(), "missing")},
	}
	results, err := Check(bins, base)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	t.Logf("gate error:\n%s", msg)
	want := []Status{StatusGrew, StatusOverBudget, StatusNew, StatusOverBudget, StatusError}
	for i, r := range results {
		if r.Status != want[i] {
			t.Errorf("%s: status %s, want %s", r.Platform, r.Status, want[i])
		}
		if r.Failed() != strings.Contains(msg, r.Platform+":") {
			t.Errorf("%s: failed %v, but the error says otherwise", r.Platform, r.Failed())
		}
	}
	if !strings.Contains(msg, "4 errors occurred") {
		t.Errorf("error does not count 4 failures")
	}
	// Over budget and grown: both reasons are given.
	if r := results[1]; !strings.Contains(strings.Join(r.Problems, "\n"), "over its budget") || !strings.Contains(strings.Join(r.Problems, "\n"), "grew by") {
		t.Errorf("linux/arm64 problems %q, want both the budget and the growth", r.Problems)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("table:\n%s", &table)
	if lines := strings.Count(table.String(), "\n"); lines != 1+len(bins) {
		t.Errorf("table has %d lines, want %d", lines, 1+len(bins))
	}
}

// TestBaselineReproducible builds the same source twice and checks that
// the two baselines are the same bytes.
func TestBaselineReproducible(t *testing.T) {
	var files [2][]byte
	for i := range files {
		bin := build(t, "nethttp", fmt.Sprintf("nethttp-%d", i))
		b, err := Snapshot(project, []Binary{{Platform: platform, Path: bin}}, 20)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "size-baseline.json")
		if err := WriteBaseline(path, b); err != nil {
			t.Fatal(err)
		}
		if files[i], err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Errorf("two builds of the same source give different baselines:\n%s\n%s", files[0], files[1])
	}
}

func TestSnapshotErrors(t *testing.T) {
	plain := build(t, "plain", "plain")
	notGo := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notGo, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		bins []Binary
		want string
	}{
		{"missing", []Binary{{Platform: platform, Path: notGo + ".missing"}}, "no such file"},
		{"not Go", []Binary{{Platform: platform, Path: notGo}}, "no Go pclntab found"},
		{"twice", []Binary{{Platform: platform, Path: plain}, {Platform: platform, Path: plain}}, "given twice"},
		{"bad platform", []Binary{{Platform: "linux", Path: plain}}, "not GOOS/GOARCH"},
	} {
		if _, err := Snapshot(project, tt.bins, 10); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.want)
		}
	}
}

func TestGrowers(t *testing.T) {
	p := func(path string, n int64) pkgsize.Package { return pkgsize.Package{Path: path, Bytes: n} }
	cur := []pkgsize.Package{p("runtime", 1000), p("net/http", 500), p("fmt", 300), p("small", 40), p("shrunk", 10)}
	tests := []struct {
		name string
		base []pkgsize.Package
		want []pkgsize.Package
	}{
		// Every package named: a missing one is new.
		{"complete", []pkgsize.Package{p("runtime", 900), p("fmt", 300), p("shrunk", 20)},
			[]pkgsize.Package{p("net/http", 500), p("runtime", 100), p("small", 40)}},
		// Top 2 and Other: unnamed packages may have had up to
		// min(smallest named, Other) = 30 bytes.
		{"top N", []pkgsize.Package{p("runtime", 900), p("fmt", 300), p(Other, 30)},
			[]pkgsize.Package{p("net/http", 470), p("runtime", 100), p("small", 10)}},
		{"top N, large other", []pkgsize.Package{p("runtime", 900), p("fmt", 300), p(Other, 5000)},
			[]pkgsize.Package{p("runtime", 100), p("net/http", 200)}},
		{"empty", nil, cur[:5]},
	}
	for _, tt := range tests {
		got := growers(cur, tt.base)
		want := append([]pkgsize.Package{}, tt.want...)
		pkgsize.Sort(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: growers %v, want %v", tt.name, got, want)
		}
	}
}
