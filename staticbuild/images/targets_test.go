package images

import (
	"os"
	"testing"

	"github.com/magefile/mage/parse"
)

// TestTargets parses the package the way mage does for //mage:import and
// checks that Push is its only target: Step, which takes images, is not
// one.
func TestTargets(t *testing.T) {
	dir, _ := os.Getwd()
	info, err := parse.Package(dir, []string{"images.go"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Funcs) != 1 || info.Funcs[0].Name != "Push" || !info.Funcs[0].IsContext || !info.Funcs[0].IsError {
		var names []string
		for _, f := range info.Funcs {
			names = append(names, f.Name)
		}
		t.Errorf("targets = %v, want [Push]", names)
	}
}
