package sizegate

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/magestatic/magestatic/internal/platform"
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
	built   = make(map[string]string) // by file name
)

// build builds the program in testdata/pkg for plat as a release would
// (-trimpath, -s -w, no cgo), once per pkg, plat and copy for all tests,
// and returns the binary's path. Copies are built separately, to compare
// two builds of the same source.
func build(t *testing.T, pkg, plat string, copy int) string {
	t.Helper()
	p, err := platform.Parse(plat)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s-%s-%d", pkg, p.Suffix(), copy)
	buildMu.Lock()
	defer buildMu.Unlock()
	if path, ok := built[name]; ok {
		return path
	}
	path := filepath.Join(binDir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", path, "./testdata/"+pkg)
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false"), p.Env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for %s: %v\n%s", pkg, plat, err, out)
	}
	built[name] = path
	return path
}

const amd64 = "linux/amd64"

// TestGate takes a baseline from the plain program and gates the same
// program grown by net/http.
func TestGate(t *testing.T) {
	plain := build(t, "plain", amd64, 0)
	grown := build(t, "nethttp", amd64, 0)
	dir := t.TempDir()
	path := filepath.Join(dir, "size-baseline.json")
	key := Key{"app", amd64}

	snap, err := Snapshot(project, []Binary{{Name: "app", Platform: amd64, Path: plain}}, 10)
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
	e := base.Entries[key]
	if len(e.Packages) != 11 || e.Packages[0].Path != "runtime" || e.Packages[10].Path != Other {
		t.Errorf("baseline packages %v, want runtime first, 10 packages and %s", e.Packages, Other)
	}

	before, _ := os.ReadFile(path)
	limits := Limits{MaxGrowthPercent: 10}
	results, err := Check([]Binary{{Name: "app", Platform: amd64, Path: grown, Limits: limits}}, base)
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
	for _, want := range []string{"app linux/amd64: grew by", "more than the 10% allowed", "code grew most in"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q", want)
		}
	}
	var table bytes.Buffer
	if err := WriteTable(&table, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("table:\n%s", &table)
	lines := strings.Split(table.String(), "\n")
	if head := strings.Fields(lines[0]); fmt.Sprint(head) != "[BINARY PLATFORM SIZE BUDGET BASELINE DELTA STATUS]" {
		t.Errorf("table heading %q", lines[0])
	}
	for _, want := range []string{"app", amd64, "grew", FormatSize(r.Size), FormatSize(e.Size)} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("table row %q does not show %q", lines[1], want)
		}
	}

	// The baseline's own program passes; so does the grown one with a
	// limit it keeps.
	for _, bin := range []Binary{
		{Name: "app", Platform: amd64, Path: plain, Limits: limits},
		{Name: "app", Platform: amd64, Path: grown, Limits: Limits{MaxGrowthPercent: 1000}},
		{Name: "app", Platform: amd64, Path: grown},
	} {
		if results, err := Check([]Binary{bin}, base); err != nil || results[0].Status != StatusOK {
			t.Errorf("%s with %+v: %v, %v", filepath.Base(bin.Path), bin.Limits, results[0].Status, err)
		}
	}
	// The growth limit in bytes.
	results, err = Check([]Binary{{Name: "app", Platform: amd64, Path: grown, Limits: Limits{MaxGrowthBytes: 1_000_000}}}, base)
	if err == nil || results[0].Status != StatusGrew || !strings.Contains(err.Error(), "1.0 MB (1000000 bytes) allowed") {
		t.Errorf("growth limit in bytes: %v", err)
	}
	// Another binary of the same platform is new: entries are by name.
	results, err = Check([]Binary{{Name: "other", Platform: amd64, Path: grown, Limits: limits}}, base)
	if err != nil || results[0].Status != StatusNew || results[0].Base != nil {
		t.Errorf("binary with no entry: %v, %v; want it new", results[0].Status, err)
	}
}

