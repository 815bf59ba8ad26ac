package staticbuild

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// emptyDirs returns the empty directories below dir, slash-separated.
func emptyDirs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == dir {
			return err
		}
		if ents, err := os.ReadDir(p); err == nil && len(ents) == 0 {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestRunLeavesNoEmptyDirs checks that a release refused after its
// archive step, on a dist/ holding empty directories of its own (one of
// them a binary's, into which the run puts a directory of its own),
// leaves those and no other empty directory; and that a Cross whose build
// fails for one platform leaves no empty directory for it.
func TestRunLeavesNoEmptyDirs(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	files := map[string]string{
		"main.go":      testmod.Hello,
		"broken.go":    "//go:build arm64\n\npackage main\n\nvar broken int = \"arm64\"\n",
		"README.md":    "# app\n",
		"cmd/ok/ok.go": "package main\n\nfunc main() {}\n",
	}
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	dist := filepath.Join(dir, "dist")
	before := []string{"app_linux_amd64", "keep", "nested/deeper", "ok_linux_amd64"}
	for _, d := range before {
		if err := os.MkdirAll(filepath.Join(dist, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	refuse := Step{Name: "refuse", After: "archive", Run: func(ctx context.Context, r *Run) error {
		return errors.New("refused on purpose")
	}}
	cfg := Config{Dir: dir, Log: io.Discard, Environ: testEnv(), Platforms: []string{"linux/amd64", "darwin/amd64"},
		Binaries: []Binary{{Main: "./cmd/ok"}}, Output: "{{.Name}}_{{.Platform}}/bin/{{.Name}}{{.Ext}}", Steps: []Step{refuse}}
	log, _, err := release(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "refused on purpose") {
		t.Fatalf("release: %v, want the step's refusal\n%s", err, log)
	}
	if got := emptyDirs(t, dist); !slices.Equal(got, before) {
		t.Errorf("after a refused release, the empty directories in dist/ are %v, want only those there before, %v", got, before)
	}
	if got := testmod.Tree(t, dist); len(got) != 1 || got[".gitignore"] == "" {
		t.Errorf("a refused release left files in dist/: %v", slices.Sorted(maps.Keys(got)))
	}

	cfg = Config{Dir: dir, Log: io.Discard, Environ: testEnv(), Platforms: []string{"linux/amd64", "linux/arm64"}, Main: "."}
	if _, err := runCross(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "linux/arm64") {
		t.Fatalf("cross: %v, want the arm64 build to fail", err)
	}
	if _, err := os.Stat(filepath.Join(dist, "app_linux_amd64", "app")); err != nil {
		t.Errorf("the amd64 binary was not put in place: %v", err)
	}
	if got, want := emptyDirs(t, dist), before[1:]; !slices.Equal(got, want) {
		t.Errorf("after a Cross whose arm64 build failed, the empty directories in dist/ are %v, want %v", got, want)
	}
}
