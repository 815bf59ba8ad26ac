package bench

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
)

func TestMedian(t *testing.T) {
	s := func(sec int) Sample { return Sample{Wall: time.Duration(sec) * time.Second, PeakRSS: int64(sec)} }
	if got := Median([]Sample{s(5), s(1), s(3)}); got.Wall != 3*time.Second || got.PeakRSS != 3 {
		t.Errorf("median of 5, 1, 3 = %v", got)
	}
	if got := Median([]Sample{s(4), s(2)}); got.Wall != 3*time.Second {
		t.Errorf("median of 4, 2 = %v, want 3s", got.Wall)
	}
	k := func(compile int) Sample {
		return Sample{Kinds: map[string]time.Duration{KindCompile: time.Duration(compile) * time.Second}}
	}
	if got := Median([]Sample{k(5), {}, k(1), k(3)}); got.Kinds[KindCompile] != 3*time.Second {
		t.Errorf("median compile CPU of 5, 1, 3 and a run without kinds = %v, want 3s", got.Kinds[KindCompile])
	}
	if lo, hi := Spread([]Sample{s(5), s(1), s(3)}, wallOf); lo != time.Second || hi != 5*time.Second {
		t.Errorf("spread of 5, 1, 3 = %v–%v", lo, hi)
	}
	if lo, hi := Spread([]Sample{{CPU: 7}, {CPU: 2, Wall: 9}}, cpuOf); lo != 2 || hi != 7 {
		t.Errorf("CPU spread of 7, 2 = %v–%v", lo, hi)
	}
	if got := Median(nil); !reflect.DeepEqual(got, Sample{}) {
		t.Errorf("median of nothing = %v", got)
	}
}

func TestLookup(t *testing.T) {
	if p, err := Lookup("fzf"); err != nil || p.Module != "github.com/junegunn/fzf" {
		t.Errorf("Lookup(fzf) = %v, %v", p, err)
	}
	if _, err := Lookup("nosuch"); err == nil || !strings.Contains(err.Error(), "fzf") {
		t.Errorf("Lookup(nosuch) = %v, want an error naming the known projects", err)
	}
}

func TestGoReleaserConfig(t *testing.T) {
	pls, err := platform.ParseList(Matrix)
	if err != nil {
		t.Fatal(err)
	}
	cfg := goreleaserConfig(Projects[0], pls, false)
	for _, want := range []string{"linux_amd64_v1", "linux_arm64_v8.0", "linux_arm_7", "windows_arm64_v8.0", "freebsd_amd64_v1",
		"env: [CGO_ENABLED=0]", "flags: [-trimpath]", `-s -w -X main.version={{.Version}}`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("configuration lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "archives:") {
		t.Errorf("the build configuration has archives:\n%s", cfg)
	}
	esbuild, err := Lookup("esbuild")
	if err != nil {
		t.Fatal(err)
	}
	cfg = goreleaserConfig(esbuild, pls, true)
	for _, want := range []string{"main: ./cmd/esbuild", `ldflags: ["-s -w"]`, "archives:", "formats: [zip]", "name_template: SHA256SUMS"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("esbuild's release configuration lacks %q:\n%s", want, cfg)
		}
	}
}

