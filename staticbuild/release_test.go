package staticbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// release runs Release in dir and returns its log.
func release(t *testing.T, cfg Config) (string, artifact.List, error) {
	t.Helper()
	var log bytes.Buffer
	cfg.Log = &log
	r, err := runRelease(context.Background(), cfg)
	if r == nil {
		return log.String(), nil, err
	}
	return log.String(), r.Artifacts, err
}

var releaseFiles = map[string]string{
	"main.go":   testmod.Hello,
	"README.md": "# app\n",
	"LICENSE":   "Licensed.\n",
}

// multiFiles is a project with two programs under cmd/.
var multiFiles = map[string]string{
	"cmd/app/main.go":  testmod.Hello,
	"cmd/tool/main.go": strings.Replace(testmod.Hello, `"hello"`, `"tool"`, 1),
	"README.md":        "# app\n",
	"LICENSE":          "Licensed.\n",
}

// sign is a step of a magefile's own: it writes a signature file per
// binary (here a keyed hash of the binary, standing in for a real
// signature).
func sign(ctx context.Context, r *Run) error {
	for _, b := range r.Artifacts.Of(artifact.Binary) {
		data, err := os.ReadFile(r.Path(b))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(append([]byte("key:"), data...))
		sig := artifact.Artifact{Path: b.Path + ".sig", Kind: "signature", Binary: b.Binary, Platform: b.Platform}
		if err := r.WriteFile(sig, []byte(hex.EncodeToString(sum[:])+"\n")); err != nil {
			return err
		}
	}
	return nil
}

// TestReleaseIsReproducible releases one tagged commit of a project with
// two binaries and a signing step from two clones in different
// directories, each with a fresh GOCACHE, and compares every file of the
// two dist/ trees.
func TestReleaseIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the standard library twice from scratch")
	}
	var trees []map[string]string
	for _, parent := range []string{t.TempDir(), filepath.Join(t.TempDir(), "a b", "c")} {
		dir := testmod.New(t, parent, "app", multiFiles, "v1.0.0")
		env := testEnv(envPlatforms+"=linux/amd64,windows/amd64", "GOCACHE="+filepath.Join(t.TempDir(), "gocache"))
		cfg := Config{Dir: dir, Environ: env, Steps: []Step{{Name: "sign", After: "sizegate", Run: sign}}}
		log, list, err := release(t, cfg)
		if err != nil {
			t.Fatalf("release in %s: %v\n%s", dir, err, log)
		}
		if n := len(list.Of("signature")); n != 4 {
			t.Errorf("the manifest lists %d signatures, want 4", n)
		}
		sums, err := os.ReadFile(filepath.Join(dir, "dist", "SHA256SUMS"))
		if err != nil || strings.Count(string(sums), ".sig\n") != 4 {
			t.Errorf("SHA256SUMS does not list the 4 signatures (%v):\n%s", err, sums)
		}
		trees = append(trees, testmod.Tree(t, filepath.Join(dir, "dist")))
	}
	a, b := trees[0], trees[1]
	if len(a) != len(b) {
		t.Fatalf("the trees have %d and %d files", len(a), len(b))
	}
	var names []string
	for name := range a {
		names = append(names, name)
		if a[name] != b[name] {
			t.Errorf("%s differs between the two clones", name)
		}
	}
	sort.Strings(names)
	want := []string{".gitignore", "SHA256SUMS", "app_1.0.0_linux_amd64.sbom.json", "app_1.0.0_linux_amd64.tar.gz",
		"app_1.0.0_windows_amd64.sbom.json", "app_1.0.0_windows_amd64.zip", "app_linux_amd64/app", "app_linux_amd64/app.sig",
		"app_windows_amd64/app.exe", "app_windows_amd64/app.exe.sig", "artifacts.json",
		"tool_1.0.0_linux_amd64.sbom.json", "tool_1.0.0_windows_amd64.sbom.json",
		"tool_linux_amd64/tool", "tool_linux_amd64/tool.sig", "tool_windows_amd64/tool.exe", "tool_windows_amd64/tool.exe.sig"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("dist/ holds\n%v\nwant\n%v", names, want)
	}
}

