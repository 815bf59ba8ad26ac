package staticbuild

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// goVersionM returns what go version -m says of a binary.
func goVersionM(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", name).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m %s: %v\n%s", name, err, out)
	}
	return string(out)
}

// extract returns the contents of the entry name of a tar.gz archive.
func extract(t *testing.T, archivePath, name string) []byte {
	t.Helper()
	out, err := exec.Command("tar", "-xzOf", archivePath, name).Output()
	if err != nil {
		t.Fatalf("tar -xzOf %s %s: %v", archivePath, name, err)
	}
	return out
}

// TestNewTagOnReleasedCommit tags one commit again and again, as when a
// release candidate is promoted, and checks that each release ships a
// binary whose build information carries its own version, byte for byte
// what a clean rebuild with the binary cache off gives.
func TestNewTagOnReleasedCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	cache := t.TempDir()
	cfg := Config{Dir: dir, Log: io.Discard, Platforms: []string{"linux/amd64"},
		Environ: append(testEnv(), envCache+"="+cache)}
	ctx := context.Background()
	for _, tag := range []string{"v1.0.0", "v1.1.0", "v1.2.0-rc.1", "v1.2.0"} {
		if tag != "v1.0.0" {
			testmod.Git(t, dir, "tag", tag)
		}
		r, err := runRelease(ctx, cfg)
		if err != nil {
			t.Fatalf("release %s: %v", tag, err)
		}
		if r.Version != tag {
			t.Fatalf("released %s, want %s", r.Version, tag)
		}
		arch := filepath.Join(dir, "dist", "app_"+strings.TrimPrefix(tag, "v")+"_linux_amd64.tar.gz")
		bin := extract(t, arch, "app")
		name := filepath.Join(t.TempDir(), "app")
		os.WriteFile(name, bin, 0o755)
		if m := goVersionM(t, name); !strings.Contains(m, "\tmod\texample.com/app\t"+tag+"\t") {
			t.Errorf("the binary released as %s says:\n%s", tag, m)
		}
		// A clean rebuild, in a fresh clone with the cache off.
		clone := filepath.Join(t.TempDir(), "app")
		testmod.Run(t, filepath.Dir(clone), "git", "clone", "-q", dir, clone)
		clean := cfg
		clean.Dir, clean.Environ = clone, testEnv()
		if _, err := runRelease(ctx, clean); err != nil {
			t.Fatalf("clean release %s: %v", tag, err)
		}
		if again := extract(t, filepath.Join(clone, "dist", filepath.Base(arch)), "app"); !bytes.Equal(bin, again) {
			t.Errorf("%s: the released binary differs from a clean rebuild", tag)
		}
	}
}

