package ghactions

import (
	"path/filepath"
	"testing"
)

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_STEP_SUMMARY": "/run/summary",
		"GITHUB_OUTPUT":       "/run/output",
		"GITHUB_WORKSPACE":    "/work/repo",
	}
	got := FromEnv(func(k string) string { return env[k] })
	want := Env{Actions: true, StepSummary: "/run/summary", Output: "/run/output", Workspace: "/work/repo"}
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
	ws := filepath.FromSlash("/work/repo")
	for _, tc := range []struct{ path, want string }{
		{"/work/repo/cmd/app/main.go", "cmd/app/main.go"},
		{"/work/repo", "."},
		{"/work", "/work"},
		{"/work/repository/main.go", "/work/repository/main.go"},
		{"/work/other/main.go", "/work/other/main.go"},
		{"/work/repo/../repo2/x.go", "/work/repo/../repo2/x.go"},
		{"cmd/app/main.go", "cmd/app/main.go"},
		{"..data/x.go", "..data/x.go"},
	} {
		path := filepath.FromSlash(tc.path)
		if got := RepoPath(ws, path); got != tc.want {
			t.Errorf("RepoPath(%q, %q) = %q, want %q", ws, path, got, tc.want)
		}
	}
	if got := RepoPath("", filepath.FromSlash("/work/repo/a.go")); got != "/work/repo/a.go" {
		t.Errorf("no workspace: got %q", got)
	}
}
