//go:build !unix && !windows

package gobuild

import "os/exec"

// ownProcessGroup leaves the command as it is: cancelling kills the go
// command itself.
func ownProcessGroup(cmd *exec.Cmd) (started func() error, release func()) {
	return func() error { return nil }, func() {}
}