// TestVariants gates two binaries, server and cli, built for the variant
// platforms linux/arm/7 and linux/amd64/v3, when server grows by net/http
// and cli does not.
func TestVariants(t *testing.T) {
	platforms := []string{"linux/arm/7", "linux/amd64/v3"}
	var before, after []Binary
	for _, plat := range platforms {
		before = append(before,
			Binary{Name: "server", Platform: plat, Path: build(t, "plain", plat, 0)},
			Binary{Name: "cli", Platform: plat, Path: build(t, "cli", plat, 0)})
		after = append(after,
			Binary{Name: "server", Platform: plat, Path: build(t, "nethttp", plat, 0), Limits: Limits{MaxGrowthPercent: 10}},
			Binary{Name: "cli", Platform: plat, Path: build(t, "cli", plat, 0), Limits: Limits{MaxGrowthPercent: 10}})
	}
	// The binaries are of the variants: the toolchain recorded them.
	for _, bin := range append(before, after...) {
		info, err := buildinfo.ReadFile(bin.Path)
		if err != nil {
			t.Fatal(err)
		}
		settings := make(map[string]string)
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		got := settings["GOOS"] + "/" + settings["GOARCH"] + "/" + settings["GOARM"] + settings["GOAMD64"]
		if got != bin.Platform {
			t.Fatalf("%s was built for %s, not %s", bin.Path, got, bin.Platform)
		}
	}

	path := filepath.Join(t.TempDir(), "magestatic-sizes.json")
	snap, err := Snapshot(project, before, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteBaseline(path, snap); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for want, n := range map[string]int{`"cli": {`: 1, `"server": {`: 1, `"linux/arm/7": {`: 2, `"linux/amd64/v3": {`: 2} {
		if got := bytes.Count(data, []byte(want)); got != n {
			t.Errorf("baseline file holds %s %d times, want %d:\n%s", want, got, n, data)
		}
	}
	base, err := ReadBaseline(path, project)
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Entries) != 4 {
		t.Fatalf("baseline has %d entries, want 4", len(base.Entries))
	}

	results, err := Check(after, base)
	if err == nil {
		t.Fatal("server grown by net/http passes the gate")
	}
	msg := err.Error()
	t.Logf("gate error:\n%s", msg)
	if !strings.Contains(msg, "2 errors occurred") {
		t.Error("error does not count 2 failures")
	}
	for i, r := range results {
		if r.Base == nil || r.Base.Size != base.Entries[r.Key()].Size {
			t.Errorf("%s compared with %+v, not its own entry", r.Key(), r.Base)
			continue
		}
		if r.Name == "cli" {
			if r.Status != StatusOK || strings.Contains(msg, "cli") {
				t.Errorf("%s: %s; the unchanged cli must pass and go unnamed", r.Key(), r.Status)
			}
			continue
		}
		if r.Status != StatusGrew {
			t.Errorf("%s: %s, want %s", r.Key(), r.Status, StatusGrew)
		}
		// The line of this binary names it, its platform and what grew.
		prefix := "server " + platforms[i/2] + ": grew by"
		j := strings.Index(msg, prefix)
		if j < 0 {
			t.Errorf("error does not say %q", prefix)
			continue
		}
		line, _, _ := strings.Cut(msg[j:], "\n")
		for _, want := range []string{"more than the 10% allowed", "code grew most in", "net/http (+"} {
			if !strings.Contains(line, want) {
				t.Errorf("%q does not say %q", line, want)
			}
		}
	}
	var table bytes.Buffer
	if err := WriteTable(&table, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("table:\n%s", &table)
	for i, line := range strings.Split(strings.TrimSpace(table.String()), "\n")[1:] {
		f := strings.Fields(line)
		r := results[i]
		if f[0] != r.Name || f[1] != r.Platform || f[len(f)-1] != string(r.Status) {
			t.Errorf("table row %q, want %s %s ... %s", line, r.Name, r.Platform, r.Status)
		}
	}
}

func TestBudget(t *testing.T) {
	plain := build(t, "plain", amd64, 0)
	st, err := os.Stat(plain)
	if err != nil {
		t.Fatal(err)
	}
	size := st.Size()
	bin := func(budget int64) []Binary {
		return []Binary{{Name: "app", Platform: amd64, Path: plain, Limits: Limits{Budget: budget}}}
	}
	results, err := Check(bin(size+1), nil)
	if err != nil || results[0].Status != StatusNew || results[0].Size != size {
		t.Errorf("budget above the size: %+v, %v", results[0], err)
	}
	results, err = Check(bin(size), nil)
	if err != nil {
		t.Errorf("budget equal to the size: %v", err)
	}
	results, err = Check(bin(size-1), nil)
	if err == nil || results[0].Status != StatusOverBudget {
		t.Fatalf("budget below the size: %+v, %v", results[0], err)
	}
	if want := fmt.Sprintf("app linux/amd64: %s (%d bytes) is over its budget of", FormatSize(size), size); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// TestAggregate checks that one error names every failing binary, and
// that binaries missing from the baseline are new, not failed.
func TestAggregate(t *testing.T) {
	plain := build(t, "plain", amd64, 0)
	grown := build(t, "nethttp", amd64, 0)
	base, err := Snapshot(project, []Binary{{Name: "app", Platform: "linux/amd64", Path: plain}, {Name: "app", Platform: "linux/arm64", Path: plain}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(base.Entries[Key{"app", "linux/amd64"}].Packages); n < 20 {
		t.Errorf("topN 0 kept %d packages, want all", n)
	}
	bins := []Binary{
		{Name: "app", Platform: "linux/amd64", Path: grown, Limits: Limits{MaxGrowthPercent: 10}},
		{Name: "app", Platform: "linux/arm64", Path: grown, Limits: Limits{Budget: 1000, MaxGrowthPercent: 10}},
		{Name: "app", Platform: "windows/amd64", Path: grown, Limits: Limits{MaxGrowthPercent: 10}},
		{Name: "app", Platform: "darwin/arm64", Path: grown, Limits: Limits{Budget: 1000}},
		{Name: "app", Platform: "freebsd/amd64", Path: filepath.Join(t.TempDir(), "missing")},
		{Name: "", Platform: "linux/amd64", Path: plain},
		{Name: "app", Platform: "linux/amd64/v9", Path: plain},
	}
	results, err := Check(bins, base)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	t.Logf("gate error:\n%s", msg)
	want := []Status{StatusGrew, StatusOverBudget, StatusNew, StatusOverBudget, StatusError, StatusError, StatusError}
	for i, r := range results {
		if r.Status != want[i] {
			t.Errorf("%s: status %s, want %s: %q", r.Key(), r.Status, want[i], r.Problems)
		}
		if r.Failed() != strings.Contains(msg, "* "+r.Key().String()+": ") {
			t.Errorf("%s: failed %v, but the error says otherwise", r.Key(), r.Failed())
		}
	}
	for _, want := range []string{"6 errors occurred", "no binary name", `platform "linux/amd64/v9": GOAMD64 must be one of`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q", want)
		}
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

// TestFormat1 gates binaries against a baseline file of format 1, whose
// entries name no binary.
func TestFormat1(t *testing.T) {
	plain := build(t, "plain", amd64, 0)
	grown := build(t, "nethttp", amd64, 0)
	st, err := os.Stat(plain)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "magestatic-sizes.json")
	old := fmt.Sprintf(`{
  "format": "magestatic-size-baseline/1",
  "project": %q,
  "platforms": {
    "linux/amd64": {
      "size": %d,
      "packages": []
    }
  }
}
`, project, st.Size())
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	base, err := ReadBaseline(path, project)
	if err != nil {
		t.Fatal(err)
	}
	limits := Limits{MaxGrowthPercent: 10}

	// The only binary of its platform: the entry is its own, of any name.
	for _, tt := range []struct {
		path string
		want Status
	}{{plain, StatusOK}, {grown, StatusGrew}} {
		results, err := Check([]Binary{
			{Name: "server", Platform: amd64, Path: tt.path, Limits: limits},
			{Name: "server", Platform: "linux/arm64", Path: tt.path, Limits: limits},
		}, base)
		if r := results[0]; r.Status != tt.want || r.Base == nil || r.Base.Size != st.Size() {
			t.Errorf("%s against format 1: %s, %v; want %s against the entry", filepath.Base(tt.path), r.Status, err, tt.want)
		}
		if r := results[1]; r.Status != StatusNew {
			t.Errorf("platform without entry: %s, want %s", r.Status, StatusNew)
		}
	}

	// Two binaries of that platform: whose the entry is cannot be told.
	results, err := Check([]Binary{
		{Name: "server", Platform: amd64, Path: plain, Limits: limits},
		{Name: "cli", Platform: amd64, Path: plain, Limits: limits},
		{Name: "cli", Platform: "linux/arm64", Path: plain, Limits: limits},
	}, base)
	if err == nil {
		t.Fatal("two binaries against one unnamed entry: no error")
	}
	t.Logf("gate error:\n%v", err)
	for _, r := range results[:2] {
		if r.Status != StatusError || r.Base != nil {
			t.Errorf("%s: %s, want %s", r.Key(), r.Status, StatusError)
		}
	}
	if results[2].Status != StatusNew {
		t.Errorf("%s: %s, want %s", results[2].Key(), results[2].Status, StatusNew)
	}
	for _, want := range []string{
		"server linux/amd64: the size baseline names no binary for linux/amd64",
		"cli linux/amd64: the size baseline names no binary for linux/amd64",
		"binaries server and cli are built for it: run the sizebaseline target",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q", want)
		}
	}

	// Recording a new baseline writes the new format.
	snap, err := Snapshot(project, []Binary{{Name: "server", Platform: amd64, Path: plain}, {Name: "cli", Platform: amd64, Path: plain}}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteBaseline(path, snap); err != nil {
		t.Fatal(err)
	}
	if base, err = ReadBaseline(path, project); err != nil {
		t.Fatal(err)
	}
	if results, err := Check([]Binary{{Name: "server", Platform: amd64, Path: plain}, {Name: "cli", Platform: amd64, Path: plain}}, base); err != nil {
		t.Errorf("after a new baseline: %v, %+v", err, results)
	}
}

// TestBaselineReproducible builds the same sources twice and checks that
// the two baselines are the same bytes, whatever the order of the
// binaries.
func TestBaselineReproducible(t *testing.T) {
	var files [2][]byte
	for i := range files {
		bins := []Binary{
			{Name: "server", Platform: amd64, Path: build(t, "nethttp", amd64, i)},
			{Name: "cli", Platform: amd64, Path: build(t, "cli", amd64, i)},
			{Name: "server", Platform: "linux/amd64/v3", Path: build(t, "nethttp", "linux/amd64/v3", i)},
		}
		if i == 1 {
			bins[0], bins[2] = bins[2], bins[0]
		}
		b, err := Snapshot(project, bins, 20)
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
		t.Errorf("two builds of the same sources give different baselines:\n%s\n%s", files[0], files[1])
	}
	i := func(s string, from int) int { return from + bytes.Index(files[0][from:], []byte(s)) }
	cli := i(`"cli": {`, 0)
	server := i(`"server": {`, cli)
	v1 := i(`"linux/amd64": {`, server)
	v3 := i(`"linux/amd64/v3": {`, v1)
	if cli < 0 || server < cli || v1 < server || v3 < v1 {
		t.Errorf("baseline not sorted by binary, then platform:\n%s", files[0])
	}
}

func TestSnapshotErrors(t *testing.T) {
	plain := build(t, "plain", amd64, 0)
	notGo := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notGo, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		bins []Binary
		want string
	}{
		{"missing", []Binary{{Name: "app", Platform: amd64, Path: notGo + ".missing"}}, "app linux/amd64: stat"},
		{"not Go", []Binary{{Name: "app", Platform: amd64, Path: notGo}}, "app linux/amd64: pkgsize: " + notGo + ": no Go pclntab found"},
		{"twice", []Binary{{Name: "app", Platform: amd64, Path: plain}, {Name: "app", Platform: amd64, Path: plain}}, "binary app is given twice for linux/amd64"},
		{"bad platform", []Binary{{Name: "app", Platform: "linux", Path: plain}}, `binary app: platform "linux": want os/arch or os/arch/variant`},
		{"bad variant", []Binary{{Name: "app", Platform: "linux/arm/8", Path: plain}}, "GOARM must be one of 7, 6, 5"},
		{"no name", []Binary{{Platform: amd64, Path: plain}}, plain + " (linux/amd64): no binary name"},
		{"bad name", []Binary{{Name: " my app", Platform: amd64, Path: plain}}, `binary name " my app": want a name without slashes`},
	} {
		_, err := Snapshot(project, tt.bins, 10)
		// A missing file's message is the system's own (stat on Unix,
		// GetFileAttributesEx on Windows): ask errors.Is.
		missing := tt.name == "missing" && errors.Is(err, fs.ErrNotExist) && strings.Contains(err.Error(), "app linux/amd64: ")
		if err == nil || !strings.Contains(err.Error(), tt.want) && !missing {
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
