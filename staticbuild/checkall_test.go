package staticbuild

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestReleaseReportsEveryMistake makes four mistakes at once: the tree has
// an uncommitted change, a size budget does not parse, a step's Check
// fails, and MAGESTATIC_PLATFORMS names a platform the toolchain does not
// have. The release must report all four, each naming where it comes
// from, and write nothing.
func TestReleaseReportsEveryMistake(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("draft\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step := Step{Name: "pkg", After: "sbom", Run: func(context.Context, *Run) error { return nil },
		Check: func(context.Context, *Run) error { return errors.New("Maintainer is empty") }}
	cfg := Config{Dir: dir, Log: io.Discard, Size: Size{Budget: "lots"}, Steps: []Step{step},
		Environ: testEnv(envPlatforms + "=linux/amd65,linux/arm64")}
	_, err := runRelease(context.Background(), cfg)
	if err == nil {
		t.Fatal("the release succeeded")
	}
	for _, want := range []string{
		"Config.Size",
		"the tree has uncommitted changes (notes.txt)",
		"pkg: Maintainer is empty",
		envPlatforms + `: unknown platform "linux/amd65"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", manifestName)); err == nil {
		t.Errorf("the refused release wrote %s", manifestName)
	}

	// Without a configuration mistake, the source's are still reported
	// together: the dirty tree, the step's Check and the platform.
	cfg.Size = Size{}
	_, err = runRelease(context.Background(), cfg)
	for _, want := range []string{"uncommitted changes", "pkg: Maintainer is empty", `unknown platform "linux/amd65"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("without the budget, the error does not say %q:\n%v", want, err)
		}
	}
}
