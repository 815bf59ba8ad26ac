package linuxpkg

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestMagefile releases a project whose magefile is the one
// docs/packages.md shows (testdata/magefile.go; staticbuild's
// TestDocsLinuxpkgMagefile holds the two equal) with "go tool mage
// release", as a user does.
func TestMagefile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a magefile with nfpm and releases")
	}
	t.Parallel()
	magefile, err := os.ReadFile("testdata/magefile.go")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"magefiles/magefile.go": string(magefile)}
	for k, v := range project {
		files[k] = v
	}
	dir := testmod.New(t, "", "app", files, "v1.2.0")
	cmd := exec.Command("go", "tool", "mage", "release")
	cmd.Dir = dir
	cmd.Env = env(t, false)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool mage release: %v\n%s", err, out)
	}
	for _, name := range []string{"app_1.2.0_amd64.deb", "app-1.2.0-1.x86_64.rpm", "app_1.2.0-r0_x86_64.apk", "app_1.2.0_arm64.deb", "app-1.2.0-1.aarch64.rpm", "app_1.2.0-r0_aarch64.apk"} {
		if _, err := os.Stat(filepath.Join(dir, "dist", name)); err != nil || !strings.Contains(string(out), "linuxpkg: "+name+"\n") {
			t.Errorf("go tool mage release did not write %s: %v\n%s", name, err, out)
		}
	}
}
