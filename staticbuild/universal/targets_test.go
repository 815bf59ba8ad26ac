package universal

import (
	"os"
	"testing"

	"github.com/magefile/mage/parse"
)

// TestTargets parses the package the way mage does for //mage:import and
// checks that it has no target: Step, which takes options, is not one.
func TestTargets(t *testing.T) {
	dir, _ := os.Getwd()
	info, err := parse.Package(dir, []string{"universal.go"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range info.Funcs {
		t.Errorf("mage sees the target %s", f.Name)
	}
}
