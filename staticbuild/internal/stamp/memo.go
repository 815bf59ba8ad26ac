package stamp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Memo is what a Read learned of a work tree besides what git status
// says: everything in Stamp but Changes and Dirty is a function of the
// commit HEAD is at, the tags, the repository's layout and git's
// environment, which its key covers (see memoKey). A Memo is data, kept
// by the caller between runs as JSON.
type Memo struct {
	Key    string `json:"key"`
	Common string `json:"common"` // git's common directory, which holds the refs
	Stamp  Stamp  `json:"stamp"`  // as read, with the commit's time and without a tree's changes
}

// current returns the memo's stamp when its key holds for the work tree
// at dir, in env, with HEAD at head.
func (m *Memo) current(dir string, env []string, head string) (Stamp, bool) {
	if m == nil || m.Key == "" || head == "" || head != m.Stamp.Commit {
		return Stamp{}, false
	}
	key, ok := memoKey(dir, env, head, m.Stamp.Top, m.Common)
	if !ok || key != m.Key {
		return Stamp{}, false
	}
	st := m.Stamp
	st.Tags = slices.Clone(st.Tags)
	return st, true
}

// record keeps in m the stamp s read at dir in env, whose repository
// keeps its refs in common, unless a file its key covers changed too
// recently to be told from a later change (see memoKey). A nil m keeps
// nothing.
func (m *Memo) record(s Stamp, dir string, env []string, common string) {
	if m == nil {
		return
	}
	*m = Memo{}
	key, ok := memoKey(dir, env, s.Commit, s.Top, common)
	if !ok {
		return
	}
	s.Changes, s.Dirty = nil, false
	s.Tags = slices.Clone(s.Tags)
	*m = Memo{Key: key, Common: common, Stamp: s}
}

// memoKey returns the key under which a stamp read at dir, in env, with
// HEAD at head, holds: the directory, git's environment (every GIT_
// variable, and those that locate git and its configuration), the commit,
// whether each directory from dir up to the top of the work tree has a
// .git and a go.mod, and the go.mod files' contents, and what changes
// what git log, describe and for-each-ref say of a commit: in git's
// common directory, the refs under refs/tags and refs/replace,
// packed-refs, a reftable, shallow and info/grafts, each by its name, size
// and modification time. It reports false, no key, when one of those
// files changed less than racyWindow ago: a later change in the same tick
// of the file system's clock could keep its time.
func memoKey(dir string, env []string, head, top, common string) (string, bool) {
	if top == "" || common == "" {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "stamp memo 1\ndir %s\nhead %s\ntop %s\ncommon %s\n", dir, head, top, common)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || k == "HOME" || k == "XDG_CONFIG_HOME" || k == "PATH" {
			fmt.Fprintf(h, "env %s\n", kv)
		}
	}
	k := keyer{h: h, now: time.Now()}
	for d := dir; ; d = filepath.Dir(d) {
		k.stat(filepath.Join(d, ".git"))
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			fmt.Fprintf(h, "go.mod %s %d\n%s\n", d, len(data), data)
		}
		if d == top || filepath.Dir(d) == d {
			break
		}
	}
	for _, name := range []string{"packed-refs", "shallow", "info/grafts", "reftable"} {
		k.stat(filepath.Join(common, filepath.FromSlash(name)))
	}
	for _, name := range []string{"refs/tags", "refs/replace", "reftable"} {
		k.walk(filepath.Join(common, filepath.FromSlash(name)))
	}
	if k.racy || k.err != nil {
		return "", false
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// racyWindow is how long ago a file memoKey covers must have changed for
// its time to tell it from a later change.
const racyWindow = 2 * time.Second

// keyer hashes files' names, sizes and times for memoKey.
type keyer struct {
	h    hash.Hash
	now  time.Time
	racy bool  // a file changed less than racyWindow ago
	err  error // a file could not be read, but for not existing
}

// stat hashes the file or directory at name, or that it is missing.
func (k *keyer) stat(name string) {
	fi, err := os.Lstat(name)
	if err != nil {
		if !os.IsNotExist(err) && k.err == nil {
			k.err = err
		}
		fmt.Fprintf(k.h, "missing %s\n", name)
		return
	}
	k.add(name, fi)
}

// walk hashes every file and directory below dir.
func (k *keyer) walk(dir string) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == dir {
				return nil
			}
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		k.add(path, fi)
		return nil
	})
	if err != nil && k.err == nil {
		k.err = err
	}
}

func (k *keyer) add(name string, fi fs.FileInfo) {
	if k.now.Sub(fi.ModTime()) < racyWindow {
		k.racy = true
	}
	fmt.Fprintf(k.h, "file %s %v %d %d\n", name, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
}
