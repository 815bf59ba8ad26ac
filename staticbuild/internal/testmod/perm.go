package testmod

import (
	"io/fs"
	"runtime"
)

// Perm returns the permission bits that a file written with mode unix
// reports on this system: unix itself, except on Windows, which keeps only
// a read-only bit, so that a writable file is 0666 and a read-only one
// 0444.
func Perm(unix fs.FileMode) fs.FileMode {
	if runtime.GOOS != "windows" {
		return unix
	}
	if unix&0o200 == 0 {
		return 0o444
	}
	return 0o666
}
