package staticbuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
	"github.com/magestatic/magestatic/verify"
)

// multiProgram prints its edition (set by a build tag) and its greeting
// (set with -X).
const multiProgram = `package main

import "fmt"

var greeting = "hello"

func main() { fmt.Println(edition, greeting) }
`

// TestPerBinarySettings builds two binaries with settings of their own and
// checks in the files that each landed where it belongs: one has an extra
// build tag and a narrower platform list, the other its own -X variable,
// which Verify checks like the stamped ones.
func TestPerBinarySettings(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for _, b := range []string{"server", "cli"} {
		files["cmd/"+b+"/main.go"] = multiProgram
		files["cmd/"+b+"/plain.go"] = "//go:build !pro\n\npackage main\n\nconst edition = \"plain\"\n"
		files["cmd/"+b+"/pro.go"] = "//go:build pro\n\npackage main\n\nconst edition = \"pro\"\n"
	}
	dir := testmod.New(t, "", "multi", files, "v1.0.0")
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Environ: testEnv(), Platforms: []string{"linux/amd64", "linux/arm64", "windows/amd64"},
		Binaries: []Binary{
			{Main: "./cmd/server", Tags: []string{"pro"}, Platforms: []string{"linux/amd64"}},
			{Main: "./cmd/cli", Ldflags: []string{"-X", "main.greeting=hi there"}},
		}}
	ctx := context.Background()
	r, err := runCross(ctx, cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var got []string
	for _, b := range r.Artifacts.Of(artifact.Binary) {
		got = append(got, b.Binary+" "+b.Platform)
	}
	want := []string{"cli linux/amd64", "cli linux/arm64", "cli windows/amd64", "server linux/amd64"}
	if !slices.Equal(got, want) {
		t.Fatalf("built %q, want %q", got, want)
	}
	tags := func(rel string) string {
		b, err := verify.Inspect(filepath.Join(dir, "dist", rel))
		if err != nil {
			t.Fatal(err)
		}
		return b.BuildInfo.Setting("-tags")
	}
	if got := tags("server_linux_amd64/server"); got != "pro" {
		t.Errorf("server was built with tags %q, want pro", got)
	}
	if got := tags("cli_linux_arm64/cli"); got != "" {
		t.Errorf("cli was built with tags %q, want none", got)
	}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		if out := testmod.Run(t, dir, filepath.Join(dir, "dist", "server_linux_amd64", "server")); out != "pro hello\n" {
			t.Errorf("server printed %q, want the pro edition and the default greeting", out)
		}
		if out := testmod.Run(t, dir, filepath.Join(dir, "dist", "cli_linux_amd64", "cli")); out != "plain hi there\n" {
			t.Errorf("cli printed %q, want the plain edition and its own greeting", out)
		}
	}
	if _, err := runVerify(ctx, cfg); err != nil {
		t.Fatalf("Verify: %v\n%s", err, log.String())
	}

	// A -X in Ldflags that would not land is found before building, like
	// a stamped one.
	cfg.Binaries[1].Ldflags = []string{"-X", "main.greetin=hi there"}
	_, err = runCross(ctx, cfg)
	if err == nil || !strings.Contains(err.Error(), "main.greetin") || !strings.Contains(err.Error(), "did you mean greeting?") {
		t.Errorf("a cross with a mistyped -X in Ldflags: %v, want an error naming main.greetin", err)
	}
}

// TestSizeGateSeveralBinaries records a baseline of two binaries on
// variant platforms, makes one of them import net/http, and checks that
// SizeGate names that binary, its platforms and its packages, and not the
// other; then judges a copy of dist/ in a directory that is not a git
// repository, with no go command or C compiler on PATH.
func TestSizeGateSeveralBinaries(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{
		"cmd/app/main.go":  testmod.Hello,
		"cmd/tool/main.go": testmod.Hello,
	}, "v1.0.0")
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Environ: testEnv(), Platforms: []string{"linux/arm/7", "linux/amd64/v3"}, Size: Size{MaxGrowth: "10%"}}
	ctx := context.Background()
	if _, err := runCross(ctx, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	baseline := filepath.Join(dir, defaultBaseline)
	if _, err := runSizeGate(ctx, cfg); err != nil {
		t.Fatalf("SizeGate with no baseline: %v\n%s", err, log.String())
	}
	if _, err := os.Stat(baseline); err == nil {
		t.Fatal("SizeGate wrote the baseline")
	}
	if _, err := runSizeBaseline(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(baseline)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"app"`, `"tool"`, `"linux/arm/7"`, `"linux/amd64/v3"`} {
		if !bytes.Contains(before, []byte(want)) {
			t.Errorf("the baseline lacks %s:\n%s", want, before)
		}
	}
	if _, err := runSizeGate(ctx, cfg); err != nil {
		t.Fatalf("SizeGate against its own baseline: %v", err)
	}

	grown := strings.Replace(testmod.Hello, `fmt.Println("hello")`, `if len(os.Args) > 2 {
		http.ListenAndServeTLS(os.Args[1], os.Args[2], os.Args[2], nil)
	}
	fmt.Println("hello")`, 1)
	grown = strings.Replace(grown, `"os"`, `"net/http"
	"os"`, 1)
	os.WriteFile(filepath.Join(dir, "cmd", "app", "main.go"), []byte(grown), 0o644)
	testmod.Git(t, dir, "commit", "-qam", "serve http")
	if _, err := runCross(ctx, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	log.Reset()
	_, err = runSizeGate(ctx, cfg)
	if err == nil {
		t.Fatalf("SizeGate passed a binary that tripled:\n%s", log.String())
	}
	for _, want := range []string{"app linux/arm/7", "app linux/amd64/v3", "more than the 10% allowed", "net/http", "crypto/tls"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "tool linux") {
		t.Errorf("error names the binary that did not grow:\n%v", err)
	}
	after, _ := os.ReadFile(baseline)
	if !bytes.Equal(before, after) {
		t.Error("a failing SizeGate changed the baseline")
	}

	// dist/ and the baseline, copied where there is no git, no go.mod and
	// nothing on PATH, are judged the same way.
	copyDir := t.TempDir()
	if err := os.CopyFS(filepath.Join(copyDir, "dist"), os.DirFS(filepath.Join(dir, "dist"))); err != nil {
		t.Fatal(err)
	}
	copied := Config{Dir: copyDir, Log: &log, Environ: []string{"PATH=" + t.TempDir(), "HOME=" + t.TempDir()},
		Size: Size{MaxGrowth: "10%", Baseline: baseline}}
	if _, err := runVerify(ctx, copied); err != nil {
		t.Errorf("Verify of the copied dist/: %v", err)
	}
	_, err = runSizeGate(ctx, copied)
	if err == nil || !strings.Contains(err.Error(), "app linux/arm/7") {
		t.Errorf("SizeGate of the copied dist/: %v, want the growth of app", err)
	}
}
