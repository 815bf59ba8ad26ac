package staticbuild

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestEditRunsOnlyBuilds builds, edits the body of the main package and
// builds again: the second build runs go build and no other go command
// (go list, go env, go tool dist list, whose answers have not changed),
// and the new binary holds the edit; so does a build after the edit is
// committed. Editing the imports lists the packages again.
func TestEditRunsOnlyBuilds(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the go command's recorder is a shell script")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	real, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	goLog := filepath.Join(t.TempDir(), "go.log")
	wrapper := filepath.Join(t.TempDir(), "go")
	os.WriteFile(wrapper, []byte("#!/bin/sh\necho \"$*\" >>"+goLog+"\nexec "+real+" \"$@\"\n"), 0o755)
	cfg := Config{Dir: dir, Go: wrapper, Environ: testEnv(envPlatforms + "=" + runtime.GOOS + "/" + runtime.GOARCH)}
	cross := func(what string) []string {
		t.Helper()
		os.Remove(goLog)
		if _, err := runCross(context.Background(), cfg); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		data, _ := os.ReadFile(goLog)
		var other []string
		builds := 0
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if strings.HasPrefix(line, "build ") {
				builds++
			} else if line != "" {
				other = append(other, line)
			}
		}
		if builds != 1 {
			t.Errorf("%s: %d go builds, want 1:\n%s", what, builds, data)
		}
		return other
	}
	hasAll := func(what string, other []string) {
		t.Helper()
		for _, want := range []string{"list ", "env GOCACHE", "tool dist list"} {
			found := false
			for _, o := range other {
				found = found || strings.HasPrefix(o, want)
			}
			if !found {
				t.Errorf("%s: no go %s…, want one: %q", what, want, other)
			}
		}
	}
	hasAll("the first build", cross("the first build"))

	say := func(word string) {
		t.Helper()
		src := strings.Replace(testmod.Hello, `"hello"`, `"`+word+`"`, 1)
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	say("edited")
	if other := cross("an edited body"); len(other) > 0 {
		t.Errorf("an edited body ran go commands besides go build: %q", other)
	}
	bin := filepath.Join(dir, "dist", "app_"+runtime.GOOS+"_"+runtime.GOARCH, "app")
	if out, err := exec.Command(bin).Output(); err != nil || strings.TrimSpace(string(out)) != "edited" {
		t.Errorf("the rebuilt binary printed %q (%v), want edited", out, err)
	}

	// The edit committed: the same packages.
	testmod.Git(t, dir, "commit", "-qam", "edited")
	if other := cross("the edit committed"); len(other) > 0 {
		t.Errorf("a commit of an edited body ran go commands besides go build: %q", other)
	}

	// An import added: go list again, whose answer may have changed.
	src := strings.Replace(testmod.Hello, "\"os\"\n", "\"os\"\n\t\"strings\"\n", 1)
	src = strings.Replace(src, `"hello"`, `strings.ToUpper("hello")`, 1)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
	if other := cross("an added import"); !strings.HasPrefix(strings.Join(other, "\n"), "list ") {
		t.Errorf("an added import ran %q, want go list", other)
	}
}
