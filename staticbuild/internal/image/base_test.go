package image

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCheckBase checks a layout base before any build: one that does not
// exist, a file that is not a layout, one without the wanted platform and
// a good one. TestPush checks registry bases.
func TestCheckBase(t *testing.T) {
	ctx := context.Background()
	missing := filepath.Join(t.TempDir(), "nope")
	err := CheckBase(ctx, "oci-layout:"+missing, nil, []Platform{amd64})
	if err == nil || !strings.Contains(err.Error(), missing+" does not exist: write an OCI image layout there") {
		t.Errorf("CheckBase of a missing layout: %v", err)
	}
	empty := t.TempDir()
	if err := CheckBase(ctx, "oci-layout:"+empty, nil, []Platform{amd64}); err == nil || !strings.Contains(err.Error(), empty+" is not an OCI image layout") {
		t.Errorf("CheckBase of an empty directory: %v", err)
	}

	helper := Binary{Platform: amd64, Source: appBinary(t, amd64).Source, Path: "/bin/helper"}
	_, dir := buildLayout(t, Config{Base: BaseScratch, Time: testTime}, []Binary{helper})
	err = CheckBase(ctx, "oci-layout:"+dir, nil, []Platform{arm64})
	if err == nil || !strings.Contains(err.Error(), "it has linux/amd64, none of the release's platforms linux/arm64") {
		t.Errorf("CheckBase of an amd64 layout for arm64: %v", err)
	}
	for _, base := range []string{"oci-layout:" + dir, BaseBuiltin, BaseScratch} {
		if err := CheckBase(ctx, base, nil, []Platform{amd64, arm64}); err != nil {
			t.Errorf("CheckBase(%q): %v", base, err)
		}
	}
	if err := CheckBase(ctx, "127.0.0.1:1/base:latest", nil, []Platform{amd64}); err == nil || !strings.Contains(err.Error(), "names a tag, which can move") {
		t.Errorf("CheckBase of a tag: %v", err)
	}
}

// TestGoCommand checks that the built-in base asks Config.Go, run with
// Config.Environ, for GOROOT.
func TestGoCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in go command is a shell script")
	}
	fakeGo := filepath.Join(t.TempDir(), "go")
	if err := os.WriteFile(fakeGo, []byte("#!/bin/sh\necho \"$FAKE_GOROOT\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	fakeRoot := filepath.Join(t.TempDir(), "goroot")
	cfg := testConfig(t)
	cfg.GOROOT, cfg.Go, cfg.Environ = "", fakeGo, []string{"FAKE_GOROOT=" + fakeRoot}
	_, err := Build(context.Background(), cfg, []Binary{appBinary(t, amd64)})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(fakeRoot, "lib", "time", "zoneinfo.zip")) {
		t.Errorf("Build with Config.Go printing %s: %v", fakeRoot, err)
	}
	cfg.Go = filepath.Join(t.TempDir(), "nogo")
	if _, err := Build(context.Background(), cfg, []Binary{appBinary(t, amd64)}); err == nil || !strings.Contains(err.Error(), cfg.Go+" env GOROOT") {
		t.Errorf("Build with a missing Config.Go: %v", err)
	}
}
