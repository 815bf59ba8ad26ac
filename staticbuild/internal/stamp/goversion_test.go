package stamp

import (
	"context"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goStamped builds the main package in dir with -buildvcs=true and returns
// the main module's version the go command recorded, "" for "(devel)".
func goStamped(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bin")
	cmd := exec.Command("go", "build", "-buildvcs=true", "-o", out, ".")
	cmd.Dir = dir
	// GOFLAGS hides the user's go env file, which may say -buildvcs=false.
	// The go command caches the versions it computes in the module cache
	// and, with GOPROXY=off, goes on using a cached pseudo-version after the
	// commit is tagged: each build gets an empty module cache.
	cmd.Env = append(os.Environ(), "GOFLAGS=-trimpath -modcacherw", "GOMODCACHE="+t.TempDir(),
		"GOPROXY=https://proxy.golang.org", "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, msg)
	}
	info, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Main.Version == "(devel)" {
		return ""
	}
	return info.Main.Version
}

// checkGoVersion checks that Read's GoVersion for the module in dir is the
// version go build records.
func checkGoVersion(t *testing.T, what, dir, want string) {
	t.Helper()
	s, err := Read(context.Background(), dir, "", os.Environ())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := goStamped(t, dir)
	if s.GoVersion != got {
		t.Errorf("%s: GoVersion = %q, go build recorded %q", what, s.GoVersion, got)
	}
	if !strings.HasPrefix(got, want) {
		t.Errorf("%s: go build recorded %q, the test expected %q", what, got, want)
	}
}

// module writes a go.mod declaring path and a main package into dir.
func module(t *testing.T, dir, path string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.mod"), "module "+path+"\n\ngo 1.24\n")
	write(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {}\n")
}

func write(t *testing.T, file, data string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGoVersionMatchesGoCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := repo(t)
	api := filepath.Join(dir, "services", "api")
	v2 := filepath.Join(dir, "v2")
	module(t, dir, "example.com/app")
	module(t, api, "example.com/app/services/api")
	module(t, v2, "example.com/app/v2")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "modules")

	checkGoVersion(t, "untagged", dir, "v0.0.0-20260102030405-")
	checkGoVersion(t, "untagged nested", api, "v0.0.0-20260102030405-")
	checkGoVersion(t, "untagged v2", v2, "v2.0.0-20260102030405-")
	run(t, dir, "git", "tag", "v1.0.0")
	checkGoVersion(t, "v1.0.0", dir, "v1.0.0")
	run(t, dir, "git", "tag", "v1.1.0")
	checkGoVersion(t, "v1.0.0 and v1.1.0", dir, "v1.1.0")
	run(t, dir, "git", "tag", "v1.2.0-rc.1")
	checkGoVersion(t, "pre-release", dir, "v1.2.0-rc.1")
	for _, tag := range []string{"v1.3.0+meta", "v1.4", "release-5", "v2.0.0"} {
		run(t, dir, "git", "tag", tag)
	}
	checkGoVersion(t, "build metadata, short, other and v2 tags", dir, "v1.2.0-rc.1")
	checkGoVersion(t, "v2 module in v2/", v2, "v2.0.0")
	checkGoVersion(t, "nested, root tags only", api, "v0.0.0-")
	run(t, dir, "git", "tag", "services/api/v0.3.0")
	run(t, dir, "git", "tag", "services/api/v9.0.0")
	checkGoVersion(t, "nested tags", api, "v0.3.0")
	checkGoVersion(t, "root beside nested tags", dir, "v1.2.0-rc.1")
	run(t, dir, "git", "tag", "-a", "-m", "annotated", "v1.2.5")
	checkGoVersion(t, "annotated tag", dir, "v1.2.5")

	write(t, filepath.Join(dir, "untracked.txt"), "x")
	checkGoVersion(t, "untracked file", dir, "v1.2.5+dirty")
	checkGoVersion(t, "nested, untracked file at the top", api, "v0.3.0+dirty")
	os.Remove(filepath.Join(dir, "untracked.txt"))

	run(t, dir, "git", "commit", "-q", "--allow-empty", "-m", "after")
	checkGoVersion(t, "after tags (base v1.3.0+meta)", dir, "v1.3.1-0.20260102030405-")
	checkGoVersion(t, "nested after tags", api, "v0.3.1-0.20260102030405-")
	checkGoVersion(t, "v2 after tags", v2, "v2.0.1-0.20260102030405-")
	run(t, dir, "git", "tag", "v1.5.0-beta.2")
	run(t, dir, "git", "commit", "-q", "--allow-empty", "-m", "after beta")
	checkGoVersion(t, "after pre-release", dir, "v1.5.0-beta.2.0.20260102030405-")

	wt := filepath.Join(t.TempDir(), "wt")
	run(t, dir, "git", "worktree", "add", "-q", wt, "v1.0.0")
	checkGoVersion(t, "worktree", wt, "")
}

func TestGoVersionUnusualLayouts(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	t.Run("no module at the top", func(t *testing.T) {
		dir := repo(t)
		api := filepath.Join(dir, "services", "api")
		module(t, api, "example.com/app/services/api")
		run(t, dir, "git", "add", ".")
		run(t, dir, "git", "commit", "-q", "-m", "api")
		run(t, dir, "git", "tag", "services/api/v1.0.0")
		checkGoVersion(t, "no go.mod at the top", api, "")
	})
	t.Run("directory unlike the module path", func(t *testing.T) {
		dir := repo(t)
		module(t, dir, "example.com/app")
		module(t, filepath.Join(dir, "api"), "example.com/app/services/api")
		module(t, filepath.Join(dir, "other"), "example.org/other")
		run(t, dir, "git", "add", ".")
		run(t, dir, "git", "commit", "-q", "-m", "mismatch")
		run(t, dir, "git", "tag", "api/v1.0.0")
		run(t, dir, "git", "tag", "services/api/v1.0.0")
		checkGoVersion(t, "api/ holding example.com/app/services/api", filepath.Join(dir, "api"), "")
		checkGoVersion(t, "other/ holding example.org/other", filepath.Join(dir, "other"), "")
	})
	t.Run("v2 module at the top", func(t *testing.T) {
		dir := repo(t)
		module(t, dir, "example.com/app/v2")
		run(t, dir, "git", "add", ".")
		run(t, dir, "git", "commit", "-q", "-m", "v2")
		run(t, dir, "git", "tag", "v1.9.0")
		checkGoVersion(t, "v1.9.0 only", dir, "v2.0.0-20260102030405-")
		run(t, dir, "git", "tag", "v2.1.0")
		checkGoVersion(t, "v2.1.0", dir, "v2.1.0")
	})
	t.Run("go.mod not committed", func(t *testing.T) {
		dir := repo(t)
		module(t, dir, "example.com/app")
		run(t, dir, "git", "add", "main.go")
		run(t, dir, "git", "commit", "-q", "-m", "no go.mod")
		checkGoVersion(t, "untagged", dir, "v0.0.0-20260102030405-")
		run(t, dir, "git", "tag", "v2.0.0")
		checkGoVersion(t, "v2.0.0", dir, "v2.0.0+incompatible.dirty")
	})
}
