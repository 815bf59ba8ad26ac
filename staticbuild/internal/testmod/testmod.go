// Package testmod makes throwaway user modules for tests: a git repository
// whose go.mod requires magestatic through a replace directive to this
// checkout, so tests run the library the way a user's magefile does.
package testmod

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Root returns the root of the magestatic checkout.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the checkout")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Hello is a main package that prints what the version package reports.
const Hello = `package main

import (
	"fmt"
	"os"

	"github.com/magestatic/magestatic/version"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(version.Get().Long())
		return
	}
	fmt.Println("hello")
}
`

// Magefile imports the targets and nothing else.
const Magefile = `//go:build mage

package main

import (
	//mage:import
	_ "github.com/magestatic/magestatic/staticbuild"
)
`

// Time is the commit time of every test repository.
const Time = "2026-01-02T03:04:05Z"

// New writes files (relative path → content) into a new directory under
// dir (t.TempDir() when empty) named name, adds a go.mod for module
// example.com/<name> that requires magestatic and mage (tidied as "go get"
// and "go mod tidy" do, see tidy), commits everything and tags the commit
// with tag unless it is empty. It returns the directory.
func New(t testing.TB, dir, name string, files map[string]string, tag string) string {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, name)
	root := Root(t)
	gomod := "module example.com/" + strings.ReplaceAll(name, " ", "-") + "\n\ngo 1.24.0\n\n" +
		"require github.com/magestatic/magestatic v0.0.0\n\n" +
		"tool github.com/magefile/mage\n\n" +
		"replace github.com/magestatic/magestatic => " + quote(root) + "\n"
	all := map[string]string{"go.mod": gomod}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	all["go.sum"] = string(sum)
	for k, v := range files {
		all[k] = v
	}
	for name, content := range all {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tidy(t, dir, all)
	Git(t, dir, "init", "-q")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "initial")
	if tag != "" {
		Git(t, dir, "tag", tag)
	}
	return dir
}

// Git runs git in dir with a fixed identity and commit time, and without
// the maintenance a commit starts in a process of its own (a test's
// repository is too small to need it).
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return Run(t, dir, "git", append([]string{
		"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
		"-c", "maintenance.auto=false",
	}, args...)...)
}

// Run runs a command in dir and fails the test if it fails. It returns the
// combined output.
func Run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+Time, "GIT_COMMITTER_DATE="+Time, "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// quote quotes a go.mod path when it has spaces.
func quote(p string) string {
	if strings.ContainsAny(p, " \t\"'") {
		return `"` + strings.ReplaceAll(p, `"`, `\"`) + `"`
	}
	return p
}
