package winget

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/download/downloadtest"
)

// schemaErr returns how the YAML manifest data breaks winget's schema of
// its kind (testdata/README.md names their source), or nil.
func schemaErr(t *testing.T, kind string, data []byte) error {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := c.Compile("testdata/manifest." + kind + ".1.10.0.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return schema.Validate(inst)
}

// validate fails the test unless every manifest follows its schema, and
// returns them by file name.
func validate(t *testing.T, files []file) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range files {
		kind := "version"
		switch {
		case strings.HasSuffix(f.path, ".installer.yaml"):
			kind = "installer"
		case strings.Contains(f.path, ".locale."):
			kind = "defaultLocale"
		}
		if err := schemaErr(t, kind, f.data); err != nil {
			t.Errorf("%s does not follow winget's %s schema: %v\n%s", f.path, kind, err, f.data)
		}
		out[f.path] = string(f.data)
	}
	return out
}

func testPackage() Package {
	return Package{
		PackageIdentifier: "Acme.App", Publisher: "Acme Corp", PackageName: "App", License: "MIT",
		ShortDescription: "Serves things", PackageURL: "https://github.com/acme/app", Tags: []string{"cli", "server"},
		URL: "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}",
	}
}

func TestManifests(t *testing.T) {
	r := downloadtest.Release(t, "v1.2.3", true, []string{"app", "tool"}, "windows/amd64", "windows/arm64", "linux/amd64")
	p := testPackage()
	files, err := p.manifests(r)
	if err != nil {
		t.Fatal(err)
	}
	got := validate(t, files)
	var amd64, arm64 artifact.Artifact
	for _, a := range r.Artifacts.Of(artifact.Archive) {
		switch a.Platform {
		case "windows/amd64":
			amd64 = a
		case "windows/arm64":
			arm64 = a
		}
	}
	want := map[string]string{
		"manifests/a/Acme/App/1.2.3/Acme.App.yaml": `# Created by magestatic.
# yaml-language-server: $schema=https://aka.ms/winget-manifest.version.1.10.0.schema.json

PackageIdentifier: Acme.App
PackageVersion: 1.2.3
DefaultLocale: en-US
ManifestType: version
ManifestVersion: 1.10.0
`,
		"manifests/a/Acme/App/1.2.3/Acme.App.installer.yaml": `# Created by magestatic.
# yaml-language-server: $schema=https://aka.ms/winget-manifest.installer.1.10.0.schema.json

PackageIdentifier: Acme.App
PackageVersion: 1.2.3
InstallerType: zip
NestedInstallerType: portable
ReleaseDate: "2026-01-02"
Installers:
  - Architecture: x64
    NestedInstallerFiles:
      - RelativeFilePath: app_1.2.3_windows_amd64\app.exe
        PortableCommandAlias: app
      - RelativeFilePath: app_1.2.3_windows_amd64\tool.exe
        PortableCommandAlias: tool
    InstallerUrl: https://github.com/acme/app/releases/download/v1.2.3/app_1.2.3_windows_amd64.zip
    InstallerSha256: ` + strings.ToUpper(amd64.SHA256) + `
  - Architecture: arm64
    NestedInstallerFiles:
      - RelativeFilePath: app_1.2.3_windows_arm64\app.exe
        PortableCommandAlias: app
      - RelativeFilePath: app_1.2.3_windows_arm64\tool.exe
        PortableCommandAlias: tool
    InstallerUrl: https://github.com/acme/app/releases/download/v1.2.3/app_1.2.3_windows_arm64.zip
    InstallerSha256: ` + strings.ToUpper(arm64.SHA256) + `
ManifestType: installer
ManifestVersion: 1.10.0
`,
		"manifests/a/Acme/App/1.2.3/Acme.App.locale.en-US.yaml": `# Created by magestatic.
# yaml-language-server: $schema=https://aka.ms/winget-manifest.defaultLocale.1.10.0.schema.json

PackageIdentifier: Acme.App
PackageVersion: 1.2.3
PackageLocale: en-US
Publisher: Acme Corp
PackageName: App
PackageUrl: https://github.com/acme/app
License: MIT
ShortDescription: Serves things
Tags:
  - cli
  - server
ManifestType: defaultLocale
ManifestVersion: 1.10.0
`,
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("manifests %v, want 3", len(got))
	}
	again, _ := p.manifests(r)
	for i := range again {
		if !bytes.Equal(again[i].data, files[i].data) {
			t.Errorf("%s differs from one run to the next", files[i].path)
		}
	}
}

func TestManifestsOneBinary(t *testing.T) {
	r := downloadtest.Release(t, "v2.0.0-beta.1", false, []string{"app", "tool"}, "windows/386")
	p := testPackage()
	p.PackageIdentifier = "acme.Tools.App"
	p.Binaries = []string{"tool"}
	files, err := p.manifests(r)
	if err != nil {
		t.Fatal(err)
	}
	got := validate(t, files)
	inst := got["manifests/a/acme/Tools/App/2.0.0-beta.1/acme.Tools.App.installer.yaml"]
	if !strings.Contains(inst, "- Architecture: x86\n    NestedInstallerFiles:\n      - RelativeFilePath: tool.exe\n        PortableCommandAlias: tool\n") || strings.Contains(inst, "app.exe") {
		t.Errorf("installer manifest:\n%s", inst)
	}
}

func TestSchema(t *testing.T) {
	for kind, bad := range map[string]string{
		"version":       "PackageIdentifier: App\nPackageVersion: 1.0.0\nDefaultLocale: en-US\nManifestType: version\nManifestVersion: 1.10.0\n",
		"installer":     "PackageIdentifier: Acme.App\nPackageVersion: 1.0.0\nInstallers:\n  - Architecture: x64\n    InstallerUrl: https://x.example/a.zip\n    InstallerSha256: XYZ\nManifestType: installer\nManifestVersion: 1.10.0\n",
		"defaultLocale": "PackageIdentifier: Acme.App\nPackageVersion: 1.0.0\nPackageLocale: en-US\nPublisher: Acme\nPackageName: App\nShortDescription: Serves\nManifestType: defaultLocale\nManifestVersion: 1.10.0\n",
	} {
		if schemaErr(t, kind, []byte(bad)) == nil {
			t.Errorf("the %s schema accepts\n%s", kind, bad)
		}
	}
}
