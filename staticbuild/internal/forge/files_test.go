package forge

import (
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// TestFiles checks which artifacts become assets: archives, checksums,
// SBOMs and the magefile's own kinds do; binaries, images, notes and the package managers' manifests do not.
func TestFiles(t *testing.T) {
	list := artifact.List{
		{Path: "SHA256SUMS", Kind: artifact.Checksums},
		{Path: "app_linux_amd64/app", Kind: artifact.Binary},
		{Path: "app_1.0.0_linux_amd64.tar.gz", Kind: artifact.Archive},
		{Path: "app_1.0.0_linux_amd64.sbom.json", Kind: artifact.SBOM},
		{Path: "app.dmg", Kind: "dmg"},
		{Path: "homebrew/Casks/app.rb", Kind: "homebrew-cask"},
		{Path: "homebrew/Formula/app.rb", Kind: "homebrew-formula"},
		{Path: "scoop/app.json", Kind: "scoop-manifest"},
		{Path: "winget/manifests/a/Acme/App/1.0.0/Acme.App.yaml", Kind: "winget-manifest"},
		{Path: "notes.md", Kind: "notes"},
		{Path: "images/app/index.json", Kind: artifact.ImageIndex},
	}
	where := func(a artifact.Artifact) string { return "/dist/" + a.Path }
	files, err := Files(list, where)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	want := []string{"SHA256SUMS", "app_1.0.0_linux_amd64.tar.gz", "app_1.0.0_linux_amd64.sbom.json", "app.dmg"}
	if !slices.Equal(names, want) {
		t.Errorf("assets %q, want %q", names, want)
	}

	_, err = Files(append(list, artifact.Artifact{Path: "other/app.dmg", Kind: "dmg"}), where)
	if err == nil || !strings.Contains(err.Error(), "would both be the asset app.dmg") {
		t.Errorf("two files named app.dmg: %v", err)
	}
}
