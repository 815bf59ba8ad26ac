package staticbuild

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// staticWarning is what glibc's static archives make the linker print for
// dlopen, getaddrinfo, getpwnam and the like.
const staticWarning = "requires at runtime the shared libraries"

// lookTool returns the first of names found on PATH. When there is none,
// the test fails if the environment variable CI is set, so that CI cannot
// pass without testing, and is skipped otherwise; either way the message
// names the Debian packages to install.
func lookTool(t *testing.T, packages string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	need(t, fmt.Sprintf("none of %s is on PATH: apt-get install %s", strings.Join(names, ", "), packages))
	return ""
}

// need fails the test when the environment variable CI is set and skips it
// otherwise, with msg, which says what to install.
func need(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this is a failure)")
	}
	t.Skip(msg)
}

// arm64LibC is the C library archive of Debian's arm64 cross toolchain,
// which a static link for linux/arm64 needs.
const arm64LibC = "/usr/aarch64-linux-gnu/lib/libc.a"

// hasFile reports whether name exists.
func hasFile(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// hasTool reports whether name is on PATH.
func hasTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// sqliteExample copies examples/sqlite into a new git repository, with its
// go.mod's replace directive pointed at this checkout, and returns it.
func sqliteExample(t testing.TB) string {
	t.Helper()
	root := testmod.Root(t)
	src := filepath.Join(root, "examples", "sqlite")
	files := map[string]string{}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != src && (d.Name() == "dist" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatalf("copying examples/sqlite: %v", err)
	}
	target := root
	if strings.ContainsAny(target, " \t\"'") {
		target = `"` + strings.ReplaceAll(target, `"`, `\"`) + `"`
	}
	const rel = "github.com/magestatic/magestatic => ../.."
	if !strings.Contains(files["go.mod"], rel) {
		t.Fatalf("examples/sqlite/go.mod lacks %q:\n%s", "replace "+rel, files["go.mod"])
	}
	files["go.mod"] = strings.Replace(files["go.mod"], rel, "github.com/magestatic/magestatic => "+target, 1)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum) + files["go.sum"]
	return testmod.New(t, "", "sqlite", files, "")
}

// runSQLite runs the sqlite example's binary, under the emulator when it is
// not empty, on a new database file, and checks that it wrote the row, with
// the version stamped into the binary, to the file and read it back.
func runSQLite(t *testing.T, emulator, bin, version string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "notes.db")
	argv := []string{bin, db}
	if emulator != "" {
		argv = append([]string{emulator}, argv...)
	}
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	if want := fmt.Sprintf("row 1: %q (SQLite 3.", "hello from "+version); !strings.Contains(string(out), want) {
		t.Errorf("%s printed %q, want %q...", strings.Join(argv, " "), out, want)
	}
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatalf("the program created no database: %v", err)
	}
	if !bytes.HasPrefix(data, []byte("SQLite format 3\x00")) {
		t.Errorf("%s is not an SQLite database: it starts with %q", db, data[:min(len(data), 16)])
	}
}

