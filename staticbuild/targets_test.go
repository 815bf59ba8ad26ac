package staticbuild_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magefile/mage/parse"
)

// TestTargets parses the package the way mage does for //mage:import and
// checks that it offers exactly the targets, so that no helper leaks into
// "mage -l".
func TestTargets(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			src = append(src, f)
		}
	}
	dir, _ := os.Getwd()
	info, err := parse.Package(dir, src, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range info.Funcs {
		got = append(got, f.Name)
		if f.Comment == "" {
			t.Errorf("target %s has no doc comment for mage -l", f.Name)
		}
		if !f.IsContext || !f.IsError {
			t.Errorf("target %s should take a context and return an error", f.Name)
		}
	}
	slices.Sort(got)
	want := []string{"Build", "Cross", "Merge", "Release", "SizeBaseline", "SizeGate", "Verify"}
	if !slices.Equal(got, want) {
		t.Errorf("targets = %v, want %v", got, want)
	}
}
