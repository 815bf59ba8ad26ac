//go:build unix

package stamp

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// crlfGit is a git that ends every line of the real git's output with CRLF,
// as some Windows installations do.
const crlfGit = `package main

import (
	"bytes"
	"os"
	"os/exec"
)

func main() {
	cmd := exec.Command(os.Getenv("CRLF_REAL_GIT"), os.Args[1:]...)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	out, err := cmd.Output()
	os.Stdout.Write(bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n")))
	if ee, ok := err.(*exec.ExitError); ok {
		os.Exit(ee.ExitCode())
	}
}
`

// TestReadCRLF reads a nested module's stamp through a git whose lines end
// in CRLF and checks that it is the one read through the real git.
func TestReadCRLF(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	dir := repo(t)
	api := filepath.Join(dir, "services", "api")
	module(t, dir, "example.com/app")
	module(t, api, "example.com/app/services/api")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "modules")
	for _, tag := range []string{"v1.0.0", "services/api/v0.2.0", "services/api/v0.3.0"} {
		run(t, dir, "git", "tag", tag)
	}
	write(t, filepath.Join(api, "new.txt"), "x")
	want := read(t, api)

	bin := t.TempDir()
	src := filepath.Join(t.TempDir(), "main.go")
	write(t, src, crlfGit)
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "git"), src)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the CRLF git: %v\n%s", err, out)
	}
	t.Setenv("CRLF_REAL_GIT", real)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, _ := exec.Command("git", "rev-parse", "HEAD").Output(); len(out) < 2 || string(out[len(out)-2:]) != "\r\n" {
		t.Fatalf("the CRLF git printed %q", out)
	}
	if got := read(t, api); !reflect.DeepEqual(got, want) {
		t.Errorf("through a CRLF git:\n%+v\nwant\n%+v", got, want)
	}
}
