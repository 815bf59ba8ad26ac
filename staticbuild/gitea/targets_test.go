package gitea

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/magefile/mage/parse"

	"github.com/magestatic/magestatic/staticbuild"
)

// TestTargets parses the package the way mage does for //mage:import and
// checks that Publish is its only target: Step, which takes a Release,
// is not one.
func TestTargets(t *testing.T) {
	dir, _ := os.Getwd()
	info, err := parse.Package(dir, []string{"gitea.go"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Funcs) != 1 || info.Funcs[0].Name != "Publish" || !info.Funcs[0].IsContext || !info.Funcs[0].IsError {
		var names []string
		for _, f := range info.Funcs {
			names = append(names, f.Name)
		}
		t.Errorf("targets = %v, want [Publish]", names)
	}
}

// TestPublishTargetNoRelease runs Publish where no release was made: it
// fails with mage's exit status 1 and says to release first.
func TestPublishTargetNoRelease(t *testing.T) {
	staticbuild.Project = staticbuild.Config{Dir: t.TempDir(), Log: io.Discard}
	defer func() { staticbuild.Project = staticbuild.Config{} }()
	err := Publish(context.Background())
	var st interface{ ExitStatus() int }
	if !errors.As(err, &st) || st.ExitStatus() != 1 || !strings.Contains(err.Error(), "run the release target first") {
		t.Errorf("Publish: %v, want exit status 1 saying to run the release target first", err)
	}
}
