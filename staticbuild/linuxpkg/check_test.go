package linuxpkg

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/engine"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestCheckFailsBeforeBuilding releases with a bad field at a time: each
// release fails before anything builds, with an error naming the field,
// and writes nothing into dist/.
func TestCheckFailsBeforeBuilding(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", project, "v1.2.0-nightly.5")
	outside := filepath.Join(t.TempDir(), "secret.conf")
	os.WriteFile(outside, []byte("x"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "packaging/link.conf")); err != nil {
		t.Fatal(err)
	}
	testmod.Git(t, dir, "add", "-A")
	testmod.Git(t, dir, "commit", "-q", "-m", "link")
	testmod.Git(t, dir, "tag", "-f", "v1.2.0-nightly.5")
	debOnly := func(p Package) Package { p.Formats = []string{"deb", "rpm"}; return p }
	for _, c := range []struct {
		name string
		edit func(*Package)
		want []string
	}{
		{"empty maintainer", func(p *Package) { p.Maintainer = " " }, []string{"Package[0] (app).Maintainer is empty"}},
		{"version apk cannot hold", func(p *Package) {}, []string{"Package[0] (app).Formats[2] (apk): version \"v1.2.0-nightly.5\": apk allows only the pre-releases", "drop apk from Formats"}},
		{"source outside the module", func(p *Package) {
			*p = debOnly(*p)
			p.Contents = append(p.Contents, Content{Source: "../secret.conf", Destination: "/etc/app/secret.conf"})
		}, []string{"Package[0] (app).Contents[2].Source: \"../secret.conf\": want a file inside the module"}},
		{"absolute source", func(p *Package) {
			*p = debOnly(*p)
			p.Contents = append(p.Contents, Content{Source: outside, Destination: "/etc/app/secret.conf"})
		}, []string{"Contents[2].Source: \"" + outside + "\": want a file inside the module"}},
		{"link out of the module", func(p *Package) {
			*p = debOnly(*p)
			p.Contents = append(p.Contents, Content{Source: "packaging/link.conf", Destination: "/etc/app/link.conf"})
		}, []string{"Contents[2].Source: \"packaging/link.conf\" is a link to", "outside the module"}},
		{"missing source", func(p *Package) {
			*p = debOnly(*p)
			p.Systemd = []string{"packaging/missing.service"}
		}, []string{"Package[0] (app).Systemd[0]: \"packaging/missing.service\"", "no such file"}},
		{"missing script", func(p *Package) { *p = debOnly(*p); p.Scripts.PreRemove = "packaging/prerm.sh" }, []string{"Scripts.PreRemove: \"packaging/prerm.sh\"", "no such file"}},
		{"unknown binary", func(p *Package) { *p = debOnly(*p); p.Binaries = []string{"app", "server"} }, []string{"Package[0] (app).Binaries[1]: the project has no binary named \"server\" (it has app, tool)"}},
		{"unknown format", func(p *Package) { p.Formats = []string{"deb", "pkg"} }, []string{"Package[0] (app).Formats[1]: unknown format \"pkg\": want deb, rpm or apk"}},
		{"relative destination", func(p *Package) { *p = debOnly(*p); p.Contents[0].Destination = "etc/app.conf" }, []string{"Contents[0].Destination \"etc/app.conf\": want the clean absolute path"}},
		{"two files at one destination", func(p *Package) { *p = debOnly(*p); p.Contents[1].Destination = "/usr/bin/app" }, []string{"Contents[1]: binary app also installs /usr/bin/app"}},
		{"bad name", func(p *Package) { *p = debOnly(*p); p.Name = "My App" }, []string{"Package[0] (My App).Name \"My App\": want lower-case letters"}},
		{"platform not in the matrix", func(p *Package) { *p = debOnly(*p); p.Platforms = []string{"linux/riscv64", "windows/amd64"} }, []string{"Platforms[0]: linux/riscv64 is not in the matrix", "Platforms[1]: windows/amd64 is not a linux platform"}},
		{"homepage", func(p *Package) { *p = debOnly(*p); p.Homepage = "acme.example" }, []string{"Homepage \"acme.example\": want an http or https URL"}},
		{"depends list in one element", func(p *Package) { *p = debOnly(*p); p.Depends = []string{"libc6, ca-certificates"} }, []string{"Depends[0] \"libc6, ca-certificates\": want one package per element"}},
	} {
		p := pkg()
		c.edit(&p)
		_, err := engine.Release(context.Background(), engine.Config{Dir: dir, Log: io.Discard, Steps: []engine.Step{Step(p)}, Environ: env(t, false)})
		if err == nil {
			t.Errorf("%s: the release succeeded", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: the error does not say %q:\n%v", c.name, w, err)
			}
		}
		if entries, _ := os.ReadDir(filepath.Join(dir, "dist")); len(entries) > 0 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("%s: the failed release wrote %q into dist/", c.name, names)
		}
	}
	// Two Packages writing the same files, and two platforms giving the
	// same architecture, are refused too.
	_, err := engine.Release(context.Background(), engine.Config{Dir: dir, Log: io.Discard, Steps: []engine.Step{Step(debOnly(pkg()), debOnly(pkg()))}, Environ: env(t, false)})
	if err == nil || !strings.Contains(err.Error(), "Package[0] (app) linux/amd64 and Package[1] (app) linux/amd64 both make app_1.2.0~nightly.5_amd64.deb") {
		t.Errorf("two packages of one name: %v", err)
	}
	_, err = engine.Release(context.Background(), engine.Config{Dir: dir, Log: io.Discard, Steps: []engine.Step{Step(debOnly(pkg()))},
		Environ: append(env(t, false), engine.EnvPlatforms+"=linux/amd64,linux/amd64/v3")})
	if err == nil || !strings.Contains(err.Error(), "both make app_1.2.0~nightly.5_amd64.deb: list one of them in Package.Platforms") {
		t.Errorf("linux/amd64 and linux/amd64/v3: %v", err)
	}
	_, err = engine.Release(context.Background(), engine.Config{Dir: dir, Log: io.Discard, Steps: []engine.Step{Step()}, Environ: env(t, false)})
	if err == nil || !strings.Contains(err.Error(), "linuxpkg.Step has no Package") {
		t.Errorf("a step without a package: %v", err)
	}
}
