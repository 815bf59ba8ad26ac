package scoop

import (
	"bytes"
	"context"
	"encoding/json"
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

// project is the test project: two binaries.
var project = map[string]string{"cmd/app/main.go": testmod.Hello, "cmd/tool/main.go": testmod.Hello}

// env is the environment of a release of the test project.
func env(t *testing.T, platforms string) []string {
	return testmod.Environ(t, false, "MAGESTATIC_PLATFORMS="+platforms, "MAGESTATIC_CACHE=off")
}

// TestRelease releases the test project for windows and linux with the
// step and a bucket in a local bare repository, then releases the same
// tag again from another clone: the manifest follows Scoop's schema,
// names each archive with its SHA-256 as artifacts.json lists it, is the
// same bytes both times, and the bucket holds one commit for the version.
func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("two releases of a project for three platforms")
	}
	t.Parallel()
	bucket := filepath.Join(t.TempDir(), "bucket.git")
	testmod.Git(t, t.TempDir(), "init", "-q", "--bare", bucket)
	m := testManifest()
	m.Name = ""
	m.Bucket = &tap.Repo{URL: "file://" + bucket, Dir: "bucket"}
	dir := testmod.New(t, "", "app", project, "v1.2.0")
	clone := testmod.Clone(t, dir)
	var manifests [][]byte
	for _, d := range []string{dir, clone} {
		var log bytes.Buffer
		r, err := (staticbuild.Config{Dir: d, Log: &log, Steps: []staticbuild.Step{Step(m)}, Environ: env(t, "windows/amd64,windows/arm64,linux/amd64")}).Release(context.Background())
		if err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		data, err := os.ReadFile(filepath.Join(d, "dist", "scoop", "app.json"))
		if err != nil {
			t.Fatal(err)
		}
		validate(t, data)
		manifests = append(manifests, data)
		list, err := artifact.Read(filepath.Join(d, "dist", "artifacts.json"))
		if err != nil {
			t.Fatal(err)
		}
		if l := list.Of(kindManifest); len(l) != 1 || l[0].Path != "scoop/app.json" || l[0].Version != "v1.2.0" {
			t.Errorf("artifacts.json lists the manifests %+v", l)
		}
		var doc struct {
			Version      string
			Bin          []string
			Architecture map[string]struct{ URL, Hash string }
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Version != "1.2.0" || len(doc.Architecture) != 2 || strings.Join(doc.Bin, " ") != "app.exe tool.exe" {
			t.Errorf("manifest:\n%s", data)
		}
		for arch, pl := range map[string]string{"64bit": "windows/amd64", "arm64": "windows/arm64"} {
			a := archiveOf(t, list, pl)
			got := doc.Architecture[arch]
			if got.Hash != a.SHA256 || got.URL != "https://github.com/acme/app/releases/download/v1.2.0/"+a.Name {
				t.Errorf("%s: %+v, want the archive %s with SHA-256 %s", arch, got, a.Name, a.SHA256)
			}
		}
		if !strings.Contains(log.String(), "scoop: ") || len(r.Artifacts.Of(kindManifest)) != 1 {
			t.Errorf("the release's log:\n%s", log.String())
		}
	}
	if !bytes.Equal(manifests[0], manifests[1]) {
		t.Errorf("two releases of v1.2.0 wrote different manifests:\n%s\n%s", manifests[0], manifests[1])
	}
	got := filepath.Join(t.TempDir(), "got")
	testmod.Git(t, t.TempDir(), "clone", "-q", "--branch", "main", bucket, got)
	if log := testmod.Git(t, got, "log", "--format=%s"); log != "app 1.2.0\n" {
		t.Errorf("the bucket's history: %q, want one commit", log)
	}
	if data, err := os.ReadFile(filepath.Join(got, "bucket", "app.json")); err != nil || !bytes.Equal(data, manifests[0]) {
		t.Errorf("the bucket's app.json: %v\n%s", err, data)
	}
}

// TestCheck releases with bad settings: each release fails before
// anything builds, naming every mistake.
func TestCheck(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", project, "v1.2.0")
	bad := Manifest{Name: "my app", URL: "https://example.com/app.zip", Homepage: "example.com", Description: "two\nlines", Binaries: []string{"bin/app"},
		CheckVer: "github.com/acme/app", Bucket: &tap.Repo{URL: "https://bot:pw@github.com/acme/bucket.git"}}
	for _, c := range []struct {
		name      string
		m         Manifest
		platforms string
		formats   map[string]string
		want      []string
	}{
		{"fields", bad, "windows/amd64", nil, []string{
			`scoop.Manifest.Name "my app"`,
			`scoop.Manifest.URL gives "https://example.com/app.zip" for every archive: use {{.Name}}`,
			`scoop.Manifest.Homepage "example.com": want an http or https URL`,
			`scoop.Manifest.License "": want the license's SPDX identifier`,
			`scoop.Manifest.Description "two\nlines": want one line`,
			`scoop.Manifest.CheckVer "github.com/acme/app"`,
			`scoop.Manifest.Binaries[0] "bin/app"`,
			`scoop.Manifest.Bucket.URL holds a password`,
		}},
		{"bad template", Manifest{URL: "https://x/{{.Nme}}", Homepage: "https://x", License: "MIT"}, "windows/amd64", nil, []string{`scoop.Manifest.URL: template: URL:1:12: executing "URL" at <.Nme>: can't evaluate field Nme`}},
		{"no windows", testManifest(), "linux/amd64", nil, []string{"scoop: MAGESTATIC_PLATFORMS has none of windows/amd64, windows/386, windows/arm64"}},
		{"tar.gz", testManifest(), "windows/amd64", map[string]string{"windows": "tar.gz"}, []string{`scoop: Config.Archive.Formats["windows"] is "tar.gz": Scoop installs zip archives`}},
	} {
		cfg := staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(c.m)}, Environ: env(t, c.platforms)}
		cfg.Archive.Formats = c.formats
		_, err := cfg.Release(context.Background())
		for _, want := range c.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v\nwant it to say %q", c.name, err, want)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "dist", "artifacts.json")); err == nil {
			t.Errorf("%s: the failed release wrote dist/", c.name)
		}
	}
}
