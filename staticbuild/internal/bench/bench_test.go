package bench

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/platform"
)

func TestMedian(t *testing.T) {
	s := func(sec int) Sample { return Sample{Wall: time.Duration(sec) * time.Second, PeakRSS: int64(sec)} }
	if got := Median([]Sample{s(5), s(1), s(3)}); got.Wall != 3*time.Second || got.PeakRSS != 3 {
		t.Errorf("median of 5, 1, 3 = %v", got)
	}
	if got := Median([]Sample{s(4), s(2)}); got.Wall != 3*time.Second {
		t.Errorf("median of 4, 2 = %v, want 3s", got.Wall)
	}
	if got := Median(nil); got != (Sample{}) {
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
	cfg := goreleaserConfig(Projects[0], pls)
	for _, want := range []string{"linux_amd64_v1", "linux_arm64_v8.0", "linux_arm_7", "windows_arm64_v8.0", "freebsd_amd64_v1",
		"env: [CGO_ENABLED=0]", "flags: [-trimpath]", `-s -w -X main.version={{.Version}}`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("configuration lacks %q:\n%s", want, cfg)
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
		Tools:   []string{Loop, Cross, Release, GoReleaser},
		Samples: map[string]map[string][]Sample{
			Cold: {
				Loop:       {{Wall: sec(76), CPU: sec(135)}, {Wall: sec(78), CPU: sec(137)}},
				Cross:      {{Wall: sec(62), CPU: sec(118), OrchRSS: 12 << 20}},
				GoReleaser: {{Wall: sec(73), CPU: sec(140)}},
			},
			Warm: {Loop: {{Wall: sec(1.5)}}, Cross: {{Wall: sec(0.8)}}, GoReleaser: {{Wall: sec(1.1)}}},
			Noop: {Release: {{Wall: sec(0.05), Own: sec(0.01)}}, GoReleaser: {{Wall: sec(1.1)}}},
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
		"no-op Release, the library's own work": true,
		"no-op Release vs GoReleaser's no-op":   true, // 110 ×
		"orchestrator peak RSS":                 true,
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
	for _, want := range []string{"| cold | magestatic Cross | 62.0s | 0.81 | 0.91 |", "CPU floor: 68.0s", "go tool mage bench", "## Scaling"} {
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
