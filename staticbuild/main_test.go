package staticbuild_test

import (
	"os"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// TestMain keeps the mage runs of the tests off the user's binary cache, so
// that every run builds, and can be interrupted while it does.
func TestMain(m *testing.M) {
	os.Setenv(engine.EnvCache, "off")
	os.Exit(m.Run())
}
