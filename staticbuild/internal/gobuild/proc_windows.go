//go:build windows

package gobuild

import (
	"fmt"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// ownProcessGroup starts the command in a console process group of its own,
// so that a console's Ctrl-C reaches only the orchestrator, and returns the
// hooks that put it in a job object: started, called right after Start,
// assigns the go command to a job that every compiler and linker it starts
// inherits; cancelling terminates the whole job; release closes the job
// handle. The job is created with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, so if
// the orchestrator dies its handle closes and Windows kills the tree.
func ownProcessGroup(cmd *exec.Cmd) (started func() error, release func()) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
	var job windows.Handle
	cmd.Cancel = func() error {
		if job != 0 {
			return windows.TerminateJobObject(job, 1)
		}
		return cmd.Process.Kill()
	}
	started = func() error {
		j, err := newKillJob()
		if err != nil {
			return err
		}
		h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
		if err != nil {
			windows.CloseHandle(j)
			return fmt.Errorf("opening the go command's process: %w", err)
		}
		defer windows.CloseHandle(h)
		if err := windows.AssignProcessToJobObject(j, h); err != nil {
			windows.CloseHandle(j)
			return fmt.Errorf("putting the go command in a job object: %w", err)
		}
		job = j
		return nil
	}
	release = func() {
		if job != 0 {
			windows.CloseHandle(job)
		}
	}
	return started, release
}

// newKillJob creates a job object whose processes all die when its last
// handle closes.
func newKillJob() (windows.Handle, error) {
	j, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, fmt.Errorf("creating a job object: %w", err)
	}
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(j, windows.JobObjectExtendedLimitInformation, uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(j)
		return 0, fmt.Errorf("setting up a job object: %w", err)
	}
	return j, nil
}
