package staticbuild

import (
	"fmt"
	"os"
)

// cacheProbeSize is how much checkCache writes into the build cache: a
// cache with less room cannot take even one package.
const cacheProbeSize = 1 << 20

// checkCache makes sure the go command can write its build cache, dir
// (go env GOCACHE). When it cannot, because the directory is read-only or
// its disk is full, every go build fails with errors that do not say so
// (such as "package fmt is not in std"), once per platform. The cache is
// tried before go list and before the builds, to name the cause once.
func checkCache(dir string) error {
	if dir == "" || dir == "off" {
		return fmt.Errorf("the build cache is off (GOCACHE=%q), and go build needs one: unset GOCACHE or set it to a writable directory", dir)
	}
	if err := probeDir(dir, cacheProbeSize); err != nil {
		return fmt.Errorf("the build cache cannot be written (GOCACHE=%s): %w: free space there or set GOCACHE to a writable directory with room", dir, err)
	}
	return nil
}

// probeDir creates dir if needed and writes a file of n bytes into it,
// which it then removes.
func probeDir(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".magestatic-probe-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, n))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