// TestNestedModuleTags releases a module in a subdirectory tagged with its
// prefix, and checks that a bad version fails before anything builds and
// leaves the last release as it was.
func TestNestedModuleTags(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	root := testmod.New(t, "", "repo", map[string]string{"README.md": "# repo\n"}, "")
	api := filepath.Join(root, "services", "api")
	sub := testmod.New(t, t.TempDir(), "api", map[string]string{"main.go": testmod.Hello}, "")
	if err := os.CopyFS(api, os.DirFS(sub)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(api, ".git"))
	testmod.Git(t, root, "add", "-A")
	testmod.Git(t, root, "commit", "-qm", "api")
	testmod.Git(t, root, "tag", "v9.9.9")
	testmod.Git(t, root, "tag", "services/api/v1.2.0")
	var log bytes.Buffer
	cfg := Config{Dir: api, Log: &log, Platforms: []string{"linux/amd64", "windows/amd64"}, Environ: testEnv()}
	r, err := runRelease(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var names []string
	for _, a := range r.Artifacts.Of(artifact.Archive) {
		names = append(names, a.Name)
	}
	if strings.Join(names, " ") != "api_1.2.0_linux_amd64.tar.gz api_1.2.0_windows_amd64.zip" {
		t.Errorf("archives %q, want api_1.2.0_…", names)
	}
	if r.Tag != "services/api/v1.2.0" {
		t.Errorf("Run.Tag = %q, want services/api/v1.2.0", r.Tag)
	}
	before := testmod.Tree(t, filepath.Join(api, "dist"))

	// A tag that is no version for a file name fails before building.
	testmod.Git(t, root, "commit", "-q", "--allow-empty", "-m", "next")
	testmod.Git(t, root, "tag", "services/api/v1.3.0+build/7")
	log.Reset()
	_, err = runRelease(context.Background(), cfg)
	if err == nil {
		t.Fatal("released a version with a slash")
	}
	if strings.Contains(log.String(), "build:") {
		t.Errorf("something was built before the version was refused:\n%s", log.String())
	}
	if after := testmod.Tree(t, filepath.Join(api, "dist")); len(after) != len(before) {
		t.Errorf("a failed release changed dist/: %d files, then %d", len(before), len(after))
	}
}

// TestRunTag checks Run.Tag: the tag of a tagged commit's build, and
// none for a snapshot of that commit or for a commit without a tag.
func TestRunTag(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.4.0")
	cfg := Config{Dir: dir, Log: io.Discard, Platforms: []string{"linux/amd64"}, Environ: testEnv()}
	r, err := runCross(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Tag != "v1.4.0" || r.Version != "v1.4.0" {
		t.Errorf("a tagged commit: Tag %q, Version %q, want v1.4.0 for both", r.Tag, r.Version)
	}
	cfg.Snapshot = true
	if r, err = runRelease(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if r.Tag != "" || r.Version != "v1.4.0-snapshot" {
		t.Errorf("a snapshot: Tag %q, Version %q, want no tag and v1.4.0-snapshot", r.Tag, r.Version)
	}
	testmod.Git(t, dir, "commit", "-q", "--allow-empty", "-m", "next")
	cfg.Snapshot = false
	if r, err = runCross(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if r.Tag != "" {
		t.Errorf("a commit after the tag (version %s): Tag %q, want none", r.Version, r.Tag)
	}
}

// TestFailedBuildKeepsLastRelease breaks one platform of a project that was
// released before and checks that the failed release leaves dist/ exactly
// as the last release left it.
func TestFailedBuildKeepsLastRelease(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", multiFiles, "v1.0.0")
	cfg := Config{Dir: dir, Log: io.Discard, Platforms: []string{"linux/amd64", "windows/amd64"}, Environ: testEnv()}
	if _, err := runRelease(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	before := testmod.Tree(t, filepath.Join(dir, "dist"))
	os.WriteFile(filepath.Join(dir, "cmd", "tool", "broken_windows.go"), []byte("package main\n\nvar x int = \"no\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cmd", "app", "main.go"), []byte(strings.Replace(testmod.Hello, `"hello"`, `"hi"`, 1)), 0o644)
	testmod.Git(t, dir, "add", "-A")
	testmod.Git(t, dir, "commit", "-qm", "break windows")
	testmod.Git(t, dir, "tag", "v1.1.0")
	_, err := runRelease(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "broken_windows.go") {
		t.Fatalf("err = %v, want the windows build to fail", err)
	}
	after := testmod.Tree(t, filepath.Join(dir, "dist"))
	for name, data := range before {
		if after[name] != data {
			t.Errorf("%s changed", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was left", name)
		}
	}
}

// TestOutsideGit checks the rules outside git and before the first commit.
func TestOutsideGit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	git := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "")
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		data, _ := os.ReadFile(filepath.Join(git, name))
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Platforms: []string{"linux/amd64"}, Snapshot: true, Environ: testEnv()}
	_, err := runRelease(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), envSourceDateEpoch) {
		t.Fatalf("a snapshot outside git: %v, want one asking for %s", err, envSourceDateEpoch)
	}
	if strings.Contains(log.String(), "build:") {
		t.Errorf("it built before refusing:\n%s", log.String())
	}
	cfg.Environ = testEnv(envSourceDateEpoch + "=1700000000")
	r, err := runRelease(context.Background(), cfg)
	if err != nil {
		t.Fatalf("a snapshot outside git with %s: %v", envSourceDateEpoch, err)
	}
	if r.Version != "0.0.0-snapshot" {
		t.Errorf("version %q", r.Version)
	}

	// A repository with no commits builds as dev.
	empty := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		data, _ := os.ReadFile(filepath.Join(git, name))
		os.WriteFile(filepath.Join(empty, name), data, 0o644)
	}
	testmod.Run(t, empty, "git", "init", "-q")
	cfg = Config{Dir: empty, Log: &log, Platforms: []string{"linux/amd64"}, Environ: testEnv()}
	r, err = runCross(context.Background(), cfg)
	if err != nil {
		t.Fatalf("cross with no commits: %v", err)
	}
	if r.Version != "dev" {
		t.Errorf("version %q, want dev", r.Version)
	}
	if _, err := runRelease(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "no commits") {
		t.Errorf("release with no commits: %v", err)
	}
}

// TestRepublishRefused changes a directory that go.mod replaces a module
// with, outside the repository, and checks that releasing the same version
// again fails naming what changed, unless Replace is set.
func TestRepublishRefused(t *testing.T) {
	t.Parallel()
	lib := t.TempDir()
	os.WriteFile(filepath.Join(lib, "go.mod"), []byte("module example.com/lib\n\ngo 1.24.0\n"), 0o644)
	os.WriteFile(filepath.Join(lib, "lib.go"), []byte("package lib\n\nconst Word = \"one\"\n"), 0o644)
	main := "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Word) }\n"
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "")
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644)
	gomod := filepath.Join(dir, "go.mod")
	data, _ := os.ReadFile(gomod)
	os.WriteFile(gomod, append(data, []byte("\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => "+lib+"\n")...), 0o644)
	testmod.Git(t, dir, "commit", "-qam", "use lib")
	testmod.Git(t, dir, "tag", "v1.0.0")
	cfg := Config{Dir: dir, Log: io.Discard, Platforms: []string{"linux/amd64"}, Environ: testEnv()}
	if _, err := runRelease(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	sbom, _ := os.ReadFile(filepath.Join(dir, "dist", "app_1.0.0_linux_amd64.sbom.json"))
	if bytes.Contains(sbom, []byte(lib)) {
		t.Errorf("the SBOM records the build machine's path %s", lib)
	}
	os.WriteFile(filepath.Join(lib, "lib.go"), []byte("package lib\n\nconst Word = \"two\"\n"), 0o644)
	_, err := runRelease(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "v1.0.0 was published before with other bytes") || !strings.Contains(err.Error(), "app_1.0.0_linux_amd64.tar.gz") {
		t.Fatalf("err = %v, want a refusal naming the archive", err)
	}
	sums, _ := archive.ReadChecksums(filepath.Join(dir, "dist", "SHA256SUMS"))
	cfg.Replace = true
	if _, err := runRelease(context.Background(), cfg); err != nil {
		t.Fatalf("with Replace: %v", err)
	}
	sums2, _ := archive.ReadChecksums(filepath.Join(dir, "dist", "SHA256SUMS"))
	if len(sums) == 0 || sums[0].SHA256 == sums2[0].SHA256 {
		t.Errorf("Replace did not publish the new bytes")
	}
}
