package bench

import (
	"strings"
	"testing"

	"github.com/magestatic/magestatic/internal/platform"
)

func TestLoopCommand(t *testing.T) {
	pl := platform.Platform{OS: "linux", Arch: "arm"}
	args, env, err := loopCommand("./cmd/app", "out/app", pl, []string{"-s", "-w", "-X", "main.version=v1.2.3"},
		[]string{"HOME=/h", "GOFLAGS=-mod=mod", "GOARM=5", "GOOS=plan9"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(args, " "); got != "build -o out/app -trimpath -buildvcs=true -tags= -ldflags=-s -w -X main.version=v1.2.3 ./cmd/app" {
		t.Errorf("args: %q", got)
	}
	if got := strings.Join(env, " "); got != "HOME=/h GOFLAGS=-trimpath GIT_OPTIONAL_LOCKS=0 GOOS=linux GOARCH=arm GOARM=7 CGO_ENABLED=0" {
		t.Errorf("env: %q", got)
	}
	if _, _, err := loopCommand("./cmd/app", "out/app", pl, []string{"-X", "main.v=a b"}, nil); err == nil {
		t.Error("a linker argument with a space gave no error")
	}
}
