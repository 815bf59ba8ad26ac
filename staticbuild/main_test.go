package staticbuild

import (
	"os"
	"strings"
	"testing"
)

// TestMain keeps the tests off the user's binary cache, so that every test
// builds what it means to build; TestBinaryCache turns a cache of its own on.
func TestMain(m *testing.M) {
	os.Setenv(envCache, "off")
	os.Exit(m.Run())
}

// testEnv is the process's environment without the MAGESTATIC_ variables
// that would override a test's configuration, and with the binary cache
// off.
func testEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAGESTATIC_") {
			env = append(env, kv)
		}
	}
	return append(append(env, envCache+"=off"), extra...)
}
