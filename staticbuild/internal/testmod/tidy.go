package testmod

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/gosrc"
)

// A tidied entry holds the go.mod and go.sum that "go get" of mage and
// "go mod tidy" wrote for one tidyKey, once done is set.
type tidied struct {
	mu           sync.Mutex
	done         bool
	gomod, gosum []byte
}

// tidiedMods holds this test process's tidied entries by tidyKey: the two
// go commands give the same files for the same key, so each key runs them
// once.
var tidiedMods sync.Map // string → *tidied

// tidy gives the module in dir, whose files (relative path → content) are
// written, the go.mod and go.sum that "go get
// github.com/magefile/mage@v1.17.2" and "go mod tidy" make there. The
// first module of a key runs the two commands and keeps their files; a
// later one is given the same files. If the commands fail, the test fails
// with their output, as every module of that key would.
func tidy(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	v, _ := tidiedMods.LoadOrStore(tidyKey(files), new(tidied))
	e := v.(*tidied)
	e.mu.Lock()
	defer e.mu.Unlock()
	gomod, gosum := filepath.Join(dir, "go.mod"), filepath.Join(dir, "go.sum")
	if e.done {
		if err := os.WriteFile(gomod, e.gomod, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(gosum, e.gosum, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	Run(t, dir, "go", "get", "github.com/magefile/mage@v1.17.2")
	Run(t, dir, "go", "mod", "tidy")
	var err error
	if e.gomod, err = os.ReadFile(gomod); err != nil {
		t.Fatal(err)
	}
	if e.gosum, err = os.ReadFile(gosum); err != nil {
		t.Fatal(err)
	}
	e.done = true
}

// tidyKey returns what decides the go.mod and go.sum that tidy makes for a
// module of files: every file's path, the whole of every file but Go
// source (go.mod and go.sum among them), and of Go source what the go
// command reads of it (gosrc.Header), which is all "go mod tidy" reads. The checkout, the go command and the module cache, which decide
// it too, are the same throughout a test process.
func tidyKey(files map[string]string) string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		src := []byte(files[name])
		if strings.HasSuffix(name, ".go") {
			src = gosrc.Header(name, src)
		}
		h.Write([]byte(name + "\x00"))
		h.Write(src)
		h.Write([]byte("\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