// TestCgoSQLite builds examples/sqlite, which compiles SQLite's C source,
// in every cgo mode that matters. The static builds for linux/amd64 and
// linux/arm64 compile the C code once per architecture; the strict and
// dynamic builds reuse the compiled packages from the build cache and only
// link again.
func TestCgoSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles SQLite's C source for two architectures")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("runs linux/amd64 binaries natively; this is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	lookTool(t, "gcc", "gcc")
	t.Setenv(envPlatforms, "")
	t.Setenv(envJobs, "")
	t.Setenv("CC", "")
	platforms := []string{"linux/amd64"}
	if hasTool("aarch64-linux-gnu-gcc") && hasFile(arm64LibC) {
		platforms = append(platforms, "linux/arm64")
	}
	dir := sqliteExample(t)
	ctx := context.Background()

	var log bytes.Buffer
	static := Config{Dir: dir, Cgo: CgoStatic, Platforms: platforms, Log: &log}
	list, err := runCross(ctx, static)
	if err != nil {
		t.Fatalf("static cgo cross: %v\n%s", err, log.String())
	}
	crossLog := log.String()
	bins := map[string]artifact.Artifact{}
	for _, a := range list.Artifacts.Of(artifact.Binary) {
		bins[a.Platform] = a
	}
	run, err := runVerify(ctx, static)
	if err != nil {
		t.Fatalf("Verify failed the static cgo binaries: %v\n%s", err, log.String())
	}
	if len(run.Reports) != len(platforms) {
		t.Fatalf("Verify judged %d binaries, want %d", len(run.Reports), len(platforms))
	}
	for _, r := range run.Reports {
		if !r.OK || r.Linkage != "static" || len(r.Libraries) != 0 || r.Interpreter != "" {
			t.Errorf("%s: ok %v, linkage %q, interpreter %q, libraries %v, want a static binary", r.Path, r.OK, r.Linkage, r.Interpreter, r.Libraries)
		}
	}

	t.Run("linux/amd64 runs", func(t *testing.T) {
		a, ok := bins["linux/amd64"]
		if !ok {
			t.Fatalf("no linux/amd64 binary in %v", list)
		}
		if a.Build == nil || a.Build.Cgo != string(CgoStatic) || !hasAll(a.Build.Tags, "netgo", "osusergo") {
			t.Errorf("artifact build = %+v, want cgo static with the netgo and osusergo tags", a.Build)
		}
		bin := filepath.Join(dir, "dist", filepath.FromSlash(a.Path))
		runSQLite(t, "", bin, a.Version)
		out, err := exec.Command(bin, "--version").CombinedOutput()
		if err != nil || !strings.Contains(string(out), a.Version) {
			t.Errorf("--version: %v\n%s\nwant the version %s", err, out, a.Version)
		}
	})

	t.Run("linux/arm64 runs under qemu", func(t *testing.T) {
		lookTool(t, "gcc-aarch64-linux-gnu", "aarch64-linux-gnu-gcc")
		if !hasFile(arm64LibC) {
			need(t, fmt.Sprintf("%s is missing: apt-get install libc6-dev-arm64-cross", arm64LibC))
		}
		qemu := lookTool(t, "qemu-user-static (or qemu-user)", "qemu-aarch64-static", "qemu-aarch64")
		a, ok := bins["linux/arm64"]
		if !ok {
			t.Fatalf("no linux/arm64 binary in %v", list)
		}
		runSQLite(t, qemu, filepath.Join(dir, "dist", filepath.FromSlash(a.Path)), a.Version)
	})

	t.Run("linker warning is printed", func(t *testing.T) {
		// SQLite's extension loading calls dlopen, which glibc can only
		// provide from its shared objects.
		n := 0
		for _, line := range strings.Split(crossLog, "\n") {
			if strings.HasPrefix(line, "        warning: ") && strings.Contains(line, staticWarning) && strings.Contains(line, "dlopen") {
				n++
			}
		}
		if n != len(platforms) {
			t.Errorf("the log shows %d dlopen warnings, want one per platform (%d):\n%s", n, len(platforms), crossLog)
		}
	})

	t.Run("strict fails on the linker warning", func(t *testing.T) {
		var log bytes.Buffer
		cfg := Config{Dir: dir, Dist: "dist-strict", Cgo: CgoStatic, Platforms: []string{"linux/amd64"}, Strict: true, Log: &log}
		_, err := runCross(ctx, cfg)
		if err == nil {
			t.Fatalf("Cross with Strict succeeded despite the linker warning:\n%s", log.String())
		}
		for _, want := range []string{"linux/amd64", "Config.Strict", "dlopen", staticWarning} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q:\n%v", want, err)
			}
		}
		if !strings.Contains(log.String(), "FAIL  sqlite       linux/amd64      the linker warned") {
			t.Errorf("the log does not show the failure:\n%s", log.String())
		}
		bin := filepath.Join(dir, "dist-strict", "sqlite_linux_amd64", "sqlite")
		if _, err := os.Stat(bin); err == nil {
			t.Errorf("the strict build left %s", bin)
		}
	})

	t.Run("dynamic fails verify naming libc", func(t *testing.T) {
		var log bytes.Buffer
		cfg := Config{Dir: dir, Dist: "dist-dynamic", Cgo: CgoDynamic, Platforms: []string{"linux/amd64"}, Log: &log}
		if _, err := runCross(ctx, cfg); err != nil {
			t.Fatalf("dynamic cgo build: %v\n%s", err, log.String())
		}
		if strings.Contains(log.String(), staticWarning) {
			t.Errorf("a dynamic build printed the static linking warning:\n%s", log.String())
		}
		run, err := runVerify(ctx, cfg)
		if err == nil {
			t.Fatalf("Verify passed a binary linked against the shared C library:\n%s", log.String())
		}
		if !strings.Contains(err.Error(), "libc.so.6") {
			t.Errorf("the error does not name libc.so.6:\n%v", err)
		}
		if len(run.Reports) != 1 || run.Reports[0].OK || !hasAll(run.Reports[0].Libraries, "libc.so.6") {
			t.Errorf("reports = %+v, want one failed report listing libc.so.6", run.Reports)
		}
	})
}

