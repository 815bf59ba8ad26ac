//go:build windows

package atomicfile

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// rename retries os.Rename while it fails with ERROR_ACCESS_DENIED or
// ERROR_SHARING_VIOLATION, which Windows returns while another process has
// the file open, backing off from 10ms to at most 2.5s of waiting in all.
func rename(oldpath, newpath string) error {
	delay := 10 * time.Millisecond
	var waited time.Duration
	for {
		err := os.Rename(oldpath, newpath)
		if err == nil || !retryable(err) || waited >= 2500*time.Millisecond {
			return err
		}
		time.Sleep(delay)
		waited += delay
		delay = min(delay*2, 500*time.Millisecond)
	}
}

func retryable(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
}
