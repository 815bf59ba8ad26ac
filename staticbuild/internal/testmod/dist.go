package testmod

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Clone clones the repository src into a new directory named app and
// returns it: another checkout of the same commit, as a CI job has.
func Clone(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "app")
	Run(t, filepath.Dir(dst), "git", "clone", "-q", src, dst)
	return dst
}

// Tree returns the contents of the files below dir by their slash-separated
// paths, leaving out the engine's state file and lock, which are no part
// of a release.
func Tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".state.json" || d.Name() == ".lock" {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Environ returns this process's environment without its MAGESTATIC_
// variables, then vars, and, when fresh is set, a build cache of the
// test's own, so that the go command builds everything cold.
func Environ(t testing.TB, fresh bool, vars ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAGESTATIC_") {
			out = append(out, kv)
		}
	}
	out = append(out, vars...)
	if fresh {
		out = append(out, "GOCACHE="+filepath.Join(t.TempDir(), "gocache"))
	}
	return out
}
