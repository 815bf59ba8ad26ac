package gobuild

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command in a process group of its own, so that a
// terminal's Ctrl-C reaches only the orchestrator, and cancelling kills the
// go command with every compiler and linker it started. The group is also
// killed if the orchestrator itself dies.
func ownProcessGroup(cmd *exec.Cmd) (started func() error, release func()) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return func() error { return nil }, func() {}
}
