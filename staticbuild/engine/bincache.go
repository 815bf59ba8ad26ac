package engine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// EnvCache names the directory of the binary cache; "off" turns it off.
const EnvCache = "MAGESTATIC_CACHE"

// binCache keeps the pure-Go binaries magestatic built, by the key of
// everything that determined their bytes, so that a build whose outputs
// were removed (a fresh checkout of the same commit, rm -rf dist, switching
// back to a branch) copies them instead of relinking. cgo binaries are not
// kept: their bytes also depend on the system's C libraries, which the key
// does not cover. Entries unused for trimAge are removed.
type binCache struct {
	dir string // "" when the cache is off
}

// trimAge is how long an unused entry is kept.
const trimAge = 5 * 24 * time.Hour

// openBinCache returns the cache in $MAGESTATIC_CACHE, else in the user's
// cache directory.
func openBinCache() binCache {
	dir := os.Getenv(EnvCache)
	switch dir {
	case "off":
		return binCache{}
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return binCache{}
		}
		dir = filepath.Join(base, "magestatic", "bin")
	}
	return binCache{dir: dir}
}

func (c binCache) path(key string) string {
	return filepath.Join(c.dir, key[:2], key)
}

// get copies the binary stored under key to dst, atomically, and reports
// whether there was one.
func (c binCache) get(key, dst string) bool {
	if c.dir == "" || len(key) < 2 {
		return false
	}
	src := c.path(key)
	if err := copyFile(src, dst, 0o755); err != nil {
		return false
	}
	now := time.Now()
	os.Chtimes(src, now, now)
	return true
}

// put stores the binary at src under key. Failing to is not an error: the
// cache only saves time.
func (c binCache) put(key, src string) {
	if c.dir == "" || len(key) < 2 {
		return
	}
	dst := c.path(key)
	if _, err := os.Stat(dst); err == nil {
		return
	}
	if os.MkdirAll(filepath.Dir(dst), 0o755) == nil {
		copyFile(src, dst, 0o644)
	}
	c.trim()
}

// trim removes the entries unused for trimAge, at most once a day.
func (c binCache) trim() {
	mark := filepath.Join(c.dir, "trim.txt")
	if fi, err := os.Stat(mark); err == nil && time.Since(fi.ModTime()) < 24*time.Hour {
		return
	}
	os.WriteFile(mark, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
	filepath.WalkDir(c.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == mark {
			return nil
		}
		if fi, err := d.Info(); err == nil && time.Since(fi.ModTime()) > trimAge {
			os.Remove(path)
		}
		return nil
	})
}

// copyFile copies src to dst through a temporary file and a rename.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(out.Name(), mode)
	}
	if err == nil {
		err = os.Rename(out.Name(), dst)
	}
	if err != nil {
		os.Remove(out.Name())
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return nil
}
