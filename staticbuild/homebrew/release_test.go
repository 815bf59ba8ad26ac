package homebrew

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/tap"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

var project = map[string]string{"cmd/app/main.go": testmod.Hello}

func env(t *testing.T, platforms string) []string {
	return testmod.Environ(t, false, "MAGESTATIC_PLATFORMS="+platforms, "MAGESTATIC_CACHE=off")
}

// TestRelease releases the test project for macOS and Linux with the
// step, a formula and a tap in a local bare repository, twice from two
// clones: Ruby reads the cask and the formula back with the archives'
// URLs and SHA-256 as artifacts.json lists them, both releases write the
// same bytes, the tap holds one commit, and the log says that the macOS
// binaries are not notarised.
func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("two releases of a project for three platforms")
	}
	needRuby(t)
	t.Parallel()
	tapDir := filepath.Join(t.TempDir(), "homebrew-tap.git")
	testmod.Git(t, t.TempDir(), "init", "-q", "--bare", tapDir)
	p := testPackage()
	p.Name, p.Formula = "", true
	p.Tap = &tap.Repo{URL: "file://" + tapDir}
	dir := testmod.New(t, "", "app", project, "v1.2.0")
	var first [][]byte
	for _, d := range []string{dir, testmod.Clone(t, dir)} {
		var log bytes.Buffer
		_, err := (staticbuild.Config{Dir: d, Log: &log, Steps: []staticbuild.Step{Step(p)}, Environ: env(t, "darwin/amd64,darwin/arm64,linux/amd64")}).Release(context.Background())
		if err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		if !strings.Contains(log.String(), "homebrew: the cask's macOS binaries are not signed with an Apple Developer ID nor notarised") {
			t.Errorf("the log does not say the binaries are not notarised:\n%s", log.String())
		}
		list, err := artifact.Read(filepath.Join(d, "dist", "artifacts.json"))
		if err != nil {
			t.Fatal(err)
		}
		casks, formulae := list.Of(kindCask), list.Of(kindFormula)
		if len(casks) != 1 || casks[0].Path != "homebrew/Casks/app.rb" || len(formulae) != 1 || formulae[0].Path != "homebrew/Formula/app.rb" {
			t.Fatalf("artifacts.json lists %+v and %+v", casks, formulae)
		}
		cask, _ := os.ReadFile(filepath.Join(d, "dist", "homebrew", "Casks", "app.rb"))
		formula, _ := os.ReadFile(filepath.Join(d, "dist", "homebrew", "Formula", "app.rb"))
		for _, a := range list.Of(artifact.Archive) {
			goos, arch := map[string]string{"darwin": "macos", "linux": "linux"}[a.OS], map[string]string{"arm64": "arm", "amd64": "intel"}[a.Arch]
			url := "https://github.com/acme/app/releases/download/v1.2.0/" + a.Name
			if a.OS == "darwin" {
				if c := read(t, cask, goos, arch); c.URL != url || c.SHA256 != a.SHA256 || c.Version != "1.2.0" || strings.Join(c.Binaries, " ") != "app" {
					t.Errorf("the cask on %s/%s declares %+v, want %s with SHA-256 %s", goos, arch, c, url, a.SHA256)
				}
			}
			if f := read(t, formula, goos, arch); f.URL != url || f.SHA256 != a.SHA256 || f.Version != "1.2.0" || strings.Join(f.Binaries, " ") != "app" {
				t.Errorf("the formula on %s/%s declares %+v, want %s with SHA-256 %s", goos, arch, f, url, a.SHA256)
			}
		}
		if first == nil {
			first = [][]byte{cask, formula}
		} else if !bytes.Equal(first[0], cask) || !bytes.Equal(first[1], formula) {
			t.Error("two releases of v1.2.0 wrote different files")
		}
	}
	clone := filepath.Join(t.TempDir(), "c")
	testmod.Git(t, t.TempDir(), "clone", "-q", "--branch", "main", tapDir, clone)
	if log := testmod.Git(t, clone, "log", "--format=%s", "--name-only"); log != "app 1.2.0\n\nCasks/app.rb\nFormula/app.rb\n" {
		t.Errorf("the tap's history: %q, want one commit of both files", log)
	}
}

// TestCheck releases with bad settings: the release fails before
// anything builds, naming every mistake.
func TestCheck(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", project, "v1.2.0")
	bad := Package{Name: "App", Description: "two\nlines", Homepage: "github.com/acme/app", URL: "{{.Name}}", Test: []string{"--version"}, Tap: &tap.Repo{URL: "https://h/t.git", Branch: "a b"}}
	_, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(bad)}, Environ: env(t, "linux/amd64")}).Release(context.Background())
	for _, want := range []string{
		`homebrew.Package.Name "App": want lower-case letters`,
		`homebrew.Package.Description "two\nlines": want one line`,
		`homebrew.Package.Homepage "github.com/acme/app"`,
		`homebrew.Package.URL gives "app_1.2.3_linux_amd64.tar.gz": want an absolute https URL`,
		`homebrew.Package.Test is set without Formula`,
		`homebrew.Package.Tap.Branch "a b"`,
		`homebrew: MAGESTATIC_PLATFORMS has neither darwin/amd64 nor darwin/arm64`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwant it to say %q", err, want)
		}
	}
}
