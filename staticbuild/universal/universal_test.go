package universal

import (
	"bytes"
	"context"
	dmacho "debug/macho"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

var files = map[string]string{
	"cmd/app/main.go":  testmod.Hello,
	"cmd/tool/main.go": testmod.Hello,
	"README.md":        "# app\n",
}

// binaries are app, on every platform, and tool, on darwin/amd64 and
// linux/amd64 only, which stays thin.
var binaries = []staticbuild.Binary{
	{Name: "app", Main: "./cmd/app"},
	{Name: "tool", Main: "./cmd/tool", Platforms: []string{"darwin/amd64", "linux/amd64"}},
}

// env is the environment of a run: the matrix, no binary cache, and a
// build cache of its own when fresh is set.
func env(t *testing.T, fresh bool, extra ...string) []string {
	return testmod.Environ(t, fresh, append([]string{"MAGESTATIC_PLATFORMS" + "=darwin/amd64,darwin/arm64,linux/amd64", "MAGESTATIC_CACHE" + "=off"}, extra...)...)
}

func config(t *testing.T, dir string, o Options, fresh bool, extra ...string) staticbuild.Config {
	return staticbuild.Config{Dir: dir, Log: io.Discard, Binaries: binaries, Steps: []staticbuild.Step{Step(o)}, Environ: env(t, fresh, extra...)}
}

// lipo returns llvm-lipo's path, skipping the test when it is missing
// outside CI.
func lipo(t *testing.T) string {
	for _, name := range []string{"llvm-lipo", "llvm-lipo-14", "llvm-lipo-15", "llvm-lipo-16", "llvm-lipo-19"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("llvm-lipo is not installed (apt-get install llvm)")
	}
	t.Skip("llvm-lipo is not installed (apt-get install llvm)")
	return ""
}

func runCmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// find returns the artifact at rel, failing the test when there is none.
func find(t *testing.T, l artifact.List, rel string) artifact.Artifact {
	t.Helper()
	for _, a := range l {
		if a.Path == rel {
			return a
		}
	}
	t.Fatalf("artifacts.json does not list %s", rel)
	return artifact.Artifact{}
}

// untar extracts an archive with tar and returns the directory.
func untar(t *testing.T, archive string) string {
	dir := t.TempDir()
	runCmd(t, "tar", "-xzf", archive, "-C", dir)
	return dir
}

func same(t *testing.T, a, b string) bool {
	t.Helper()
	x, err1 := os.ReadFile(a)
	y, err2 := os.ReadFile(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("reading %s and %s: %v %v", a, b, err1, err2)
	}
	return bytes.Equal(x, y)
}

// TestReleaseUniversal releases app for darwin/amd64, darwin/arm64 and
// linux/amd64 and checks the universal binary with llvm-lipo and
// debug/macho, its archive, the manifest, Verify and the no-op release.
func TestReleaseUniversal(t *testing.T) {
	tool := lipo(t)
	t.Parallel()
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	var log strings.Builder
	cfg := config(t, dir, Options{}, false)
	cfg.Log = &log
	r, err := cfg.Release(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	dist := filepath.Join(dir, "dist")
	fat := find(t, r.Artifacts, "app_darwin_all/app")
	if fat.Kind != artifact.Binary || fat.Platform != "darwin/all" || fat.OS != "darwin" || fat.Arch != "all" || fat.Binary != "app" || fat.Build == nil || fat.Build.Stamped == nil {
		t.Errorf("universal artifact %+v", fat)
	}
	amd, arm := filepath.Join(dist, "app_darwin_amd64", "app"), filepath.Join(dist, "app_darwin_arm64", "app")
	fatPath := filepath.Join(dist, "app_darwin_all", "app")
	if info := runCmd(t, tool, "-info", fatPath); !strings.Contains(info, "x86_64 arm64") {
		t.Errorf("llvm-lipo -info: %s", info)
	}
	for arch, thin := range map[string]string{"x86_64": amd, "arm64": arm} {
		out := filepath.Join(t.TempDir(), arch)
		runCmd(t, tool, fatPath, "-thin", arch, "-output", out)
		if !same(t, out, thin) {
			t.Errorf("llvm-lipo -thin %s is not the thin binary", arch)
		}
	}
	f, err := dmacho.OpenFat(fatPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Arches) != 2 || f.Arches[0].Cpu != dmacho.CpuAmd64 || f.Arches[1].Cpu != dmacho.CpuArm64 {
		t.Errorf("debug/macho: %+v", f.Arches)
	}
	f.Close()

	// Its archive holds it and the README, and is in SHA256SUMS.
	arch := find(t, r.Artifacts, "app_1.0.0_darwin_all.tar.gz")
	if arch.Kind != artifact.Archive || arch.Platform != "darwin/all" {
		t.Errorf("archive %+v", arch)
	}
	x := untar(t, filepath.Join(dist, arch.Path))
	if !same(t, filepath.Join(x, "app"), fatPath) || !same(t, filepath.Join(x, "README.md"), filepath.Join(dir, "README.md")) {
		t.Error("the darwin_all archive does not hold the universal binary and the README")
	}
	if _, err := os.Stat(filepath.Join(x, "tool")); err == nil {
		t.Error("the darwin_all archive holds tool, which is darwin/amd64 only")
	}
	sums, _ := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if !strings.Contains(string(sums), arch.SHA256+"  "+arch.Path+"\n") {
		t.Errorf("SHA256SUMS does not list %s", arch.Path)
	}
	// The thin binaries and their archives are shipped beside it.
	find(t, r.Artifacts, "app_darwin_amd64/app")
	find(t, r.Artifacts, "app_1.0.0_darwin_arm64.tar.gz")
	if !strings.Contains(log.String(), "universal: tool is built for darwin/amd64 only: left thin") {
		t.Errorf("no note of tool left thin:\n%s", log.String())
	}
	for _, s := range r.Steps {
		if s.Name == "universal" {
			fi, _ := os.Stat(fatPath)
			ai, _ := os.Stat(amd)
			bi, _ := os.Stat(arm)
			t.Logf("universal step %v; universal %d bytes, thin %d + %d = %d", s.Elapsed, fi.Size(), ai.Size(), bi.Size(), ai.Size()+bi.Size())
		}
	}

	// Verify judges it from the manifest, slice by slice.
	vcfg := config(t, dir, Options{}, false)
	if _, err := vcfg.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// With nothing changed, the next release is a no-op.
	log.Reset()
	if _, err := cfg.Release(context.Background()); err != nil || !strings.Contains(log.String(), "nothing changed") {
		t.Errorf("the second release: %v\n%s", err, log.String())
	}
	// Other options are another key: the release runs again.
	log.Reset()
	cfg.Steps = []staticbuild.Step{Step(Options{Binaries: []string{"app"}})}
	if _, err := cfg.Release(context.Background()); err != nil || strings.Contains(log.String(), "nothing changed") {
		t.Errorf("a release with other options: %v\n%s", err, log.String())
	}
}

// TestReleaseUniversalReplace ships the universal binary instead of the
// thin ones: app's darwin binaries and the darwin_arm64 archive are gone,
// the darwin_amd64 archive holds only tool, the SBOMs stay.
func TestReleaseUniversalReplace(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	// A release beside first, then Replace: the thin files it left go.
	if _, err := (config(t, dir, Options{}, false)).Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := config(t, dir, Options{Replace: true}, false)
	cfg.Replace = true // the darwin_amd64 archive of this version changes
	r, err := cfg.Release(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(dir, "dist")
	var paths []string
	for _, a := range r.Artifacts {
		paths = append(paths, a.Path)
	}
	for _, gone := range []string{"app_darwin_amd64/app", "app_darwin_arm64/app", "app_1.0.0_darwin_arm64.tar.gz"} {
		if slices.Contains(paths, gone) {
			t.Errorf("artifacts.json lists %s", gone)
		}
		if _, err := os.Stat(filepath.Join(dist, gone)); err == nil {
			t.Errorf("dist/%s is still there", gone)
		}
	}
	for _, kept := range []string{"app_darwin_all/app", "app_1.0.0_darwin_all.tar.gz", "app_1.0.0_darwin_amd64.tar.gz", "tool_darwin_amd64/tool",
		"app_1.0.0_darwin_amd64.sbom.json", "app_1.0.0_darwin_arm64.sbom.json", "app_1.0.0_linux_amd64.tar.gz"} {
		if !slices.Contains(paths, kept) {
			t.Errorf("artifacts.json does not list %s: %v", kept, paths)
		}
	}
	x := untar(t, filepath.Join(dist, "app_1.0.0_darwin_amd64.tar.gz"))
	entries, _ := os.ReadDir(x)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"README.md", "tool"}) {
		t.Errorf("the darwin_amd64 archive holds %v, want README.md and tool", names)
	}
	sums, _ := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if strings.Contains(string(sums), "darwin_arm64.tar.gz") {
		t.Error("SHA256SUMS lists the darwin_arm64 archive")
	}
	if _, err := (config(t, dir, Options{Replace: true}, false)).Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// TestUniversalRefuses checks the failures: a bad option before anything
// builds, a binary that does not exist, and darwin builds that differ.
func TestUniversalRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	_, err := (config(t, dir, Options{Binaries: []string{"app", "app"}}, false)).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), `Options.Binaries[1] "app": want the name of a binary, once`) {
		t.Errorf("a name twice: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "app_darwin_amd64")); err == nil {
		t.Error("the refused release built binaries")
	}
	_, err = (config(t, dir, Options{Binaries: []string{"ap"}}, false)).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), `Options.Binaries names "ap", but the release has no darwin/amd64 or darwin/arm64 binary of that name (it has app, tool)`) {
		t.Errorf("an unknown name: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "artifacts.json")); err == nil {
		t.Error("a failed release wrote the manifest")
	}
	cfg := config(t, dir, Options{}, false)
	cfg.Platform = map[string]staticbuild.PlatformConfig{"darwin/arm64": {Tags: []string{"extra"}}}
	_, err = cfg.Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "universal: app: the darwin/amd64 and darwin/arm64 builds differ") {
		t.Errorf("builds that differ: %v", err)
	}
}

