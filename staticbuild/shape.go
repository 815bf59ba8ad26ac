package staticbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/gosrc"
)

// shape hashes what go list reports of the packages of the module at dir
// (their directories, names, import paths, modules and dependencies):
// every Go file's name and what the go command reads of it to list its
// package (see gosrc.Header), with k's toolchain and dependencies. An edit of
// a function's body, or a commit of one, changes the fingerprint and not
// the shape, so the main packages go list found are still the ones. It
// walks the directories go list ./... does, leaving out dist, testdata,
// those whose names start with "." or "_", and nested modules.
func shape(dir, dist string, k keys) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "magestatic shape 1\ntool %s\ndeps %s\n", k.tool, k.deps)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading the module's packages: %w", err)
		}
		name := d.Name()
		if d.IsDir() {
			if path == dir {
				return nil
			}
			if path == dist || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("reading the module's packages: %w", err)
		}
		rel, _ := filepath.Rel(dir, path)
		head := gosrc.Header(name, data)
		fmt.Fprintf(h, "file %s %d\n%s\n", filepath.ToSlash(rel), len(head), head)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