func TestReleaseArchivesAndChecksums(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.2.3")
	log, list, err := release(t, Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/arm64,windows/amd64")})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	dist := filepath.Join(dir, "dist")
	if out, err := runIn(dist, "sha256sum", "--strict", "-c", "SHA256SUMS"); err != nil || strings.Count(out, ": OK") != 4 {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
	out, err := runIn(dist, "tar", "--full-time", "-tvzf", "app_1.2.3_linux_arm64.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-rwxr-xr-x 0/0", "2026-01-02 03:04:05 app\n", "-rw-r--r-- 0/0", "README.md", "LICENSE"} {
		if !strings.Contains(out, want) {
			t.Errorf("tar -tvzf lacks %q:\n%s", want, out)
		}
	}
	out, err = runIn(dist, "unzip", "-l", "app_1.2.3_windows_amd64.zip")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2026-01-02 03:04   app.exe", "README.md", "LICENSE"} {
		if !strings.Contains(out, want) {
			t.Errorf("unzip -l lacks %q:\n%s", want, out)
		}
	}
	kinds := map[artifact.Kind]int{}
	for _, a := range list {
		kinds[a.Kind]++
		if a.Version != "v1.2.3" || a.SHA256 == "" || a.Size == 0 {
			t.Errorf("incomplete manifest entry %+v", a)
		}
	}
	if kinds[artifact.Binary] != 2 || kinds[artifact.Archive] != 2 || kinds[artifact.SBOM] != 2 || kinds[artifact.Checksums] != 1 {
		t.Errorf("manifest kinds = %v", kinds)
	}
	onDisk, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
	if err != nil || len(onDisk) != len(list) {
		t.Errorf("artifacts.json has %d entries (%v), Release returned %d", len(onDisk), err, len(list))
	}
}

func TestReleaseVersionPolicy(t *testing.T) {
	t.Parallel()
	env := testEnv(envPlatforms + "=linux/amd64")
	dir := testmod.New(t, "", "app", releaseFiles, "")
	_, _, err := release(t, Config{Dir: dir, Environ: env})
	if err == nil || !strings.Contains(err.Error(), "has no tag") || !strings.Contains(err.Error(), envSnapshot) {
		t.Errorf("untagged release: %v", err)
	}
	testmod.Git(t, dir, "tag", "v0.1.0")
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("wip"), 0o644)
	_, _, err = release(t, Config{Dir: dir, Environ: env})
	if err == nil || !strings.Contains(err.Error(), "uncommitted changes (notes.txt)") {
		t.Errorf("dirty release: %v", err)
	}
	log, list, err := release(t, Config{Dir: dir, Snapshot: true, Environ: env})
	if err != nil {
		t.Fatalf("snapshot: %v\n%s", err, log)
	}
	if v := list[0].Version; v != "v0.1.0-dirty-snapshot" {
		t.Errorf("snapshot version = %q", v)
	}
}

// TestFailedGatePublishesNothing makes Verify and SizeGate fail in turn and
// checks that the release writes no archive, checksum or manifest.
func TestFailedGatePublishesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"verify", Config{Stamp: Stamp{Version: []string{"main.verison"}}}, "main.verison"},
		{"sizegate", Config{Size: Size{Budget: "100kB"}}, "budget"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
			tc.cfg.Dir, tc.cfg.Environ = dir, testEnv(envPlatforms+"=linux/amd64,darwin/arm64")
			log, _, err := release(t, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing was published") {
				t.Fatalf("err = %v, want one naming %q\n%s", err, tc.want, log)
			}
			for name := range testmod.Tree(t, filepath.Join(dir, "dist")) {
				if strings.Contains(name, ".tar.gz") || strings.Contains(name, ".zip") || strings.Contains(name, "SHA256SUMS") ||
					strings.Contains(name, ".sbom.json") || strings.Contains(name, ".tmp") {
					t.Errorf("a failed release left %s", name)
				}
			}
		})
	}
}

