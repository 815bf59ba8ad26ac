//go:build unix

package stamp

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// countingGit is a git that writes its arguments, one line per run, to
// the file COUNTING_GIT_LOG and runs the real git with its own standard
// streams.
const countingGit = `package main

import (
	"os"
	"os/exec"
	"strings"
)

func main() {
	f, err := os.OpenFile(os.Getenv("COUNTING_GIT_LOG"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		panic(err)
	}
	f.WriteString(strings.Join(os.Args[1:], " ") + "\n")
	f.Close()
	cmd := exec.Command(os.Getenv("COUNTING_GIT_REAL"), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		os.Exit(ee.ExitCode())
	}
}
`

// TestReadGits: Read of a tagged module runs four gits, side by side (a
// release with nothing to do waits for them), and gives the stamp it gives
// through the real git; an untagged one runs three more.
func TestReadGits(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	dir := repo(t)
	module(t, dir, "example.com/app")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "module")
	run(t, dir, "git", "tag", "v1.0.0")
	want := read(t, dir)

	bin := t.TempDir()
	src := filepath.Join(t.TempDir(), "main.go")
	write(t, src, countingGit)
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "git"), src).CombinedOutput(); err != nil {
		t.Fatalf("building the counting git: %v\n%s", err, out)
	}
	log := filepath.Join(t.TempDir(), "log")
	t.Setenv("COUNTING_GIT_REAL", real)
	t.Setenv("COUNTING_GIT_LOG", log)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	gits := func() []string {
		data, _ := os.ReadFile(log)
		os.Remove(log)
		var cmds []string
		for line := range strings.Lines(string(data)) {
			f := strings.Fields(line)
			if len(f) > 2 && f[0] == "-c" {
				f = f[2:]
			}
			if len(f) > 0 {
				cmds = append(cmds, f[0])
			}
		}
		slices.Sort(cmds)
		return cmds
	}

	if got := read(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("through the counting git:\n%+v\nwant\n%+v", got, want)
	}
	if got, want := gits(), []string{"cat-file", "log", "rev-parse", "status"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tagged: Read ran %q, want %q", got, want)
	}
	run(t, dir, "git", "commit", "-q", "--allow-empty", "-m", "two")
	gits()
	if s := read(t, dir); !strings.HasPrefix(s.Version, "v1.0.0-1-g") {
		t.Errorf("untagged: version %q, want v1.0.0-1-g...", s.Version)
	}
	// goVersion lists the tags HEAD descends from for the pseudo-version;
	// bestDescribed, the tags on the commit git describe names.
	if got, want := gits(), []string{"cat-file", "describe", "for-each-ref", "log", "rev-parse", "status", "tag"}; !reflect.DeepEqual(got, want) {
		t.Errorf("untagged: Read ran %q, want %q", got, want)
	}
}
