package verify

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// release is how magestatic builds a release: stripped and path-free.
var release = []string{"-trimpath", "-ldflags=-s -w"}

func TestPureGoPasses(t *testing.T) {
	for _, tc := range []struct {
		goos, goarch string
		format       string
		linkage      string
		libs         []string
		interp       string
	}{
		{"linux", "amd64", "elf", "static", nil, ""},
		{"linux", "arm64", "elf", "static", nil, ""},
		{"freebsd", "amd64", "elf", "static", nil, ""},
		{"darwin", "arm64", "macho", "dynamic", []string{"/usr/lib/libSystem.B.dylib", "/usr/lib/libresolv.9.dylib"}, "/usr/lib/dyld"},
		{"darwin", "amd64", "macho", "dynamic", []string{"/usr/lib/libSystem.B.dylib", "/usr/lib/libresolv.9.dylib"}, "/usr/lib/dyld"},
		{"windows", "amd64", "pe", "dynamic", []string{"kernel32.dll"}, ""},
		// No static option: exactly what a pure-Go binary needs.
		{"openbsd", "amd64", "elf", "dynamic", []string{"libc.so", "libpthread.so"}, "/usr/libexec/ld.so"},
		{"illumos", "amd64", "elf", "dynamic", []string{"libsendfile.so", "libsocket.so", "libc.so"}, "/lib/amd64/ld.so.1"},
		{"android", "arm64", "elf", "dynamic", []string{}, "/system/bin/linker64"},
	} {
		t.Run(tc.goos+"_"+tc.goarch, func(t *testing.T) {
			if testing.Short() && !shortPlatform(tc.goos, tc.goarch) {
				t.Skip("slow: runs in the full suite")
			}
			path := goBuild(t, build{pkg: helloPkg, goos: tc.goos, goarch: tc.goarch, flags: release})
			r := check(t, path, Policy{GOOS: tc.goos, GOARCH: tc.goarch})
			wantOK(t, r)
			if r.Format != tc.format || r.GOOS != tc.goos || r.GOARCH != tc.goarch || r.Linkage != tc.linkage || r.Interpreter != tc.interp {
				t.Errorf("got %s %s/%s %s interpreter %q, want %s %s/%s %s interpreter %q",
					r.Format, r.GOOS, r.GOARCH, r.Linkage, r.Interpreter, tc.format, tc.goos, tc.goarch, tc.linkage, tc.interp)
			}
			if tc.libs == nil {
				tc.libs = []string{}
			}
			if !reflect.DeepEqual(r.Libraries, tc.libs) {
				t.Errorf("libraries %q, want %q", r.Libraries, tc.libs)
			}
			// The zero policy takes the platform from the file.
			wantOK(t, check(t, path, Policy{}))
		})
	}
}

func TestDarwinFrameworksPass(t *testing.T) {
	// crypto/x509 makes a pure-Go darwin binary load CoreFoundation and
	// Security, which every Mac has.
	path := goBuild(t, build{pkg: "./testdata/x509", goos: "darwin", goarch: "arm64", flags: release})
	r := check(t, path, Policy{GOOS: "darwin", GOARCH: "arm64"})
	wantOK(t, r)
	if len(r.Libraries) != 4 {
		t.Errorf("libraries %q, want libSystem, libresolv, CoreFoundation and Security", r.Libraries)
	}
}

func TestPlatformMismatch(t *testing.T) {
	darwin := goBuild(t, build{pkg: helloPkg, goos: "darwin", goarch: "arm64", flags: release})
	wantProblems(t, check(t, darwin, Policy{GOOS: "linux", GOARCH: "amd64"}), 3,
		"is a Mach-O file, but linux executables are ELF files",
		"was built for GOOS=darwin, not linux",
		"was built for GOARCH=arm64, not amd64")
	windows := goBuild(t, build{pkg: helloPkg, goos: "windows", goarch: "amd64", flags: release})
	wantProblems(t, check(t, windows, Policy{GOOS: "windows", GOARCH: "arm64"}), 1, "GOARCH=amd64, not arm64")
}

func TestBuildSettings(t *testing.T) {
	// A plain go build: no -trimpath.
	plain := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64"})
	wantProblems(t, check(t, plain, Policy{Trimpath: true}), 1, "without -trimpath")
	wantOK(t, check(t, plain, Policy{}))

	// Asking for cgo when the build was pure Go, and the reverse.
	pure := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: release})
	wantProblems(t, check(t, pure, Policy{Cgo: true}), 1, "CGO_ENABLED=0, but cgo was asked for")
	wantProblems(t, check(t, pure, Policy{Cgo: true, PureGo: true}), 1, "CGO_ENABLED=0, but cgo was asked for")
	wantOK(t, check(t, pure, Policy{PureGo: true, Trimpath: true, BuildMode: "exe"}))
	wantProblems(t, check(t, pure, Policy{BuildMode: "pie"}), 1, "-buildmode=exe, not pie")
	wantProblems(t, check(t, pure, Policy{RequireTags: []string{"netgo", "osusergo"}}), 2,
		"without the netgo build tag", "without the osusergo build tag")

	tagged := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: append([]string{"-tags=netgo,osusergo"}, release...)})
	wantOK(t, check(t, tagged, Policy{RequireTags: []string{"netgo", "osusergo"}}))
}