// TestMeasure runs a real command and checks that its cost is read.
func TestMeasure(t *testing.T) {
	s, out, err := measure(exec.Command("go", "version"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "go version") || s.Wall <= 0 || s.CPU <= 0 || s.PeakRSS <= 0 {
		t.Errorf("go version: output %q, sample %+v", out, s)
	}
	if _, _, err := measure(exec.Command("go", "nosuchcommand")); err == nil || !strings.Contains(err.Error(), "nosuchcommand") {
		t.Errorf("a failing command gave %v, want its error output", err)
	}
}

// results is a run with made-up figures, for the report and the chart.
func results() *Results {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	pr := ProjectResult{
		Project: Projects[0],
		Tools:   []string{Loop, Cross, Release, GoReleaser, GoReleaserRelease, Startup},
		Samples: map[string]map[string][]Sample{
			Cold: {
				Loop:       {{Wall: sec(76), CPU: sec(135)}, {Wall: sec(78), CPU: sec(137)}},
				Cross:      {{Wall: sec(62), CPU: sec(118), OrchRSS: 12 << 20}},
				GoReleaser: {{Wall: sec(73), CPU: sec(140)}},
				Startup: {{Wall: sec(8), CPU: sec(14), Kinds: map[string]time.Duration{KindCompile: sec(9), KindGo: sec(4)}},
					{Wall: sec(12), CPU: sec(15)}},
			},
			Warm: {Loop: {{Wall: sec(1.5)}}, Cross: {{Wall: sec(0.8)}}, GoReleaser: {{Wall: sec(1.1)}}, Startup: {{Wall: sec(0.7)}},
				Release: {{Wall: sec(1.2)}}, GoReleaserRelease: {{Wall: sec(5.5)}}},
			Noop: {Release: {{Wall: sec(0.05), Own: sec(0.01)}}, GoReleaser: {{Wall: sec(1.1)}}},
			Edit: {Loop: {{Wall: sec(6)}}, Cross: {{Wall: sec(3)}, {Wall: sec(5)}}, GoReleaser: {{Wall: sec(4)}}},
		},
		Missing: map[string]string{},
	}
	return &Results{CPUs: 2, GoVersion: "go1.26", Platforms: Matrix, Runs: 3, ColdRuns: 2, Projects: []ProjectResult{pr}, ScalingProject: "fzf",
		Scaling: []ScalePoint{{Label: "1 of the matrix", Platforms: Matrix[:1], Sample: Sample{Wall: sec(20), CPU: sec(30)}}}}
}

func TestGoals(t *testing.T) {
	r := results()
	got := map[string]bool{}
	for _, g := range Goals(r) {
		if !g.Known {
			t.Errorf("%s: figures missing", g.Name)
		}
		got[g.Name] = g.Met
	}
	// Floor: 136s CPU / 2 = 68s; 62/68 = 0.91.
	want := map[string]bool{
		"cold Cross vs the CPU floor":           true,
		"cold Cross vs GoReleaser":              true,
		"warm Cross vs GoReleaser":              true, // 0.73
		"warm Release vs GoReleaser release":    true, // 0.22
		"no-op Release, the library's own work": true,
		"no-op Release vs GoReleaser's no-op":   true, // 110 ×
		"orchestrator peak RSS":                 true,
		"cold start-up of go tool mage":         false, // 10 s
		"start-up with the caches restored":     true,
		"cold Cross CPU vs the loop's":          true, // 118 vs 136
		"cold Cross CPU vs GoReleaser's":        true, // 118 vs 140
	}
	for name, met := range want {
		if got[name] != met {
			t.Errorf("%s: met = %v, want %v", name, got[name], met)
		}
	}
	r.Projects[0].Samples[Warm][Cross] = []Sample{{Wall: time.Second}}
	for _, g := range Goals(r) {
		if g.Name == "warm Cross vs GoReleaser" && g.Met {
			t.Errorf("warm Cross at 0.91 × GoReleaser counted as met")
		}
	}
}

func TestMarkdownAndChart(t *testing.T) {
	r := results()
	md := Markdown(r, "go tool mage bench")
	for _, want := range []string{"| cold | magestatic Cross | 62.0s | 0.81 | 0.91 |", "CPU floor: 68.0s", "go tool mage bench", "## Scaling",
		"| 118.0s | 0.87 |  | 12 MB |  |  |  | 72.0s |",                                              // Cross: cold start-up 10 s added
		"| cold | go tool mage start-up | 10.0s |  |  | 14.5s |  |", "| 8.00s–12.0s | 14.0s–15.0s |", // no ratios to the loop; wall and CPU ranges
		"Cold CPU of Cross, round by round", "÷ build.sh loop 0.87; ÷ GoReleaser build 0.84.",
		"| cold | build.sh loop | 77.0s | 1.00 | 1.13 | 136.0s | 1.00 |  |  |  | 76.0s–78.0s | 135.0s–137.0s |  |",
		"3 edit (cache full, outputs kept", "| edit | magestatic Cross | 4.00s | 0.67 |", "| 3.00s–5.00s |",
		"| cold | go tool mage start-up | 14.5s | 9.00s | 0.00s | 0.00s | 4.00s | 0.00s |"} { // CPU by kind, of the one run that has them
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	var buf bytes.Buffer
	if err := WriteChart(&buf, r); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 200 {
		t.Errorf("chart is %v", b)
	}
}

func TestResultsRoundTripAndMerge(t *testing.T) {
	dir := t.TempDir()
	name := dir + "/bench.json"
	old := results()
	if err := WriteResults(name, old); err != nil {
		t.Fatal(err)
	}
	earlier, err := ReadResults(name)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := earlier.Projects[0].Median(Cold, Cross); got.Wall != 62*time.Second {
		t.Errorf("cold Cross after a round trip: %v", got.Wall)
	}
	yq, _ := Lookup("yq")
	now := &Results{Projects: []ProjectResult{{Project: yq, Samples: map[string]map[string][]Sample{}}}}
	m := now.Merge(earlier)
	if len(m.Projects) != 2 || m.Projects[0].Project.Name != "fzf" || m.Projects[1].Project.Name != "yq" || len(m.Scaling) != 1 {
		t.Errorf("merged: %d projects, %d scaling points", len(m.Projects), len(m.Scaling))
	}
	if now.Merge(nil) != now {
		t.Error("merging nothing changed the results")
	}
	os.WriteFile(name, []byte("{not json"), 0o644)
	if _, err := ReadResults(name); err == nil {
		t.Error("ReadResults accepted malformed JSON")
	}
	if _, err := ReadResults(dir + "/missing.json"); err == nil {
		t.Error("ReadResults accepted a missing file")
	}
}

func TestSplitKinds(t *testing.T) {
	dir := t.TempDir()
	log := dir + "/log"
	// A go build (depth 1) that ran a compile, a link and asm; a go list
	// inside it (depth 2); benchrec's own CPU 1 ms a record.
	lines := "go\tbuild\t9000000000\t10000000000\t1000000000\t0\t1000000\t0\t1\t10\t1\n" +
		"compile\tmain linux/amd64\t1\t5000000000\t500000000\t0\t1000000\t0\t0\t11\t10\n" +
		"link\tlinux/amd64\t1\t2000000000\t0\t0\t1000000\t0\t0\t12\t10\n" +
		"asm\t-V\t1\t100000000\t0\t0\t1000000\t0\t0\t13\t10\n" +
		"go\tlist\t1\t500000000\t0\t0\t1000000\t0\t2\t14\t10\n"
	if err := os.WriteFile(log, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := readRecords(log)
	if err != nil || len(recs) != 5 {
		t.Fatalf("readRecords: %d records, %v", len(recs), err)
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	got := splitKinds(ms(12000), recs)
	want := map[string]time.Duration{KindCompile: ms(5500), KindLink: ms(2000), KindTools: ms(100),
		KindGo: ms(11000 - 7600 - 3 - 1), KindOwn: ms(12000 - 11000 - 1), KindRecorder: ms(5)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("splitKinds = %v, want %v", got, want)
	}
	// go tool mage: go tool (depth 1) built mage, which ran go build
	// (depth 2), which ran a compile.
	lines = "go\ttool\t1\t30000000000\t0\t0\t1000000\t0\t1\t10\t1\n" +
		"go\tbuild\t1\t10000000000\t0\t0\t1000000\t0\t2\t11\t10\n" +
		"compile\tmain linux/amd64\t1\t8000000000\t0\t0\t1000000\t0\t0\t12\t11\n"
	os.WriteFile(log, []byte(lines), 0o644)
	if recs, err = readRecords(log); err != nil {
		t.Fatal(err)
	}
	got = splitKinds(ms(30500), recs)
	want = map[string]time.Duration{KindCompile: ms(8000), KindMage: ms(30000 - 10000 - 1), KindGo: ms(10000 - 8000 - 1),
		KindOwn: ms(30500 - 30000 - 1), KindRecorder: ms(3)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("splitKinds of go tool mage = %v, want %v", got, want)
	}
	if got := splitKinds(time.Second, nil); got[KindOwn] != time.Second || got[KindGo] != 0 {
		t.Errorf("a run that started no go command: %v, want all its own", got)
	}
	os.WriteFile(log, []byte("compile\tx\t1\n"), 0o644)
	if _, err := readRecords(log); err == nil {
		t.Error("readRecords accepted a short line")
	}
}

// TestRecorder builds a program through benchrec and checks that the
// compile, the link and the go command are recorded, and that the binary
// is the one go build writes without it.
func TestRecorder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchrec and a program")
	}
	dir := t.TempDir()
	bin := dir + "/benchrec"
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/benchrec").CombinedOutput(); err != nil {
		t.Fatalf("building benchrec: %v\n%s", err, out)
	}
	rec, err := newRecorder(bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	src := dir + "/prog"
	os.MkdirAll(src, 0o755)
	// A source of its own, so that its compile is no cache hit.
	prog := "package main\n\nfunc main() { println(" + strconvQuote(time.Now().String()) + ") }\n"
	os.WriteFile(src+"/go.mod", []byte("module prog\n\ngo 1.24\n"), 0o644)
	os.WriteFile(src+"/main.go", []byte(prog), 0o644)
	log := dir + "/log"
	build := func(out string, env []string) {
		cmd := exec.Command(goCommand(env), "build", "-trimpath", "-o", out, ".")
		cmd.Dir, cmd.Env = src, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	env := append(os.Environ(), "GOFLAGS=")
	build(dir+"/recorded", rec.env(env, log))
	build(dir+"/plain", env)
	recs, err := readRecords(log)
	if err != nil {
		t.Fatal(err)
	}
	k := splitKinds(time.Hour, recs)
	if k[KindCompile] <= 0 || k[KindLink] <= 0 || k[KindGo] <= 0 || k[KindRecorder] <= 0 {
		t.Errorf("kinds %v of records %+v", k, recs)
	}
	a, _ := os.ReadFile(dir + "/recorded")
	b, _ := os.ReadFile(dir + "/plain")
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the binary built through benchrec (%d bytes) differs from the plain one (%d bytes)", len(a), len(b))
	}
	// The other way round, the recorded build finds the plain one's
	// compile in the cache: -toolexec leaves the cache keys alone.
	os.WriteFile(src+"/main.go", []byte(strings.Replace(prog, "println(", "println(1, ", 1)), 0o644)
	os.Remove(log)
	build(dir+"/plain2", env)
	build(dir+"/recorded2", rec.env(env, log))
	recs, err = readRecords(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.kind == "compile" && strings.HasPrefix(r.detail, "prog ") || r.kind == "compile" && strings.HasPrefix(r.detail, "main ") {
			t.Errorf("the recorded build compiled %s again after the plain one", r.detail)
		}
	}
}

func strconvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `'`) + `"` }

