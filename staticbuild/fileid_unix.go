//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package staticbuild

import (
	"os"
	"syscall"
)

// fileID returns the inode and the change time of fi, in nanoseconds.
func fileID(fi os.FileInfo) (ino uint64, ctime int64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return uint64(st.Ino), ctimeOf(st), true
}
