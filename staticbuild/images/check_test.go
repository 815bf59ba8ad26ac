package images

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/image/registrytest"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestBadBaseBeforeBuild releases with a layout base that does not exist
// and with a registry base the registry does not have: the release fails
// in the step's Check, naming the field and the fix, before anything
// builds.
func TestBadBaseBeforeBuild(t *testing.T) {
	reg := registrytest.Start(t, "")
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	zero := "sha256:" + strings.Repeat("0", 64)
	for _, tc := range []struct{ base, want string }{
		{"oci-layout:nope", `images: images.Image[0] (registry.example/acme/app).Base "oci-layout:nope": %DIR%/nope does not exist: write an OCI image layout there`},
		{reg.Host + "/acme/base@" + zero, `images: images.Image[0] (registry.example/acme/app).Base "` + reg.Host + "/acme/base@" + zero + `": ` + reg.Host + " has no manifest " + zero + " in acme/base (HTTP 404): check the repository and the digest"},
	} {
		dir := testmod.New(t, "", "app", files, "v1.0.0")
		steps := []staticbuild.Step{Step(Image{Name: "registry.example/acme/app", Binaries: []string{"app", "tool"}, Base: tc.base})}
		r, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: steps, Environ: env(t, false)}).Release(context.Background())
		want := strings.ReplaceAll(tc.want, "%DIR%", dir)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Base %q: %v\nwant an error containing %s", tc.base, err, want)
		}
		if r != nil && len(r.Artifacts) > 0 {
			t.Errorf("Base %q: the release made %d artifacts before it failed, want none", tc.base, len(r.Artifacts))
		}
		filepath.WalkDir(filepath.Join(dir, "dist"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (d.Name() == "app" || d.Name() == "tool" || d.Name() == "app.exe") {
				t.Errorf("Base %q: the release built %s before it failed", tc.base, p)
			}
			return nil
		})
	}
}

// TestGoCommand releases with Config.Go a wrapper of the go command that
// logs its arguments to the file named by a variable of Config.Environ:
// the built-in base asks that go command, in that environment, for
// GOROOT.
func TestGoCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the wrapper is a shell script")
	}
	t.Parallel()
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip(err)
	}
	tmp := t.TempDir()
	wrapper, log := filepath.Join(tmp, "go"), filepath.Join(tmp, "go.log")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$GO_WRAPPER_LOG\"\nexec '" + realGo + "' \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	environ := testmod.Environ(t, false, "MAGESTATIC_PLATFORMS"+"=linux/amd64", "MAGESTATIC_CACHE"+"=off", "GO_WRAPPER_LOG="+log)
	if _, err := (staticbuild.Config{Dir: dir, Go: wrapper, Log: io.Discard, Steps: step(), Environ: environ}).Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(log)
	if !strings.Contains(string(b), "env GOROOT\n") {
		t.Errorf("the go command of Config.Go ran\n%s\nwithout \"env GOROOT\"", b)
	}
}

// TestDocNamesTarget checks that the package documentation imports the
// package under the name images and calls its target by the name mage
// gives it then: images:push.
func TestDocNamesTarget(t *testing.T) {
	out, err := exec.Command("go", "doc", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	doc := string(out)
	if !strings.Contains(doc, "//mage:import images\n") || !strings.Contains(doc, `"mage images:push"`) || strings.Contains(doc, `"mage push"`) {
		t.Errorf("go doc says\n%s\nwant //mage:import images and \"mage images:push\"", doc)
	}
}