// TestSourceEdit edits a program's main file, as the edit state does, and
// checks that each edit changes the binary go build writes, and that
// restore puts the file back.
func TestSourceEdit(t *testing.T) {
	dir := t.TempDir()
	main := "package main\n\nfunc main() { println(helper()) }\n"
	files := map[string]string{"go.mod": "module prog\n\ngo 1.24\n", "a.go": "package main\n\nfunc helper() string { return \"a\" }\n",
		"main.go": main, "main_test.go": "package main\n\nfunc main() {}\n"}
	for name, data := range files {
		if err := os.WriteFile(dir+"/"+name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e, err := newSourceEdit(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e.file != dir+"/main.go" {
		t.Fatalf("edits %s, want main.go", e.file)
	}
	if _, err := newSourceEdit(t.TempDir()); err == nil || !strings.Contains(err.Error(), "func main") {
		t.Errorf("a directory without func main gave %v", err)
	}
	var bins []string
	for n := 1; n <= 2; n++ {
		if err := e.apply(n); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(e.file)
		if want := main + "\nvar _ = \"edit " + string(rune('0'+n)) + "\"\n"; string(data) != want {
			t.Errorf("edit %d: %q, want %q", n, data, want)
		}
		if testing.Short() {
			continue
		}
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", "out", ".")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build after edit %d: %v\n%s", n, err, out)
		}
		bin, _ := os.ReadFile(dir + "/out")
		bins = append(bins, string(bin))
	}
	if len(bins) == 2 && bins[0] == bins[1] {
		t.Error("two edits built the same binary")
	}
	if err := e.restore(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(e.file); string(data) != main {
		t.Errorf("restored: %q", data)
	}
}