// TestCgoMissingCompiler checks that a cgo platform whose C compiler is not
// installed fails before anything is built, naming the platform, the
// compiler and, for the default ones, the Debian package.
func TestCgoMissingCompiler(t *testing.T) {
	dir := testmod.New(t, "", "nocc", map[string]string{"main.go": testmod.Hello}, "")
	// A PATH with go and git but no C compiler at all.
	bin := t.TempDir()
	for _, tool := range []string{"go", "git"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	t.Setenv("CC", "")
	t.Setenv(envPlatforms, "")

	for _, tc := range []struct {
		name   string
		cfg    Config
		want   []string
		reject []string
	}{
		{
			name: "default compilers",
			cfg:  Config{Cgo: CgoStatic, Platforms: []string{"linux/amd64", "linux/arm64", "windows/amd64", "linux/riscv64"}},
			want: []string{
				`linux/amd64: cgo mode "static" needs the C compiler "gcc"`, "apt-get install gcc)",
				`linux/arm64: cgo mode "static" needs the C compiler "aarch64-linux-gnu-gcc"`, "apt-get install gcc-aarch64-linux-gnu)",
				`windows/amd64: cgo mode "static" needs the C compiler "x86_64-w64-mingw32-gcc"`, "apt-get install gcc-mingw-w64-x86-64)",
				`linux/riscv64: cgo mode "static" needs the C compiler "riscv64-linux-gnu-gcc"`, "apt-get install gcc-riscv64-linux-gnu)",
				`Config.Platform["linux/arm64"].CC`,
			},
		},
		{
			name: "configured compiler",
			cfg: Config{Platforms: []string{"linux/amd64", "linux/arm64"}, Platform: map[string]PlatformConfig{
				"linux/arm64": {Cgo: CgoStatic, CC: "zig-not-installed cc -target aarch64-linux-musl"},
			}},
			want:   []string{`linux/arm64: cgo mode "static" needs the C compiler "zig-not-installed", which is not on PATH`, `Config.Platform["linux/arm64"].CC`},
			reject: []string{"apt-get", "linux/amd64"},
		},
		{
			name: "configured compiler path",
			cfg: Config{Cgo: CgoStatic, Platforms: []string{"linux/arm64", "linux/arm/7"}, Platform: map[string]PlatformConfig{
				"linux/arm64": {CC: "/opt/cross/bin/aarch64-linux-musl-gcc"},
				"linux/arm":   {CC: "/usr/bin/arm-linux-gnueabihf-gcc"},
			}},
			want: []string{
				`linux/arm64: cgo mode "static" needs the C compiler "/opt/cross/bin/aarch64-linux-musl-gcc", which is not on PATH, or set Config.Platform["linux/arm64"].CC`,
				`linux/arm/7: cgo mode "static" needs the C compiler "/usr/bin/arm-linux-gnueabihf-gcc"`, "(apt-get install gcc-arm-linux-gnueabihf)",
			},
		},
		{
			name:   "no default compiler",
			cfg:    Config{Platforms: []string{"linux/mips"}, Platform: map[string]PlatformConfig{"linux": {Cgo: CgoDynamic}}},
			want:   []string{"linux/mips", `cgo mode "dynamic" needs a C compiler`, "no default one", `Config.Platform["linux/mips"].CC`},
			reject: []string{"apt-get"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			tc.cfg.Dir, tc.cfg.Log = dir, &log
			_, err := runCross(context.Background(), tc.cfg)
			if err == nil {
				t.Fatalf("Cross succeeded without a C compiler:\n%s", log.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, r := range tc.reject {
				if strings.Contains(err.Error(), r) {
					t.Errorf("error mentions %q:\n%v", r, err)
				}
			}
			if log.Len() != 0 {
				t.Errorf("something was built or logged:\n%s", log.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
				t.Error("dist/ was created")
			}
		})
	}
}

// BenchmarkCgoRelease times Release (Snapshot) for linux/amd64 and
// linux/arm64 of examples/hello, pure Go, and of examples/sqlite in static
// cgo mode. In "cold" every iteration starts from an empty GOCACHE; in
// "warm" the cache holds the compiled packages, so an iteration links,
// verifies and archives. Every iteration writes to a new output directory,
// so nothing is reused from an earlier one.
func BenchmarkCgoRelease(b *testing.B) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" || !hasTool("gcc") || !hasTool("aarch64-linux-gnu-gcc") || !hasFile(arm64LibC) {
		b.Skip("needs linux/amd64 with gcc, aarch64-linux-gnu-gcc and " + arm64LibC)
	}
	b.Setenv(envPlatforms, "")
	b.Setenv("CC", "")
	hello, err := os.ReadFile(filepath.Join(testmod.Root(b), "examples", "hello", "main.go"))
	if err != nil {
		b.Fatal(err)
	}
	examples := []struct {
		name string
		dir  string
		cgo  CgoMode
	}{
		{"hello", testmod.New(b, "", "hello", map[string]string{"main.go": string(hello)}, ""), CgoOff},
		{"sqlite-cgo-static", sqliteExample(b), CgoStatic},
	}
	run := 0
	release := func(b *testing.B, dir string, cgo CgoMode) {
		run++
		var log bytes.Buffer
		cfg := Config{Dir: dir, Dist: fmt.Sprintf("dist-%d", run), Cgo: cgo, Snapshot: true,
			Platforms: []string{"linux/amd64", "linux/arm64"}, Log: &log}
		if _, err := runRelease(context.Background(), cfg); err != nil {
			b.Fatalf("%v\n%s", err, log.String())
		}
	}
	for _, ex := range examples {
		b.Run(ex.name+"/cold", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				b.Setenv("GOCACHE", b.TempDir())
				b.StartTimer()
				release(b, ex.dir, ex.cgo)
			}
		})
		b.Run(ex.name+"/warm", func(b *testing.B) {
			release(b, ex.dir, ex.cgo)
			for b.Loop() {
				release(b, ex.dir, ex.cgo)
			}
		})
	}
}

// hasAll reports whether list holds every one of items.
func hasAll(list []string, items ...string) bool {
	for _, it := range items {
		if !slices.Contains(list, it) {
			return false
		}
	}
	return true
}
