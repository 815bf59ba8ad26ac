package staticbuild

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// The variables TestHostRelease reads: where to keep its dist/ and which
// dist/ to compare its own with.
const (
	envHostKeep = "MAGESTATIC_TEST_HOST_KEEP"
	envHostWant = "MAGESTATIC_TEST_HOST_WANT"
)

// hostPlatforms are the platforms TestHostRelease releases.
const hostPlatforms = "linux/amd64,windows/amd64,darwin/arm64"

// TestHostRelease releases a small project outside git (a snapshot dated
// by SOURCE_DATE_EPOCH, since Wine has no git) for three platforms, from a
// directory with spaces. With MAGESTATIC_TEST_HOST_KEEP it copies dist/
// there; with MAGESTATIC_TEST_HOST_WANT it compares every file with that
// tree. .ci/wine-tests runs it on Linux keeping dist/, then under Wine
// comparing with it, which shows that a release made on a Windows host is
// the Linux host's, byte for byte.
func TestHostRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds for three platforms")
	}
	dir := hostProject(t)
	env := testEnv(envPlatforms+"="+hostPlatforms, envSourceDateEpoch+"=1767323045")
	log, list, err := release(t, Config{Dir: dir, Snapshot: true, Environ: env})
	if err != nil {
		t.Fatalf("release in %s: %v\n%s", dir, err, log)
	}
	if n := len(list.Of("binary")); n != 3 {
		t.Errorf("the manifest lists %d binaries, want 3", n)
	}
	got := testmod.Tree(t, filepath.Join(dir, "dist"))
	if keep := os.Getenv(envHostKeep); keep != "" {
		for name, data := range got {
			p := filepath.Join(keep, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := os.Getenv(envHostWant)
	if want == "" {
		return
	}
	other := testmod.Tree(t, want)
	var names []string
	for name := range other {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if got[name] != other[name] {
			t.Errorf("%s differs from the one in %s", name, want)
		}
	}
	for name := range got {
		if _, ok := other[name]; !ok {
			t.Errorf("%s is not in %s", name, want)
		}
	}
	t.Logf("dist/ equals %s: %d files (%s)", want, len(names), strings.Join(names, ", "))
}

// hostProject writes a module that prints the version package's report,
// with a copy of this checkout's version package as its replaced
// dependency, so that it builds alike on every host without git or the
// network.
func hostProject(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "my project", "hostapp")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(wd, "..", "version", "version.go"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":                  "module example.com/hostapp\n\ngo 1.24\n\nrequire github.com/magestatic/magestatic v0.0.0\n\nreplace github.com/magestatic/magestatic => ./magestatic\n",
		"main.go":                 testmod.Hello,
		"README.md":               "# hostapp\n",
		"magestatic/go.mod":       "module github.com/magestatic/magestatic\n\ngo 1.24\n",
		"magestatic/version/v.go": string(src),
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
