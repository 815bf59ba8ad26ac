//go:build windows

package gobuild

import (
	"fmt"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// ownProcessGroup starts the command suspended, in a console process group
// of its own, so that a console's Ctrl-C reaches only the orchestrator, and
// returns the hooks that put it in a job object: started, called right after
// Start, assigns the go command to a job that every compiler and linker it
// starts inherits, then lets it run, so that no child is started outside the
// job; cancelling terminates the whole job; release closes the job
// handle. The job is created with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, so if
// the orchestrator dies its handle closes and Windows kills the tree.
func ownProcessGroup(cmd *exec.Cmd) (started func() error, release func()) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED}
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
		return resume(uint32(cmd.Process.Pid))
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

// resume starts the threads of the suspended process pid.
func resume(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("listing the go command's threads: %w", err)
	}
	defer windows.CloseHandle(snap)
	e := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := 0
	for err = windows.Thread32First(snap, &e); err == nil; err = windows.Thread32Next(snap, &e) {
		if e.OwnerProcessID != pid {
			continue
		}
		h, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, e.ThreadID)
		if err != nil {
			return fmt.Errorf("opening the go command's thread: %w", err)
		}
		_, err = windows.ResumeThread(h)
		windows.CloseHandle(h)
		if err != nil {
			return fmt.Errorf("starting the go command: %w", err)
		}
		resumed++
	}
	if resumed == 0 {
		return fmt.Errorf("starting the go command: no thread of process %d", pid)
	}
	return nil
}
