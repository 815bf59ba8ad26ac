package linuxpkg

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// completions are shell completions, installed in directories that the
// shells' packages own.
var completions = []Content{
	{Source: "completions/app.bash", Destination: "/etc/bash_completion.d/app"},
	{Source: "completions/app.fish", Destination: "/usr/share/fish/vendor_completions.d/app.fish"},
	{Source: "completions/_app", Destination: "/usr/share/zsh/site-functions/_app"},
	{Source: "completions/app.nu", Destination: "/usr/share/nushell/vendor/autoload/app.nu"},
}

// TestPackageOptions releases a package with shell completions, a
// directory of its own, a deb section, an rpm group and a file-name
// template, for linux/amd64, and reads the packages.
func TestPackageOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("a release")
	}
	need(t, "dpkg-deb", "rpm")
	t.Parallel()
	files := maps.Clone(project)
	for _, c := range completions {
		files[c.Source] = "# completion\n"
	}
	files["packaging/extra.conf"] = "x = 1\n"
	dir := testmod.New(t, "", "app", files, "v1.2.0")
	p := pkg()
	p.Contents = append(slices.Clone(completions), Content{Source: "packaging/extra.conf", Destination: "/etc/app/conf.d/extra.conf", Config: true})
	p.Systemd, p.Scripts = nil, Scripts{}
	p.Dirs = []string{"/var/lib/app"}
	p.Section, p.Group = "utils", "Applications/System"
	p.FileName = "{{.Name}}_{{.Version}}_{{.Platform}}{{.Ext}}"
	var log bytes.Buffer
	_, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: []staticbuild.Step{Step(p)},
		Environ: env(t, false, "MAGESTATIC_PLATFORMS"+"=linux/amd64")}).Release(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	dist := filepath.Join(dir, "dist")
	deb, rpm, apk := filepath.Join(dist, "app_1.2.0_linux_amd64.deb"), filepath.Join(dist, "app_1.2.0_linux_amd64.rpm"), filepath.Join(dist, "app_1.2.0_linux_amd64.apk")

	// An rpm owns the directories named after the package and the one
	// Dirs lists, not the shells' nor the system's.
	t.Run("RPMOwnsOnlyItsOwnDirectories", func(t *testing.T) {
		want := []string{"/etc/app", "/etc/app/conf.d", "/etc/app/conf.d/extra.conf", "/usr/bin/app", "/var/lib/app"}
		for _, c := range completions {
			want = append(want, c.Destination)
		}
		slices.Sort(want)
		got := strings.Fields(run(t, "rpm", "-qlp", rpm))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("rpm -qlp lists\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	// Dirs makes the directory in a deb and an apk too.
	t.Run("DirsInEveryFormat", func(t *testing.T) {
		if contents := run(t, "dpkg-deb", "--contents", deb); !strings.Contains(contents, "drwxr-xr-x root/root ") || !strings.Contains(contents, " ./var/lib/app/\n") {
			t.Errorf("dpkg-deb --contents has no ./var/lib/app/:\n%s", contents)
		}
		data, err := os.ReadFile(apk)
		if err != nil {
			t.Fatal(err)
		}
		a, err := readAPK(data)
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := a.data["var/lib/app/"]; !ok || f.hdr.Typeflag != '5' || f.hdr.Mode != 0o755 {
			t.Errorf("the apk has no directory var/lib/app/: %v", slices.Sorted(maps.Keys(a.data)))
		}
	})
	t.Run("SectionAndGroup", func(t *testing.T) {
		if got := strings.TrimSpace(run(t, "dpkg-deb", "--field", deb, "Section")); got != "utils" {
			t.Errorf("dpkg-deb --field Section: %q, want utils", got)
		}
		if got := run(t, "rpm", "-qp", "--queryformat", "%{GROUP}", rpm); got != "Applications/System" {
			t.Errorf("rpm's GROUP: %q, want Applications/System", got)
		}
	})
	// The files have FileName's names, which the manifest and the log
	// name.
	t.Run("FileNameAndLog", func(t *testing.T) {
		manifest, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range manifest {
			if a.Kind == kindDeb || a.Kind == kindRPM || a.Kind == kindAPK {
				got = append(got, a.Path)
			}
		}
		want := []string{"app_1.2.0_linux_amd64.apk", "app_1.2.0_linux_amd64.deb", "app_1.2.0_linux_amd64.rpm"}
		if slices.Sort(got); !slices.Equal(got, want) {
			t.Errorf("artifacts.json lists the packages %q, want %q", got, want)
		}
		for _, name := range want {
			if !strings.Contains(log.String(), "linuxpkg: "+name+"\n") {
				t.Errorf("the log does not name %s:\n%s", name, log.String())
			}
		}
		if strings.Contains(log.String(), "app_1.2.0_amd64.deb") || strings.Contains(log.String(), "x86_64.rpm") {
			t.Errorf("the log names the conventional file names:\n%s", log.String())
		}
	})
}

// TestFileName checks that the default names are the conventional ones,
// and what the template's fields hold.
func TestFileName(t *testing.T) {
	for _, c := range []struct{ tmpl, format, version, arch, pl, want string }{
		{"", "deb", "1.2.0~rc.1", "amd64", "linux/amd64", "app_1.2.0~rc.1_amd64.deb"},
		{"", "rpm", "1.2.0~rc.1", "x86_64", "linux/amd64", "app-1.2.0~rc.1-1.x86_64.rpm"},
		{"", "apk", "1.2.0_rc1", "armv7", "linux/arm/7", "app_1.2.0_rc1-r0_armv7.apk"},
		{"{{.Name}}-{{.Version}}-{{.Release}}.{{.Arch}}{{.Ext}}", "rpm", "1.2.0", "x86_64", "linux/amd64", "app-1.2.0-1.x86_64.rpm"},
		{"{{.Name}}_{{.Tag}}_{{.OS}}_{{.Platform}}.{{.Format}}", "apk", "1.2.0_rc1", "armv7", "linux/arm/7", "app_v1.2.0-rc.1_linux_linux_armv7.apk"},
		{"pkg/{{.Format}}/{{.Name}}{{.Ext}}", "deb", "1.2.0", "amd64", "linux/amd64", "pkg/deb/app.deb"},
	} {
		got, err := Package{FileName: c.tmpl}.file(c.format, "app", c.version, c.arch, c.pl, "v1.2.0-rc.1")
		if err != nil || got != c.want {
			t.Errorf("FileName %q for the %s of %s: %q, %v; want %q", c.tmpl, c.format, c.pl, got, err, c.want)
		}
	}
	for tmpl, want := range map[string]string{
		"{{.Nme}}":           `FileName "{{.Nme}}" uses a field that does not exist: the fields are .Name, .Version, .Release, .Arch, .OS, .Platform, .Tag, .Format, .Ext`,
		"{{.Name":            `FileName "{{.Name":`,
		"/srv/{{.Name}}.deb": `FileName "/srv/{{.Name}}.deb" makes "/srv/app.deb" for the deb of linux/amd64: want a file name, or a clean relative path inside the output directory`,
		"../{{.Name}}.deb":   `makes "../app.deb"`,
		"{{.Release}}":       `makes ""`,
	} {
		if _, err := (Package{FileName: tmpl}).file("deb", "app", "1.2.0", "amd64", "linux/amd64", "v1.2.0"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FileName %q: %v, want %q", tmpl, err, want)
		}
	}
}

// TestKeyOfDefaults checks that a Package that sets none of the newer
// fields keeps its step's key, so that a release made before them is not
// taken for a changed one.
func TestKeyOfDefaults(t *testing.T) {
	key := Step(pkg()).Key
	for _, field := range []string{"Dirs", "Section", "Group", "FileName"} {
		if strings.Contains(key, `"`+field+`"`) {
			t.Errorf("the key of a Package without %s names it: %s", field, key)
		}
	}
}

// TestLinuxPorts checks that every linux port of the toolchain has a deb
// architecture: linuxPort takes a platform without one for none of Go's.
func TestLinuxPorts(t *testing.T) {
	for _, pl := range strings.Fields(run(t, "go", "tool", "dist", "list")) {
		if !strings.HasPrefix(pl, "linux/") {
			continue
		}
		if !linuxPort(pl) {
			t.Errorf("%s is a linux port of the toolchain, which linuxPort does not know: add it to arches", pl)
		}
		if _, err := arch("deb", pl); err != nil {
			t.Errorf("%v", err)
		}
	}
	if linuxPort("linux/amd65") {
		t.Error("linuxPort(linux/amd65)")
	}
}