// TestUniversalReproducible releases in two clones, the first with a
// build cache of its own (a cold build), the second with the shared one,
// and in three shards, the two darwin platforms in different ones, merged
// in a fourth: the same universal binary and archive, and the merged dist/
// is the single release's.
func TestUniversalReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("a cold release")
	}
	t.Parallel()
	origin := testmod.New(t, "", "app", files, "v1.0.0")
	for i, o := range []Options{{}, {Replace: true}} {
		var single map[string]string
		var sums []string
		for j := range 2 {
			dir := testmod.Clone(t, origin)
			r, err := (config(t, dir, o, i == 0 && j == 0)).Release(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			sums = append(sums, find(t, r.Artifacts, "app_darwin_all/app").SHA256+" "+find(t, r.Artifacts, "app_1.0.0_darwin_all.tar.gz").SHA256)
			single = testmod.Tree(t, filepath.Join(dir, "dist"))
		}
		if sums[0] != sums[1] {
			t.Errorf("%+v: two clones gave %s and %s", o, sums[0], sums[1])
		}
		shards := filepath.Join(t.TempDir(), "shards")
		owner := map[string]int{}
		for i := 1; i <= 3; i++ {
			dir := testmod.Clone(t, origin)
			s := string(rune('0'+i)) + "/3"
			if _, err := (config(t, dir, o, false, "MAGESTATIC_SHARD"+"="+s)).Release(context.Background()); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(filepath.Join(dir, "dist", "shard-"+string(rune('0'+i))+"-of-3.json"))
			var m struct{ Platforms []string }
			json.Unmarshal(data, &m)
			for _, p := range m.Platforms {
				owner[p] = i
			}
			os.CopyFS(filepath.Join(shards, "shard-"+string(rune('0'+i))), os.DirFS(filepath.Join(dir, "dist")))
		}
		if owner["darwin/amd64"] == owner["darwin/arm64"] || owner["darwin/amd64"] == 0 {
			t.Fatalf("the shards built %v: want the two darwin platforms in different shards", owner)
		}
		merged := testmod.Clone(t, origin)
		cfg := config(t, merged, o, false)
		cfg.MergeFrom = shards
		var log strings.Builder
		cfg.Log = &log
		if _, err := cfg.Merge(context.Background()); err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		got := testmod.Tree(t, filepath.Join(merged, "dist"))
		for name, data := range single {
			if got[name] != data {
				t.Errorf("%+v: %s differs between one machine's release and the merged one", o, name)
			}
		}
		for name := range got {
			if _, ok := single[name]; !ok {
				t.Errorf("%+v: the merged release has %s, which one machine's has not", o, name)
			}
		}
	}
}
