package gobuild

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/platform"
)

func host() platform.Platform { return platform.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH} }

func TestLdflagValuesSurvive(t *testing.T) {
	dir := t.TempDir()
	for i, v := range []string{
		"plain",
		"with spaces  and\ttabs",
		`it's "quoted" without spaces? no: it's`,
		`say "hi" there`,
		"key=value=more",
		"ünïcødé ✓ 版本",
		`'leading quote`,
	} {
		if strings.ContainsAny(v, " \t") && strings.Contains(v, "'") && strings.Contains(v, `"`) {
			if _, err := JoinLdflags([]string{"-X", "main.value=" + v}); err == nil {
				t.Errorf("JoinLdflags accepted %q, which the go command cannot split back", v)
			}
			continue
		}
		out := filepath.Join(dir, "bin"+strconv.Itoa(i))
		j := Job{Dir: "testdata/printvar", Package: ".", Output: out, Platform: host(),
			Ldflags: []string{"-s", "-w", "-X", "main.value=" + v}}
		if _, err := j.Run(context.Background()); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		got, err := exec.Command(out).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := strconv.Quote(v) + "\n"; string(got) != want {
			t.Errorf("value %q came out as %s", v, got)
		}
	}
}

func TestFailedBuildLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sub", "broken")
	p := platform.Platform{OS: "linux", Arch: "arm64"}
	_, err := Job{Dir: "testdata/broken", Package: ".", Output: out, Platform: p}.Run(context.Background())
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *Error", err)
	}
	for _, want := range []string{"linux/arm64", "undefinedFunction"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("failed build left %v", entries)
	}
}

func TestEnvironIgnoresAmbient(t *testing.T) {
	j := Job{Platform: platform.Platform{OS: "linux", Arch: "amd64"}}
	env := j.Environ([]string{"GOFLAGS=-race", "GOAMD64=v4", "GOOS=plan9", "CGO_ENABLED=1", "HOME=/h"})
	got := strings.Join(env, " ")
	want := "HOME=/h GOFLAGS=-trimpath GOOS=linux GOARCH=amd64 GOAMD64=v1 CGO_ENABLED=0"
	if got != want {
		t.Errorf("Environ = %q, want %q", got, want)
	}
}

func TestMissingGo(t *testing.T) {
	j := Job{Go: "/nonexistent/go", Dir: "testdata/printvar", Package: ".", Output: filepath.Join(t.TempDir(), "x"), Platform: host()}
	_, err := j.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not on PATH") {
		t.Errorf("err = %v", err)
	}
}
