//go:build !unix

package gobuild

import "os/exec"

// ownProcessGroup leaves the command as it is: cancelling kills the go
// command itself.
func ownProcessGroup(cmd *exec.Cmd) {}
