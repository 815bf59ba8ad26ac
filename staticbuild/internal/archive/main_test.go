package archive

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// buildTime is the release time the tests archive with.
var buildTime = time.Date(2024, 5, 1, 12, 34, 56, 0, time.UTC)

// helperEnv, when set in the environment, makes the test binary write one
// archive described by the JSON in the variable and exit, so that a test
// can write an archive from a process with another TZ.
const helperEnv = "ARCHIVE_TEST_HELPER"

type helperJob struct {
	Dst   string
	Files []File
	Opts  Options
}

func TestMain(m *testing.M) {
	if job := os.Getenv(helperEnv); job != "" {
		os.Exit(runHelper(job))
	}
	code := m.Run()
	if testBinDir != "" {
		os.RemoveAll(testBinDir)
	}
	os.Exit(code)
}

func runHelper(job string) int {
	var j helperJob
	if err := json.Unmarshal([]byte(job), &j); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := Write(j.Dst, j.Files, j.Opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// writeInProcessWithTZ writes the archive from a child process whose TZ
// environment variable is tz.
func writeInProcessWithTZ(t *testing.T, tz, dst string, files []File, o Options) {
	t.Helper()
	job, err := json.Marshal(helperJob{Dst: dst, Files: files, Opts: o})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(job), "TZ="+tz)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper process with TZ=%s: %v\n%s", tz, err, out)
	}
}

var (
	testBinOnce sync.Once
	testBinDir  string
	testBinPath string
	testBinErr  error
)

// testBinary returns the path of a small Go program built once for the
// whole test run with the real toolchain.
func testBinary(t testing.TB) string {
	t.Helper()
	testBinOnce.Do(func() {
		testBinDir, testBinErr = os.MkdirTemp("", "archive-test-")
		if testBinErr != nil {
			return
		}
		testBinPath, testBinErr = buildGo(testBinDir, "hello", `package main

import "fmt"

func main() { fmt.Println("hello from a release archive") }
`)
	})
	if testBinErr != nil {
		t.Fatalf("build test binary: %v", testBinErr)
	}
	return testBinPath
}

// buildGo builds the single-file main package src as a module in dir and
// returns the executable's path.
func buildGo(dir, name, src string) (string, error) {
	mod := filepath.Join(dir, name+"-src")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/"+name+"\n\ngo 1.24\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(mod, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	exe := filepath.Join(dir, name)
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", exe, ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return exe, nil
}
