package scoop

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/download/downloadtest"
)

// validate fails the test when data does not follow Scoop's schema
// (testdata/README.md names its source).
func validate(t *testing.T, data []byte) {
	t.Helper()
	if err := schemaErr(t, data); err != nil {
		t.Errorf("the manifest does not follow Scoop's schema: %v\n%s", err, data)
	}
}

// schemaErr returns how data breaks Scoop's schema, or nil.
func schemaErr(t *testing.T, data []byte) error {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := c.Compile("testdata/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return schema.Validate(inst)
}

// TestSchema checks that the schema refuses what Scoop refuses, so that
// validate can fail.
func TestSchema(t *testing.T) {
	for _, bad := range []string{
		`{"version": "1.2.3", "homepage": "https://x.example"}`,
		`{"version": "1.2.3", "homepage": "https://x.example", "license": "MIT", "architecture": {"64bit": {"url": "https://x.example/a.zip", "hash": "xyz"}}}`,
		`{"version": "1.2.3", "homepage": "https://x.example", "license": "MIT", "architecture": {"x64": {"url": "https://x.example/a.zip"}}}`,
	} {
		if schemaErr(t, []byte(bad)) == nil {
			t.Errorf("the schema accepts %s", bad)
		}
	}
}

func testManifest() Manifest {
	return Manifest{
		Name:        "app",
		URL:         "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}",
		Homepage:    "https://github.com/acme/app",
		License:     "MIT",
		Description: `Serves "things" & more`,
	}
}

func archiveOf(t *testing.T, l artifact.List, pl string) artifact.Artifact {
	for _, a := range l.Of(artifact.Archive) {
		if a.Platform == pl {
			return a
		}
	}
	t.Fatalf("no archive of %s", pl)
	return artifact.Artifact{}
}

func TestManifest(t *testing.T) {
	r := downloadtest.Release(t, "v1.2.3", false, []string{"app", "tool"}, "windows/amd64", "windows/arm64", "windows/386", "linux/amd64")
	m := testManifest()
	data, err := m.manifest(r)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, data)
	amd64, arm64, x86 := archiveOf(t, r.Artifacts, "windows/amd64"), archiveOf(t, r.Artifacts, "windows/arm64"), archiveOf(t, r.Artifacts, "windows/386")
	want := `{
    "version": "1.2.3",
    "description": "Serves \"things\" & more",
    "homepage": "https://github.com/acme/app",
    "license": "MIT",
    "architecture": {
        "32bit": {
            "url": "https://github.com/acme/app/releases/download/v1.2.3/app_1.2.3_windows_386.zip",
            "hash": "` + x86.SHA256 + `"
        },
        "64bit": {
            "url": "https://github.com/acme/app/releases/download/v1.2.3/app_1.2.3_windows_amd64.zip",
            "hash": "` + amd64.SHA256 + `"
        },
        "arm64": {
            "url": "https://github.com/acme/app/releases/download/v1.2.3/app_1.2.3_windows_arm64.zip",
            "hash": "` + arm64.SHA256 + `"
        }
    },
    "bin": [
        "app.exe",
        "tool.exe"
    ]
}
`
	if string(data) != want {
		t.Errorf("manifest:\n%s\nwant:\n%s", data, want)
	}
	again, _ := m.manifest(r)
	if !bytes.Equal(again, data) {
		t.Error("two manifests of one release differ")
	}
}

func TestManifestWrappedWithAutoupdate(t *testing.T) {
	r := downloadtest.Release(t, "v2.0.0-rc.1", true, []string{"app", "tool"}, "windows/amd64/v3", "windows/amd64", "darwin/arm64")
	m := testManifest()
	m.Binaries = []string{"tool"}
	m.CheckVer = "https://github.com/acme/app"
	data, err := m.manifest(r)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, data)
	var doc struct {
		Version      string
		Bin          any
		Architecture map[string]struct{ URL, Hash, Extract_Dir string }
		CheckVer     map[string]string
		Autoupdate   struct {
			Architecture map[string]struct{ URL, Extract_Dir string }
			Hash         struct{ URL string }
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	a := doc.Architecture["64bit"]
	// windows/amd64 runs on more machines than windows/amd64/v3.
	if doc.Version != "2.0.0-rc.1" || len(doc.Architecture) != 1 || doc.Bin != "tool.exe" ||
		a.URL != "https://github.com/acme/app/releases/download/v2.0.0-rc.1/app_2.0.0-rc.1_windows_amd64.zip" ||
		a.Hash != archiveOf(t, r.Artifacts, "windows/amd64").SHA256 || a.Extract_Dir != "app_2.0.0-rc.1_windows_amd64" {
		t.Errorf("manifest:\n%s", data)
	}
	u := doc.Autoupdate.Architecture["64bit"]
	if doc.CheckVer["github"] != "https://github.com/acme/app" || doc.Autoupdate.Hash.URL != "$baseurl/SHA256SUMS" ||
		u.URL != "https://github.com/acme/app/releases/download/v$version/app_$version_windows_amd64.zip" || u.Extract_Dir != "app_$version_windows_amd64" {
		t.Errorf("checkver and autoupdate:\n%s", data)
	}
}

func TestManifestErrors(t *testing.T) {
	r := downloadtest.Release(t, "v1.2.3", false, []string{"app"}, "linux/amd64", "darwin/arm64")
	if _, err := testManifest().manifest(r); err == nil || !strings.Contains(err.Error(), "no windows zip archive") {
		t.Errorf("a release without windows: %v", err)
	}
	r = downloadtest.Release(t, "v1.2.3", false, []string{"app"}, "windows/amd64")
	m := testManifest()
	m.Binaries = []string{"server"}
	if _, err := m.manifest(r); err == nil || !strings.Contains(err.Error(), "app_1.2.3_windows_amd64.zip (windows/amd64) holds no binary server") {
		t.Errorf("a binary the archive lacks: %v", err)
	}
}
