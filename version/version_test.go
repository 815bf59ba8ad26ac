package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestMerge(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "example.com/app", Version: "v0.9.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	// Nothing stamped: everything from the build information.
	i := merge("", "", "", bi)
	if i.Version != "v0.9.0" || i.Commit != "0123456789abcdef0123456789abcdef01234567" || i.BuildTime != "2026-01-02T03:04:05Z" || !i.Modified || i.Module != "example.com/app" || i.GoVersion != "go1.26.8" {
		t.Errorf("from build info: %+v", i)
	}
	// Stamped values win.
	i = merge("v1.2.3", "fedcba", "2026-05-06T07:08:09Z", bi)
	if i.Version != "v1.2.3" || i.Commit != "fedcba" || i.BuildTime != "2026-05-06T07:08:09Z" {
		t.Errorf("stamped: %+v", i)
	}
	// Nothing known at all.
	i = merge("", "", "", nil)
	if i.Version != "dev" || i.Commit != "" {
		t.Errorf("bare: %+v", i)
	}
	// A development build's "(devel)" is not a version.
	i = merge("", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	if i.Version != "dev" {
		t.Errorf("(devel): %+v", i)
	}
}

func TestForms(t *testing.T) {
	i := Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", BuildTime: "2026-01-02T03:04:05Z", Modified: true, GoVersion: "go1.26.8", Platform: "linux/amd64", Module: "example.com/app"}
	if got, want := i.String(), "v1.2.3 (commit 0123456789ab+modified, built 2026-01-02T03:04:05Z, go1.26.8 linux/amd64)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	long := i.Long()
	for _, line := range []string{"version:   v1.2.3", "commit:    0123456789abcdef0123", "modified:  true", "built:     2026-01-02T03:04:05Z", "module:    example.com/app", "go:        go1.26.8", "platform:  linux/amd64"} {
		if !strings.Contains(long, line+"\n") && !strings.HasSuffix(long, line) {
			t.Errorf("Long lacks %q:\n%s", line, long)
		}
	}
	if got := (Info{Version: "dev", GoVersion: "go1.26.8", Platform: "linux/amd64"}).String(); got != "dev (go1.26.8 linux/amd64)" {
		t.Errorf("bare String = %q", got)
	}
	if Get().Version == "" {
		t.Error("Get returned no version")
	}
}
