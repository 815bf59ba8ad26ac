package staticbuild

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

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
	want, err := os.ReadFile(src + sumSuffix)
	if err != nil {
		return false
	}
	if err := atomicfile.Copy(src, dst, 0o755); err != nil {
		return false
	}
	// An entry whose bytes changed since it was stored (a flipped bit, a
	// truncated copy) is removed, never used.
	if sum, err := archive.SHA256File(dst); err != nil || sum != strings.TrimSpace(string(want)) {
		os.Remove(dst)
		os.Remove(src)
		os.Remove(src + sumSuffix)
		return false
	}
	now := time.Now()
	os.Chtimes(src, now, now)
	os.Chtimes(src+sumSuffix, now, now)
	return true
}

// sumSuffix ends the name of the file beside each entry that holds the
// entry's SHA-256, checked each time the entry is used.
const sumSuffix = ".sha256"

// put stores the binary at src, whose SHA-256 is sum, under key. Failing
// to is not an error: the cache only saves time. Both files of an entry
// are written under temporary names, synced and renamed into place
// (atomicfile), so another run reading the cache meanwhile sees the whole
// entry or none; get checks the copy against sum.
func (c binCache) put(key, src, sum string) {
	if c.dir == "" || len(key) < 2 {
		return
	}
	dst := c.path(key)
	_, err1 := os.Stat(dst)
	_, err2 := os.Stat(dst + sumSuffix)
	if err1 == nil && err2 == nil {
		return
	}
	if os.MkdirAll(filepath.Dir(dst), 0o755) == nil && atomicfile.WriteFile(dst+sumSuffix, []byte(sum+"\n")) == nil {
		atomicfile.Copy(src, dst, 0o644)
	}
	c.trim()
}

// trim removes the entries unused for trimAge, at most once a day.
func (c binCache) trim() {
	mark := filepath.Join(c.dir, "trim.txt")
	if fi, err := os.Stat(mark); err == nil && time.Since(fi.ModTime()) < 24*time.Hour {
		return
	}
	atomicfile.WriteFile(mark, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"))
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
