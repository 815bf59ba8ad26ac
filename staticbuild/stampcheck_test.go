package staticbuild

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestStampCheckedBeforeBuilding names in Config.Stamp a misspelt
// variable, a constant and an int: the linker would ignore all three
// without a word. The build must refuse them before building anything,
// naming each with its fix.
func TestStampCheckedBeforeBuilding(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"go.mod": "module example.com/app\n\ngo 1.22\n",
		"main.go": `package main

import "fmt"

var version string

const built = "never"

var count int

func main() { fmt.Println(version, built, count) }
`,
	}
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	cfg := Config{Dir: dir, Log: io.Discard, Environ: testEnv(envPlatforms + "=linux/amd64"),
		Stamp: Stamp{Version: []string{"main.verison", "main.built"}, Commit: []string{"main.count"}}}
	_, err := runCross(context.Background(), cfg)
	if err == nil {
		t.Fatal("the build succeeded")
	}
	for _, want := range []string{
		"-X variables the linker would ignore",
		"main.verison: no package-level variable verison in package main",
		"did you mean version?",
		"main.built is a const",
		"main.count is an int, not a string",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "app_linux_amd64", "app")); err == nil {
		t.Error("a binary was built")
	}

	cfg.Stamp = Stamp{Version: []string{"main.version"}}
	if _, err := runCross(context.Background(), cfg); err != nil {
		t.Fatalf("a settable variable: %v", err)
	}
}
