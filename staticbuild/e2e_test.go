package staticbuild_test

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// mage runs "go tool mage args..." in dir with the caller's environment
// (which may set GOFLAGS=-buildvcs=false) plus env, and returns the
// combined output and the exit code.
func mage(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "mage"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("go tool mage %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// header reads the OS and architecture a binary's header declares.
func header(t *testing.T, path string) string {
	t.Helper()
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		return map[elf.Machine]string{elf.EM_X86_64: "elf/amd64", elf.EM_AARCH64: "elf/arm64"}[f.Machine]
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		return map[macho.Cpu]string{macho.CpuAmd64: "macho/amd64", macho.CpuArm64: "macho/arm64"}[f.Cpu]
	}
	if f, err := pe.Open(path); err == nil {
		defer f.Close()
		return map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "pe/amd64", pe.IMAGE_FILE_MACHINE_ARM64: "pe/arm64"}[f.Machine]
	}
	t.Fatalf("%s is not ELF, Mach-O or PE", path)
	return ""
}

func TestCrossThroughMage(t *testing.T) {
	dir := testmod.New(t, "", "app", map[string]string{
		"main.go":      testmod.Hello,
		"magefile.go":  testmod.Magefile,
		"sub/other.go": "package sub\n",
	}, "v1.2.3")
	commit := strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD"))

	out, code := mage(t, dir, []string{"GOFLAGS=-buildvcs=false"}, "cross")
	if code != 0 {
		t.Fatalf("mage cross exited %d:\n%s", code, out)
	}
	want := map[string]string{
		"app_linux_amd64/app":       "elf/amd64",
		"app_linux_arm64/app":       "elf/arm64",
		"app_darwin_amd64/app":      "macho/amd64",
		"app_darwin_arm64/app":      "macho/arm64",
		"app_windows_amd64/app.exe": "pe/amd64",
		"app_windows_arm64/app.exe": "pe/arm64",
	}
	for rel, hdr := range want {
		p := filepath.Join(dir, "dist", filepath.FromSlash(rel))
		if got := header(t, p); got != hdr {
			t.Errorf("%s: header says %q, want %q", rel, got, hdr)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"v1.2.3", commit, testmod.Time} {
			if !bytes.Contains(data, []byte(s)) {
				t.Errorf("%s does not contain the stamped %q", rel, s)
			}
		}
	}
	list, err := artifact.Read(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(want) {
		t.Errorf("artifacts.json lists %d binaries, want %d", len(list), len(want))
	}
	for _, a := range list {
		if _, ok := want[a.Path]; !ok || a.Version != "v1.2.3" || a.Commit != commit || len(a.SHA256) != 64 {
			t.Errorf("unexpected artifact %+v", a)
		}
	}

	host := filepath.Join(dir, "dist", "app_"+runtime.GOOS+"_"+runtime.GOARCH, "app")
	v, err := exec.Command(host, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"version:   v1.2.3", "commit:    " + commit, "built:     " + testmod.Time} {
		if !strings.Contains(string(v), s) {
			t.Errorf("--version printed\n%s\nwant a line %q", v, s)
		}
	}
	if strings.Contains(string(v), "modified") {
		t.Errorf("the build recorded a modified tree (dist/ must not dirty it):\n%s", v)
	}
	if st := testmod.Git(t, dir, "status", "--porcelain"); st != "" {
		t.Errorf("git status after cross:\n%s", st)
	}
}

func TestCrossReportsFailedPlatform(t *testing.T) {
	dir := testmod.New(t, "", "broken", map[string]string{
		"main.go":           testmod.Hello,
		"magefile.go":       testmod.Magefile,
		"broken_windows.go": "//go:build windows\n\npackage main\n\nvar _ int = \"not an int\"\n",
	}, "v0.1.0")
	out, code := mage(t, dir, []string{"MAGESTATIC_PLATFORMS=linux/amd64,windows/amd64,darwin/arm64"}, "cross")
	if code == 0 {
		t.Fatalf("mage cross succeeded with a broken windows file:\n%s", out)
	}
	for _, s := range []string{"1 of 3 platforms failed", "windows/amd64", "broken_windows.go"} {
		if !strings.Contains(out, s) {
			t.Errorf("output does not contain %q:\n%s", s, out)
		}
	}
	for _, rel := range []string{"broken_linux_amd64/broken", "broken_darwin_arm64/broken"} {
		if _, err := os.Stat(filepath.Join(dir, "dist", rel)); err != nil {
			t.Errorf("the good platform's binary is missing: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "broken_windows_amd64", "broken.exe")); err == nil {
		t.Error("the failed platform left a binary")
	}
}

func TestCrossIsReproducibleAcrossDirectories(t *testing.T) {
	files := map[string]string{"main.go": testmod.Hello, "magefile.go": testmod.Magefile}
	a := testmod.New(t, "", "same", files, "v2.0.0")
	b := testmod.New(t, filepath.Join(t.TempDir(), "else where"), "same", files, "v2.0.0")
	env := []string{"MAGESTATIC_PLATFORMS=linux/amd64,darwin/arm64,windows/amd64"}
	for _, dir := range []string{a, b} {
		if out, code := mage(t, dir, env, "cross"); code != 0 {
			t.Fatalf("mage cross in %s exited %d:\n%s", dir, code, out)
		}
	}
	la, _ := os.ReadFile(filepath.Join(a, "dist", "artifacts.json"))
	lb, _ := os.ReadFile(filepath.Join(b, "dist", "artifacts.json"))
	var sa, sb artifact.List
	json.Unmarshal(la, &sa)
	json.Unmarshal(lb, &sb)
	if len(sa) != 3 || len(sb) != 3 {
		t.Fatalf("got %d and %d binaries", len(sa), len(sb))
	}
	for i := range sa {
		da, _ := os.ReadFile(filepath.Join(a, "dist", sa[i].Path))
		db, _ := os.ReadFile(filepath.Join(b, "dist", sb[i].Path))
		if !bytes.Equal(da, db) || sa[i].SHA256 != sb[i].SHA256 {
			t.Errorf("%s differs between the two directories", sa[i].Path)
		}
	}
}
