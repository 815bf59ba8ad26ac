package xvar

import (
	"context"
	"slices"
	"testing"
)

// TestImportDirAgreesWithGoList reads a main package whose files depend
// on the platform, cgo and tags both ways: go/build's files are go list's.
func TestImportDirAgreesWithGoList(t *testing.T) {
	dir := module(t, map[string]string{
		"cmd/tool/main.go":          "package main\n\nfunc main() {}\n",
		"cmd/tool/extra_windows.go": "package main\n\nvar winOnly string\n",
		"cmd/tool/arm64.go":         "//go:build arm64\n\npackage main\n",
		"cmd/tool/lite.go":          "//go:build lite && !windows\n\npackage main\n",
		"cmd/tool/c.go":             "package main\n\nimport \"C\"\n",
		"cmd/tool/ignored.go":       "//go:build ignore\n\npackage main\n",
	})
	for _, vars := range [][]string{
		{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0"},
		{"GOOS=windows", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod -tags=lite"},
		{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=1", "GOFLAGS=-mod=mod -tags=lite"},
		{"GOOS=darwin", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod -tags=lite,other"},
	} {
		e := env(vars...)
		got := importDir(e, dir, "./cmd/tool")
		if got == nil {
			t.Fatalf("%v: importDir read nothing", vars)
		}
		pkgs, err := list(context.Background(), "go", e, dir, "./cmd/tool")
		if err != nil {
			t.Fatal(err)
		}
		want := pkgs[len(pkgs)-1]
		for _, f := range []struct {
			name      string
			got, want []string
		}{{"GoFiles", got.GoFiles, want.GoFiles}, {"CgoFiles", got.CgoFiles, want.CgoFiles}, {"IgnoredGoFiles", got.IgnoredGoFiles, want.IgnoredGoFiles}} {
			if !slices.Equal(f.got, f.want) {
				t.Errorf("%v: %s %q, go list says %q", vars, f.name, f.got, f.want)
			}
		}
	}
	if importDir(env(), dir, "example.com/app/cmd/tool") != nil {
		t.Errorf("an import path was read as a directory")
	}
}
