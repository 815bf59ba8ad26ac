//go:build !linux

package staticbuild

import "testing"

// mountTmpfs skips the test: a tmpfs is mounted on Linux only.
func mountTmpfs(t *testing.T, dir, opts string) {
	t.Helper()
	t.Skip("a tmpfs is mounted on Linux only")
}