// TestNoopReleaseAndRebuilds releases twice with nothing changed, then
// changes one input of each kind and checks that the release is redone.
func TestNoopReleaseAndRebuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	env := testEnv(envPlatforms + "=linux/amd64,windows/arm64")
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	cfg := Config{Dir: dir, Snapshot: true, Environ: env}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	noop := func(t *testing.T, cfg Config) {
		t.Helper()
		log, _, err := release(t, cfg)
		if err != nil || !strings.Contains(log, "nothing changed since the last release") {
			t.Fatalf("expected a no-op release, got %v:\n%s", err, log)
		}
	}
	rebuilt := func(t *testing.T, cfg Config, what string) {
		t.Helper()
		log, _, err := release(t, cfg)
		if err != nil {
			t.Fatalf("after changing %s: %v\n%s", what, err, log)
		}
		if strings.Contains(log, "nothing changed") || !strings.Contains(log, "platform(s)") {
			t.Fatalf("changing %s did not rebuild:\n%s", what, log)
		}
		noop(t, cfg)
	}
	noop(t, cfg)

	// The source, uncommitted.
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.Replace(testmod.Hello, `"hello"`, `"hi"`, 1)), 0o644)
	rebuilt(t, cfg, "a source file")
	// The source, committed.
	testmod.Git(t, dir, "commit", "-qam", "say hi")
	rebuilt(t, cfg, "the commit")
	// go.mod.
	gomod := filepath.Join(dir, "go.mod")
	data, _ := os.ReadFile(gomod)
	os.WriteFile(gomod, append(data, []byte("\n// a comment\n")...), 0o644)
	rebuilt(t, cfg, "go.mod")
	// The environment that reaches the build.
	cfg.Environ = append(env, "SOURCE_DATE_EPOCH=1700000000")
	rebuilt(t, cfg, "SOURCE_DATE_EPOCH")
	cfg.Environ = append(cfg.Environ, "GOEXPERIMENT=", "CGO_CFLAGS=-O1")
	rebuilt(t, cfg, "CGO_CFLAGS")
	// The toolchain: another go command.
	real, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(t.TempDir(), "go")
	os.WriteFile(wrapper, []byte("#!/bin/sh\nexec "+real+" \"$@\"\n"), 0o755)
	cfg.Go = wrapper
	rebuilt(t, cfg, "the go command")
	// The configuration.
	cfg.Tags = []string{"extra"}
	rebuilt(t, cfg, "Config.Tags")
	// An output removed by hand.
	os.Remove(filepath.Join(dir, "dist", "app_linux_amd64", "app"))
	rebuilt(t, cfg, "a deleted binary")
}

func runIn(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestReleaseAfterCross releases, cross-builds the same commit, and
// releases again: the second release writes no archive and no SBOM.
func TestReleaseAfterCross(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", multiFiles, "v1.0.0")
	cfg := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64,windows/amd64")}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	stat := func() map[string]int64 {
		m := map[string]int64{}
		for name := range testmod.Tree(t, filepath.Join(dir, "dist")) {
			if strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".zip") || strings.HasSuffix(name, ".sbom.json") {
				fi, _ := os.Stat(filepath.Join(dir, "dist", name))
				m[name] = fi.ModTime().UnixNano()
			}
		}
		return m
	}
	before := stat()
	if _, err := runCross(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	log, _, err := release(t, cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if !strings.Contains(log, "2 archives, 0 written, 2 unchanged") {
		t.Errorf("the release after a cross wrote archives:\n%s", log)
	}
	after := stat()
	if len(before) != 6 || len(after) != 6 {
		t.Fatalf("%d and %d archives and SBOMs, want 6", len(before), len(after))
	}
	for name, mtime := range before {
		if after[name] != mtime {
			t.Errorf("%s was written again", name)
		}
	}
}

// TestStepCheckFailsBeforeBuilding gives a release two steps whose Check
// fails: both messages are reported, with the version the check saw, and
// no output directory is made.
func TestStepCheckFailsBeforeBuilding(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.2.0")
	run := func(context.Context, *Run) error { t.Error("a step ran"); return nil }
	check := func(_ context.Context, r *Run) error { return fmt.Errorf("no key for %s", r.Version) }
	cfg := Config{Dir: dir, Environ: testEnv(), Steps: []Step{
		{Name: "sign", After: "checksums", Run: run, Check: check},
		{Name: "packages", After: "sbom", Run: run, Check: check},
	}}
	log, _, err := release(t, cfg)
	if err == nil {
		t.Fatalf("release passed:\n%s", log)
	}
	for _, want := range []string{"sign: no key for v1.2.0", "packages: no key for v1.2.0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dist")); !os.IsNotExist(err) {
		t.Errorf("dist/ exists after the failed check (%v)", err)
	}
}
