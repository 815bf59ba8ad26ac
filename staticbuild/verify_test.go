package staticbuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestVerifyJudgesEveryBinary builds examples/netuser dynamically for the
// host and statically for two other platforms, one with a mistyped -X
// variable, and checks that Verify reports every problem of every binary.
func TestVerifyJudgesEveryBinary(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testmod.Root(t), "examples", "netuser", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	dir := testmod.New(t, "", "netuser", map[string]string{"main.go": string(src)}, "v1.0.0")
	t.Setenv(envPlatforms, "")
	var log bytes.Buffer
	cfg := Config{
		Dir:       dir,
		Log:       &log,
		Platforms: []string{"linux/amd64", "linux/arm64", "darwin/arm64"},
		Platform: map[string]PlatformConfig{
			"linux/amd64": {Cgo: CgoDynamic},
		},
	}
	if _, err := runCross(context.Background(), cfg); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	// The build refuses a misspelt -X variable before building, so the
	// manifest is made to say that one was stamped, as a binary built
	// elsewhere would.
	manifest := filepath.Join(dir, "dist", manifestName)
	list, err := artifact.Read(manifest)
	if err != nil {
		t.Fatal(err)
	}
	for i := range list {
		if list[i].Build != nil {
			list[i].Build.Stamped = map[string]string{"main.verison": "v9.9.9"}
		}
	}
	if err := artifact.Write(manifest, list); err != nil {
		t.Fatal(err)
	}
	run, err := runVerify(context.Background(), cfg)
	if err == nil {
		t.Fatalf("Verify passed:\n%s", log.String())
	}
	if len(run.Reports) != 3 {
		t.Errorf("got %d reports, want one per binary", len(run.Reports))
	}
	msg := err.Error()
	for _, want := range []string{"netuser_linux_amd64/netuser (linux/amd64)", "libc.so.6", "main.verison", "netuser_darwin_arm64/netuser (darwin/arm64)", "netuser_linux_arm64/netuser (linux/arm64)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(log.String(), "FAIL  netuser      linux/arm64") || !strings.Contains(log.String(), "FAIL  netuser      linux/amd64") {
		t.Errorf("log does not show a line per failing file:\n%s", log.String())
	}
}