func TestBuildInfoDisagreesWithFile(t *testing.T) {
	// The zero policy checks the recorded platform against the file.
	exe := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: release})
	arm := patched(t, exe, func(d []byte) []byte {
		le.PutUint16(d[18:], uint16(elf.EM_AARCH64)) // e_machine
		return d
	})
	wantProblems(t, check(t, arm, Policy{}), 1, "holds arm64 machine code, but its build information records GOARCH=amd64")
	// A Mach-O file carrying a netbsd build's information.
	macho := goBuild(t, build{pkg: helloPkg, goos: "darwin", goarch: "arm64", flags: release})
	netbsdInfo := patched(t, macho, func(d []byte) []byte {
		return bytes.ReplaceAll(d, []byte("\tGOOS=darwin\n"), []byte("\tGOOS=netbsd\n"))
	})
	wantProblems(t, check(t, netbsdInfo, Policy{}), 1, "is a Mach-O file, but its build information records GOOS=netbsd, whose executables are ELF files")
}

func TestNotAnExecutableBuildMode(t *testing.T) {
	needTool(t, "gcc", "gcc")
	path := goBuild(t, build{pkg: netuserPkg, cgo: true, flags: []string{"-trimpath", "-buildmode=c-shared"}})
	r := check(t, path, Policy{})
	wantProblems(t, r, -1, "was built with -buildmode=c-shared, which does not make an executable")
}

func TestCgoEnabledWithoutCIsStatic(t *testing.T) {
	// A cgo-enabled build of a program that uses no C links nothing:
	// CGO_ENABLED=1 alone does not make a binary dynamic.
	path := goBuild(t, build{pkg: helloPkg, cgo: true, flags: release})
	r := check(t, path, Policy{Cgo: true})
	wantOK(t, r)
	if r.Linkage != "static" || r.Cgo != "static" {
		t.Errorf("linkage %s, cgo %s; want static and static", r.Linkage, r.Cgo)
	}
	wantOK(t, check(t, path, Policy{}))
}

func TestReportJSON(t *testing.T) {
	path := goBuild(t, build{pkg: helloPkg, goos: "linux", goarch: "amd64", flags: release})
	data, err := json.Marshal(check(t, path, Policy{}))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"path", "ok", "libraries", "problems"} {
		if _, ok := m[key]; !ok {
			t.Errorf("JSON has no %q: %s", key, data)
		}
	}
	// An empty list is [], not null.
	if !strings.Contains(string(data), `"libraries":[]`) || !strings.Contains(string(data), `"problems":[]`) {
		t.Errorf("want empty arrays for libraries and problems: %s", data)
	}
	if m["build_info"].(map[string]any)["settings"].(map[string]any)["GOOS"] != "linux" {
		t.Errorf("build_info.settings.GOOS missing: %s", data)
	}
}

// gitModule makes a module with a main package in a new git repository and
// returns its directory. With dirty set, a change is left uncommitted.
func gitModule(t *testing.T, dirty bool) string {
	git := needTool(t, "git", "git")
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/tree\n\ngo 1.24\n",
		"main.go": "package main\n\nfunc main() { println(\"tree\") }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "."},
		{"-c", "user.name=verify", "-c", "user.email=verify@example.com", "commit", "-q", "-m", "tree"},
	} {
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %q: %v\n%s", args, err, out)
		}
	}
	if dirty {
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(files["main.go"]+"// changed\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReleaseFromModifiedTreeFails(t *testing.T) {
	vcs := []string{"GOFLAGS=-buildvcs=true"}
	dirty := goBuild(t, build{pkg: ".", dir: gitModule(t, true), env: vcs, flags: release})
	r := check(t, dirty, Policy{Release: true})
	if r.BuildInfo.Setting("vcs.modified") != "true" {
		t.Fatalf("vcs.modified not recorded: %v", r.BuildInfo.Settings)
	}
	wantProblems(t, r, 1, "uncommitted changes (vcs.modified=true)")
	wantOK(t, check(t, dirty, Policy{}))

	clean := goBuild(t, build{pkg: ".", dir: gitModule(t, false), env: vcs, flags: release})
	r = check(t, clean, Policy{Release: true})
	wantOK(t, r)
	if r.BuildInfo.Setting("vcs.modified") != "false" {
		t.Errorf("vcs.modified = %q, want false", r.BuildInfo.Setting("vcs.modified"))
	}
}
