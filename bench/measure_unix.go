//go:build unix

package bench

import (
	"bytes"
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// measure runs cmd to completion and returns its cost, read from the
// resource usage the kernel reports for it and its waited-for
// descendants, and its standard output. The error carries the tail of its
// standard error.
func measure(cmd *exec.Cmd) (Sample, []byte, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return Sample{}, stdout.Bytes(), fmt.Errorf("%s: %w\n%s", cmd, err, tail(stderr.String(), 20))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return Sample{}, nil, fmt.Errorf("%s: no resource usage on %s", cmd, runtime.GOOS)
	}
	return Sample{
		Wall:    wall,
		CPU:     time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		PeakRSS: maxrssBytes(ru.Maxrss),
	}, stdout.Bytes(), nil
}

// maxrssBytes converts ru_maxrss to bytes: kilobytes on Linux and the BSDs,
// bytes on macOS.
func maxrssBytes(v int64) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return v
	}
	return v * 1024
}
