package bench

import (
	"slices"
	"strings"
	"testing"
)

func TestParsePlatforms(t *testing.T) {
	pls, err := ParsePlatforms([]string{"linux/amd64", "linux/arm/7", "windows/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Platform{{"linux", "amd64", ""}, {"linux", "arm", "7"}, {"windows", "arm64", ""}}
	if !slices.Equal(pls, want) {
		t.Errorf("got %v, want %v", pls, want)
	}
	if got := pls[1].Suffix() + " " + pls[1].String() + " " + pls[2].Ext(); got != "linux_arm_7 linux/arm/7 .exe" {
		t.Errorf("suffix, string, ext: %q", got)
	}
	if got := strings.Join(pls[0].Env(), " "); got != "GOOS=linux GOARCH=amd64 GOAMD64=v1" {
		t.Errorf("env of linux/amd64: %q", got)
	}
	for _, bad := range [][]string{{"linux"}, {"linux/amd64/v9"}, {"linux/wasm/x"}, {"linux/amd64", " linux/amd64"}} {
		if _, err := ParsePlatforms(bad); err == nil {
			t.Errorf("ParsePlatforms(%q) gave no error", bad)
		}
	}
	if _, err := ParsePlatforms(Matrix); err != nil {
		t.Errorf("the matrix: %v", err)
	}
}

func TestLoopCommand(t *testing.T) {
	pl := Platform{"linux", "arm", ""}
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
