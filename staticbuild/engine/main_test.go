package engine

import (
	"os"
	"testing"
)

// TestMain keeps the tests off the user's binary cache, so that every test
// builds what it means to build; TestBinaryCache turns a cache of its own on.
func TestMain(m *testing.M) {
	os.Setenv(EnvCache, "off")
	os.Exit(m.Run())
}
