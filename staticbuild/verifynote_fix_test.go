package staticbuild

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
	"github.com/magestatic/magestatic/verify"
)

// TestVerifyNotesSystemLibraries checks that Verify's line for a darwin
// and a windows binary, which link dynamically, says that they load only
// the system's libraries, and that a static linux binary's says nothing
// more.
func TestVerifyNotesSystemLibraries(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Environ: testEnv(), Platforms: []string{"linux/amd64", "darwin/arm64", "windows/amd64"}}
	if _, err := runCross(context.Background(), cfg); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	log.Reset()
	if _, err := runVerify(context.Background(), cfg); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	want := []string{
		"  ok    app          linux/amd64      static     dist/app_linux_amd64/app\n",
		"  ok    app          darwin/arm64     dynamic    dist/app_darwin_arm64/app  (system libraries only: every darwin binary links libSystem)\n",
		"  ok    app          windows/amd64    dynamic    dist/app_windows_amd64/app.exe  (system libraries only: every windows binary imports kernel32.dll)\n",
	}
	for _, w := range want {
		if !strings.Contains(log.String(), w) {
			t.Errorf("the log has no line\n%q\nin\n%s", w, log.String())
		}
	}
}

// TestSystemNote checks the note for every kind of dynamic binary Verify
// passes, and that a static one has none.
func TestSystemNote(t *testing.T) {
	for _, tc := range []struct{ goos, linkage, want string }{
		{"linux", "static", ""},
		{"linux", "static-pie", ""},
		{"linux", "dynamic", ""},
		{"darwin", "dynamic", "  (system libraries only: every darwin binary links libSystem)"},
		{"ios", "dynamic", "  (system libraries only: every ios binary links libSystem)"},
		{"windows", "dynamic", "  (system libraries only: every windows binary imports kernel32.dll)"},
		{"openbsd", "dynamic", "  (system libraries only: openbsd has no static binaries)"},
	} {
		if got := systemNote(&verify.Report{GOOS: tc.goos, Linkage: tc.linkage}); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.goos, tc.linkage, got, tc.want)
		}
	}
}
