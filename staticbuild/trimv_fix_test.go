package staticbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// trimVMain prints the version it was stamped with after its own "v", and
// the version package's.
const trimVMain = `package main

import (
	"fmt"

	"github.com/magestatic/magestatic/version"
)

var ver = "unset"

func main() {
	fmt.Println("app v" + ver)
	fmt.Println(version.Get().Version)
}
`

// TestStampTrimV builds a program whose Stamp sets TrimV on the host and
// checks that it prints 3.54.0, not v3.54.0, while the version package
// keeps v3.54.0, and that Verify finds the value it stamped.
func TestStampTrimV(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": trimVMain}, "v3.54.0")
	host := runtime.GOOS + "/" + runtime.GOARCH
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Environ: testEnv(), Platforms: []string{host},
		Stamp: Stamp{Version: []string{"main.ver"}, TrimV: true}}
	r, err := runBuild(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	bins := r.Artifacts.Of("binary")
	if len(bins) != 1 {
		t.Fatalf("built %d binaries, want 1", len(bins))
	}
	out, err := exec.Command(filepath.Join(dir, "dist", filepath.FromSlash(bins[0].Path))).CombinedOutput()
	if err != nil {
		t.Fatalf("running the binary: %v\n%s", err, out)
	}
	if want := "app v3.54.0\nv3.54.0\n"; string(out) != want {
		t.Errorf("the binary printed\n%s\nwant\n%s", out, want)
	}
	if got := bins[0].Build.Stamped["main.ver"]; got != "3.54.0" {
		t.Errorf("the artifact records main.ver=%q, want 3.54.0", got)
	}
	if _, err := runVerify(context.Background(), cfg); err != nil {
		t.Errorf("verify: %v\n%s", err, log.String())
	}
}

// TestStampedVarsTrimV checks the -X values with and without TrimV, set
// in the project's Stamp or the binary's, for versions with and without
// a leading v followed by a digit; and that a Stamp without TrimV
// marshals as before, so that the release key of a configuration that
// does not set it stays the same.
func TestStampedVarsTrimV(t *testing.T) {
	data, err := json.Marshal(Stamp{Version: []string{"main.ver"}})
	if want := `{"Version":["main.ver"],"Commit":null,"Time":null}`; err != nil || string(data) != want {
		t.Errorf("Stamp marshals as %s (%v), want %s", data, err, want)
	}
	for _, tc := range []struct {
		version          string
		project, binary  bool
		wantMain, wantVP string
	}{
		{"v3.54.0", false, false, "v3.54.0", "v3.54.0"},
		{"v3.54.0", true, false, "3.54.0", "v3.54.0"},
		{"v3.54.0", false, true, "3.54.0", "v3.54.0"},
		{"v1.2.3-4-g0123456789ab-dirty", true, false, "1.2.3-4-g0123456789ab-dirty", "v1.2.3-4-g0123456789ab-dirty"},
		{"dev", true, false, "dev", "dev"},
		{"vnext", true, false, "vnext", "vnext"},
	} {
		tg := &target{Binary: Binary{Stamp: Stamp{TrimV: tc.binary}}, stampsVer: true}
		s := settings{Stamp: Stamp{Version: []string{"main.ver"}, TrimV: tc.project}}
		m := stampedVars(tg, s, stamp.Stamp{Version: tc.version})
		if m["main.ver"] != tc.wantMain || m[versionPackage+".Version"] != tc.wantVP {
			t.Errorf("%s, TrimV %v/%v: main.ver=%q version.Version=%q, want %q and %q",
				tc.version, tc.project, tc.binary, m["main.ver"], m[versionPackage+".Version"], tc.wantMain, tc.wantVP)
		}
	}
}
