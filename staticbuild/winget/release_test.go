package winget

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

// TestRelease releases the test project for windows with the step and a
// repository in a local bare repository, twice from two clones: the
// manifests follow winget's schemas, are listed in artifacts.json, are
// the same bytes both times, and the repository holds one commit.
func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("two releases of a project")
	}
	t.Parallel()
	repo := filepath.Join(t.TempDir(), "pkgs.git")
	testmod.Git(t, t.TempDir(), "init", "-q", "--bare", repo)
	p := testPackage()
	p.PackageName = ""
	p.Repo = &tap.Repo{URL: "file://" + repo}
	dir := testmod.New(t, "", "app", project, "v1.2.0")
	const base = "winget/manifests/a/Acme/App/1.2.0/"
	names := []string{"Acme.App.installer.yaml", "Acme.App.locale.en-US.yaml", "Acme.App.yaml"}
	var first map[string][]byte
	for _, d := range []string{dir, testmod.Clone(t, dir)} {
		var log bytes.Buffer
		_, err := (staticbuild.Config{Dir: d, Log: &log, Steps: []staticbuild.Step{Step(p)}, Environ: env(t, "windows/amd64,linux/amd64")}).Release(context.Background())
		if err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		list, err := artifact.Read(filepath.Join(d, "dist", "artifacts.json"))
		if err != nil {
			t.Fatal(err)
		}
		var files []file
		got := map[string][]byte{}
		for i, a := range list.Of(kindManifest) {
			if a.Path != base+names[i] {
				t.Errorf("artifacts.json lists %s, want %s", a.Path, base+names[i])
			}
			data, err := os.ReadFile(filepath.Join(d, "dist", filepath.FromSlash(a.Path)))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, file{a.Path, data})
			got[a.Path] = data
		}
		validate(t, files)
		inst := string(got[base+names[0]])
		for _, a := range list.Of(artifact.Archive) {
			if a.Platform == "windows/amd64" && !strings.Contains(inst, "InstallerSha256: "+strings.ToUpper(a.SHA256)+"\n") {
				t.Errorf("the installer manifest does not give the SHA-256 of %s:\n%s", a.Name, inst)
			}
		}
		if first == nil {
			first = got
		}
		for k := range got {
			if !bytes.Equal(got[k], first[k]) {
				t.Errorf("%s differs between two releases of v1.2.0", k)
			}
		}
	}
	clone := filepath.Join(t.TempDir(), "c")
	testmod.Git(t, t.TempDir(), "clone", "-q", "--branch", "main", repo, clone)
	if log := testmod.Git(t, clone, "log", "--format=%s"); log != "Acme.App 1.2.0\n" {
		t.Errorf("the repository's history: %q, want one commit", log)
	}
	if _, err := os.Stat(filepath.Join(clone, "manifests", "a", "Acme", "App", "1.2.0", "Acme.App.installer.yaml")); err != nil {
		t.Error(err)
	}
}

// TestCheck releases with bad settings: the release fails before
// anything builds, naming every mistake.
func TestCheck(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", project, "v1.2.0")
	bad := Package{PackageIdentifier: "Acme", Publisher: "A", License: "MIT", ShortDescription: "x", PackageURL: "ftp://x", Tags: []string{""}, Locale: "english", URL: "https://x/{{.Tag}}"}
	cfg := staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(bad)}, Environ: env(t, "linux/amd64")}
	_, err := cfg.Release(context.Background())
	for _, want := range []string{
		`winget.Package.PackageIdentifier "Acme": want Publisher.Package`,
		`winget.Package.Publisher "A": want 2 to 256 characters`,
		`winget.Package.ShortDescription "x"`,
		`winget.Package.PackageURL "ftp://x"`,
		`winget.Package.Tags[0] ""`,
		`winget.Package.Locale "english"`,
		`winget.Package.URL gives "https://x/v1.2.3" for every archive`,
		`winget: MAGESTATIC_PLATFORMS has no windows/amd64`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwant it to say %q", err, want)
		}
	}
}
