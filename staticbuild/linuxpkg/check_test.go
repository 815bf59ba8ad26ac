package linuxpkg

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestCheckFailsBeforeBuilding releases with a bad field at a time: each
// release fails before anything builds, with an error naming the field,
// and writes nothing into dist/.
func TestCheckFailsBeforeBuilding(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
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
		{"file name template", func(p *Package) { *p = debOnly(*p); p.FileName = "{{.Nme}}{{.Ext}}" }, []string{"Package[0] (app).FileName \"{{.Nme}}{{.Ext}}\" uses a field that does not exist: the fields are .Name, .Version, .Release, .Arch, .OS, .Platform, .Tag, .Format, .Ext"}},
		{"depends list in one element", func(p *Package) { *p = debOnly(*p); p.Depends = []string{"libc6, ca-certificates"} }, []string{"Depends[0] \"libc6, ca-certificates\": want one package per element"}},
	} {
		p := pkg()
		c.edit(&p)
		_, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(p)}, Environ: env(t, false)}).Release(context.Background())
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
	_, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(debOnly(pkg()), debOnly(pkg()))}, Environ: env(t, false)}).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Package[0] (app) linux/amd64 and Package[1] (app) linux/amd64 both make app_1.2.0~nightly.5_amd64.deb") {
		t.Errorf("two packages of one name: %v", err)
	}
	_, err = (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(debOnly(pkg()))},
		Environ: append(env(t, false), "MAGESTATIC_PLATFORMS"+"=linux/amd64,linux/amd64/v3")}).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "both make app_1.2.0~nightly.5_amd64.deb: list one of them in Package.Platforms") {
		t.Errorf("linux/amd64 and linux/amd64/v3: %v", err)
	}
	_, err = (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step()}, Environ: env(t, false)}).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "linuxpkg.Step has no Package") {
		t.Errorf("a step without a package: %v", err)
	}
}

// TestCheckPlatformOfTheMatrix releases with a platform of the matrix
// that Go does not know: the release says so, and the step blames none
// of its fields.
func TestCheckPlatformOfTheMatrix(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", project, "v1.2.0")
	_, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(pkg())},
		Environ: env(t, false, "MAGESTATIC_PLATFORMS"+"=linux/amd65,linux/arm64")}).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), `unknown platform "linux/amd65"`) || strings.Contains(err.Error(), "Package[0]") {
		t.Errorf("a release for linux/amd65: %v, want the unknown platform alone", err)
	}
}

// TestCheckEveryMistakeOnce releases with several mistakes at once: the
// error names each once, a platform of the matrix that a format lacks as
// coming from the matrix, and one of Package.Platforms by its index.
func TestCheckEveryMistakeOnce(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", project, "v1.2.0")
	p := pkg()
	p.Maintainer = ""
	p.Section = "Utils"
	p.FileName = "{{.Name}}_{{.Arch}}"
	p.Dirs = []string{"/usr/share", "var/lib/app"}
	other := pkg()
	other.Name, other.Platforms = "app-mips", []string{"linux/amd64", "linux/mips"}
	_, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(p, other)},
		Environ: env(t, false, "MAGESTATIC_PLATFORMS"+"=linux/amd64,linux/mips")}).Release(context.Background())
	if err == nil {
		t.Fatal("the release succeeded")
	}
	for _, want := range []string{
		`Package[0] (app).Maintainer is empty`,
		`Package[0] (app).Section "Utils": want a deb section, such as "utils" or "contrib/net"`,
		`Package[0] (app).Dirs[0] "/usr/share" is a directory of the system`,
		`Package[0] (app).Dirs[1] "var/lib/app": want the clean absolute path of a directory`,
		`Package[0] (app).FileName: Package[0] (app) linux/amd64's rpm and Package[0] (app) linux/amd64's apk both make app_x86_64: give each format its own name, such as with {{.Ext}}`,
		`Package[0] (app): linux/mips, a platform of the matrix (MAGESTATIC_PLATFORMS), has no apk architecture, and Package.Platforms is not set: set it to the linux platforms to package, without linux/mips, or leave apk out of Package.Formats`,
		`Package[1] (app-mips).Platforms[1]: linux/mips has no apk architecture: leave linux/mips out of Package.Platforms or apk out of Package.Formats`,
	} {
		if n := strings.Count(err.Error(), want); n != 1 {
			t.Errorf("the error says %d times %q:\n%v", n, want, err)
		}
	}
	if n := strings.Count(err.Error(), "linux/mips has no") + strings.Count(err.Error(), "linux/mips, a platform"); n != 2 {
		t.Errorf("the error names linux/mips's architecture %d times, want once per Package:\n%v", n, err)
	}
	if strings.Contains(err.Error(), "Package[0] (app).Platforms") {
		t.Errorf("the error blames Package[0].Platforms, which is not set:\n%v", err)
	}
}
