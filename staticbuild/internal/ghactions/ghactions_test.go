package ghactions

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_STEP_SUMMARY": "/run/summary",
		"GITHUB_OUTPUT":       "/run/output",
		"GITHUB_WORKSPACE":    "/home/ci/repo",
	}
	got := FromEnv(func(k string) string { return env[k] })
	want := Env{Actions: true, StepSummary: "/run/summary", Output: "/run/output", Workspace: "/home/ci/repo"}
	if got != want {
		t.Errorf("FromEnv = %+v, want %+v", got, want)
	}
	for _, v := range []string{"", "1", "TRUE", "false"} {
		if FromEnv(func(k string) string {
			if k == "GITHUB_ACTIONS" {
				return v
			}
			return ""
		}).Actions {
			t.Errorf("GITHUB_ACTIONS=%q taken as running in GitHub Actions", v)
		}
	}
}

func TestRepoPath(t *testing.T) {
	// abs makes a slash path absolute on this system: on Windows, on C:.
	abs := func(p string) string {
		if runtime.GOOS == "windows" && strings.HasPrefix(p, "/") {
			return "C:" + p
		}
		return p
	}
	ws := filepath.FromSlash(abs("/home/ci/repo"))
	for _, tc := range []struct{ path, want string }{
		{"/home/ci/repo/cmd/app/main.go", "cmd/app/main.go"},
		{"/home/ci/repo", "."},
		{"/work", "/work"},
		{"/home/ci/repository/main.go", "/home/ci/repository/main.go"},
		{"/home/ci/other/main.go", "/home/ci/other/main.go"},
		{"/home/ci/repo/../repo2/x.go", "/home/ci/repo/../repo2/x.go"},
		{"cmd/app/main.go", "cmd/app/main.go"},
		{"..data/x.go", "..data/x.go"},
	} {
		path := filepath.FromSlash(abs(tc.path))
		if got := RepoPath(ws, path); got != abs(tc.want) {
			t.Errorf("RepoPath(%q, %q) = %q, want %q", ws, path, got, tc.want)
		}
	}
	if got := RepoPath("", filepath.FromSlash(abs("/home/ci/repo/a.go"))); got != abs("/home/ci/repo/a.go") {
		t.Errorf("no workspace: got %q", got)
	}
}
