package xvar

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// module writes a module of the given files (path -> content) to a
// temporary directory and returns it.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/app\n\ngo 1.22\n"
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// env is the environment of the go list runs: the module is on its own.
func env(extra ...string) []string {
	return append(os.Environ(), append([]string{"GOWORK=off", "GOFLAGS=-mod=mod", "GOOS=linux", "GOARCH=amd64"}, extra...)...)
}

const tool = `package main

import (
	"fmt"

	"example.com/app/internal/ver"
)

var version string

var commit = "none"

const built = "today"

var count int

var ratio = 1.5

var defaulted = defaultVersion()

var converted = string("x")

var a, b = pair()

var (
	grouped string
	linked  = "v" + "1"
)

func defaultVersion() string { return "dev" }

func pair() (string, string) { return "", "" }

func main() {
	fmt.Println(version, commit, built, count, ratio, defaulted, converted, a, b, grouped, linked, ver.Version)
}
`

const verPkg = `// Package ver holds the version.
package ver

// Version is set with -X.
var Version string

// Const cannot be.
const Const = "x"
`

func TestCheck(t *testing.T) {
	dir := module(t, map[string]string{
		"cmd/tool/main.go":          tool,
		"cmd/tool/extra_windows.go": "package main\n\nvar winOnly string\n",
		"internal/ver/ver.go":       verPkg,
		"internal/other/other.go":   "package other\n\nvar Version string\n",
	})
	ctx := context.Background()
	good := []string{"main.version", "main.commit", "main.converted", "main.grouped", "main.linked", "example.com/app/internal/ver.Version=v1.2.3"}
	if err := Check(ctx, "", env(), dir, "./cmd/tool", good); err != nil {
		t.Errorf("Check of good variables: %v", err)
	}
	for _, tc := range []struct {
		v, want string
	}{
		{"main.verison", "main.verison: no package-level variable verison in package main (./cmd/tool): did you mean version?"},
		{"main.nothing", "main.nothing: no package-level variable nothing in package main (./cmd/tool): declare it (var nothing string), or check the name"},
		{"main.built", "cmd/tool/main.go:13: main.built is a const: -X sets only variables: make it var built string"},
		{"main.count", "cmd/tool/main.go:15: main.count is an int, not a string: -X sets only variables of type string"},
		{"main.ratio", "cmd/tool/main.go:17: main.ratio = 1.5 is a float64, not a string: -X sets only variables of type string"},
		{"main.defaulted", "cmd/tool/main.go:19: main.defaulted = defaultVersion() is initialised by a function call, so -X does not take: the call runs when the program starts and overwrites the value; initialise it with a constant or leave it empty"},
		{"main.a", "cmd/tool/main.go:23: main.a = pair() is initialised by a function call, so -X does not take"},
		{"main.winOnly", "main.winOnly: no package-level variable winOnly in package main (./cmd/tool): it is declared in extra_windows.go, which this build leaves out (build constraints or file name): declare it in a file of every platform"},
		{"example.com/app/internal/ver.Const", "internal/ver/ver.go:8: example.com/app/internal/ver.Const is a const: -X sets only variables: make it var Const string"},
		{"example.com/app/internal/ver.Verison", "example.com/app/internal/ver.Verison: no package-level variable Verison in package example.com/app/internal/ver: did you mean Version?"},
		{"example.com/app/internal/other.Version", "example.com/app/internal/other.Version: package example.com/app/internal/other is not part of the build of ./cmd/tool, so the linker ignores -X for it: did you mean example.com/app/internal/ver?"},
		{"example.com/app/cmd/tool.version", "example.com/app/cmd/tool.version: the linker names the main package's variables main.version, not by its import path: write -X main.version=..."},
		{"version", "version: -X needs importpath.name, such as main.version"},
	} {
		err := Check(ctx, "", env(), dir, "./cmd/tool", []string{tc.v})
		var e *Error
		if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.v, err, tc.want)
		}
	}
	// One error per bad variable, none for the good ones.
	err := Check(ctx, "", env(), dir, "./cmd/tool", append(good, "main.verison", "main.built"))
	if len(errlist.Of(err)) != 2 {
		t.Errorf("two bad variables: got %v", err)
	}
	// The platform decides the files: on windows winOnly exists.
	if err := Check(ctx, "", env("GOOS=windows"), dir, "./cmd/tool", []string{"main.winOnly"}); err != nil {
		t.Errorf("windows build: %v", err)
	}
}

func TestCheckFailures(t *testing.T) {
	dir := module(t, map[string]string{
		"cmd/tool/main.go": "package main\n\nfunc main() {}\n",
		"lib/lib.go":       "package lib\n",
		"broken/main.go":   "package main\n\nvar x = \n",
	})
	ctx := context.Background()
	for _, tc := range []struct{ pkg, want string }{
		{"./lib", "./lib is package lib, not a main package"},
		{"./missing", "checking -X variables: package ./missing:"},
		{"./broken", "checking -X variables: "},
	} {
		err := Check(ctx, "", env(), dir, tc.pkg, []string{"main.version"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.pkg, err, tc.want)
		}
	}
	if err := Check(ctx, filepath.Join(t.TempDir(), "no-go"), env(), dir, "./cmd/tool", []string{"main.version"}); err == nil {
		t.Error("a missing go command: no error")
	}
	if err := Check(ctx, "", env(), dir, "./cmd/tool", nil); err != nil {
		t.Errorf("no variables: %v", err)
	}
}
