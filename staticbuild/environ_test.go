package staticbuild

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGoEnvFileLast: goEnvFile took the first GOENV while lookup, like
// the go command, takes the last; an empty GOENV is unset.
func TestGoEnvFileLast(t *testing.T) {
	def := goEnvFile([]string{"HOME=/h", "XDG_CONFIG_HOME=/c", "AppData=/a"})
	if def == "" {
		t.Fatal("no default env file")
	}
	for _, tc := range []struct {
		goenv []string
		want  string
	}{
		{[]string{"GOENV=/first", "GOENV=/last"}, "/last"},
		{[]string{"GOENV=/first", "GOENV=off"}, ""},
		{[]string{"GOENV=off", "GOENV=/last"}, "/last"},
		{[]string{"GOENV=/first", "GOENV="}, def},
	} {
		vars := append([]string{"HOME=/h", "XDG_CONFIG_HOME=/c", "AppData=/a"}, tc.goenv...)
		if got := goEnvFile(vars); got != tc.want {
			t.Errorf("goEnvFile(%q) = %q, want %q", tc.goenv, got, tc.want)
		}
	}
}

// TestRunGetenv: Run.Getenv reads the run's environment with the go
// command's rule, and the process's environment as it was when the run
// started, not as it is when a step asks.
func TestRunGetenv(t *testing.T) {
	r, _ := newRun(Config{Dir: t.TempDir(), Environ: []string{"A=1", "B=", "A=2"}})
	if r == nil {
		t.Fatal("newRun returned no run")
	}
	for key, want := range map[string]struct {
		v  string
		ok bool
	}{"A": {"2", true}, "B": {"", true}, "C": {"", false}} {
		if v, ok := r.Getenv(key); v != want.v || ok != want.ok {
			t.Errorf("Getenv(%q) = %q, %v; want %q, %v", key, v, ok, want.v, want.ok)
		}
	}
	env := r.Environ()
	env[0] = "A=changed"
	if v, _ := r.Getenv("A"); v != "2" || r.Config.Environ[0] != "A=1" {
		t.Errorf("changing what Environ returned changed the run's environment")
	}

	t.Setenv("MAGESTATIC_TEST_GETENV", "at start")
	r, _ = newRun(Config{Dir: t.TempDir()})
	os.Setenv("MAGESTATIC_TEST_GETENV", "later")
	if v, ok := r.Getenv("MAGESTATIC_TEST_GETENV"); v != "at start" || !ok {
		t.Errorf("Getenv = %q, %v; want the value when the run started, %q", v, ok, "at start")
	}
}

// TestSourceGitGetsEnviron: the git that reads the version ran in the
// process's environment, not in Config.Environ: core.excludesFile set
// there did not hide an untracked file, and the version said -dirty.
func TestSourceGitGetsEnviron(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/envgit\n\ngo 1.24\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one"}, {"tag", "v1.0.0"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	ignore := filepath.Join(t.TempDir(), "ignore")
	os.WriteFile(ignore, []byte("notes.txt\n"), 0o644)

	version := func(environ []string) string {
		t.Helper()
		r, errs := newRun(Config{Dir: dir, Platforms: []string{"linux/amd64"}, Environ: environ})
		if len(errs) > 0 {
			t.Fatal(strings.Join(errs, "\n"))
		}
		defer r.close()
		if err := r.loadSource(context.Background()); err != nil {
			t.Fatal(err)
		}
		return r.Version
	}
	if v := version(os.Environ()); v != "v1.0.0-dirty" {
		t.Fatalf("with notes.txt untracked, version %q, want v1.0.0-dirty", v)
	}
	environ := append(slices.Clip(os.Environ()), "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=core.excludesFile", "GIT_CONFIG_VALUE_0="+ignore)
	if v := version(environ); v != "v1.0.0" {
		t.Errorf("with core.excludesFile in Config.Environ, version %q, want v1.0.0: git did not get Config.Environ", v)
	}
}
