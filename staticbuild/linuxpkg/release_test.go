package linuxpkg

import (
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// The packages of the test project's release v1.2.0-rc.1.
var wantPackages = map[string]struct{ kind, platform, arch string }{
	"app_1.2.0~rc.1_amd64.deb":     {"deb", "linux/amd64", "amd64"},
	"app_1.2.0~rc.1_arm64.deb":     {"deb", "linux/arm64", "arm64"},
	"app-1.2.0~rc.1-1.x86_64.rpm":  {"rpm", "linux/amd64", "x86_64"},
	"app-1.2.0~rc.1-1.aarch64.rpm": {"rpm", "linux/arm64", "aarch64"},
	"app_1.2.0_rc1-r0_x86_64.apk":  {"apk", "linux/amd64", "x86_64"},
	"app_1.2.0_rc1-r0_aarch64.apk": {"apk", "linux/arm64", "aarch64"},
}

// TestRelease releases the test project with its package and reads each
// package with the format's own tools: dpkg-deb and dpkg (installing into
// a throwaway root), rpm (querying, checking the digests and installing
// into a throwaway root), and for apk, which Debian bookworm does not
// ship, Go's archive/tar and compress/gzip. The binary each package
// installs is the released one and prints the release's version.
func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("a release and three package managers")
	}
	need(t, "dpkg", "dpkg-deb", "rpm")
	t.Parallel()
	dir := testmod.New(t, "", "app", project, "v1.2.0-rc.1")
	steps := []staticbuild.Step{Step(pkg())}
	var log bytes.Buffer
	r, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: steps, Environ: env(t, false)}).Release(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	dist := filepath.Join(dir, "dist")
	sums, _ := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	manifest, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range manifest {
		if a.Kind != kindDeb && a.Kind != kindRPM && a.Kind != kindAPK {
			continue
		}
		got = append(got, a.Path)
		w, ok := wantPackages[a.Path]
		if !ok || string(a.Kind) != w.kind || a.Platform != w.platform || a.OS != "linux" || a.Version != "v1.2.0-rc.1" {
			t.Errorf("artifacts.json lists %+v", a)
		}
		if !strings.Contains(string(sums), a.SHA256+"  "+a.Path+"\n") {
			t.Errorf("SHA256SUMS does not list %s with its SHA-256", a.Path)
		}
	}
	if len(got) != len(wantPackages) {
		t.Fatalf("artifacts.json lists the packages %q, want %d", got, len(wantPackages))
	}
	check := exec.Command("sha256sum", "-c", "--strict", "SHA256SUMS")
	check.Dir = dist
	if out, err := check.CombinedOutput(); err != nil || !strings.Contains(string(out), "app_1.2.0_rc1-r0_x86_64.apk: OK\n") {
		t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
	}
	released := func(pl string) []byte {
		for _, b := range r.Artifacts.Of(artifact.Binary) {
			if b.Binary == "app" && b.Platform == pl {
				data, _ := os.ReadFile(filepath.Join(dir, "dist", filepath.FromSlash(b.Path)))
				return data
			}
		}
		t.Fatalf("no app binary for %s", pl)
		return nil
	}
	for file, w := range wantPackages {
		p := filepath.Join(dist, file)
		var bin []byte
		switch w.kind {
		case "deb":
			bin = checkDeb(t, p, w.arch, w.platform == "linux/amd64")
		case "rpm":
			bin = checkRPM(t, p, w.arch, w.platform == "linux/amd64")
		case "apk":
			bin = checkAPK(t, p, w.arch)
		}
		if !bytes.Equal(bin, released(w.platform)) {
			t.Errorf("%s: /usr/bin/app is not the released binary for %s", file, w.platform)
		}
		checkBinary(t, file, bin, w.platform)
	}
	// With nothing changed, the next release is a no-op.
	log.Reset()
	if _, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: steps, Environ: env(t, false)}).Release(context.Background()); err != nil || !strings.Contains(log.String(), "nothing changed") {
		t.Errorf("the second release: %v\n%s", err, log.String())
	}
	// A change to the package's settings is a change, which the same
	// version publishes only when told to.
	changed := pkg()
	changed.Description = "Another"
	_, err = (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: []staticbuild.Step{Step(changed)}, Environ: env(t, false)}).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("a release with another description and the same version: %v, want a refusal", err)
	}
}

// checkBinary runs the binary when it is the machine's, or else checks
// its ELF machine.
func checkBinary(t *testing.T, file string, bin []byte, pl string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("%s: /usr/bin/app: %v", file, err)
	}
	want := map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}[pl]
	if f.Machine != want {
		t.Errorf("%s: /usr/bin/app is for %v, want %v", file, f.Machine, want)
	}
}

// runVersion runs an installed binary's --version and checks that it
// prints the release's version.
func runVersion(t *testing.T, what, bin string) {
	t.Helper()
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "version:   v1.2.0-rc.1\n") {
		t.Errorf("%s: %s --version: %v\n%s", what, bin, err, out)
	}
}

// checkDeb reads a deb with dpkg-deb, installs it with dpkg into a
// throwaway root when install is set (then purges it) and returns its
// /usr/bin/app.
func checkDeb(t *testing.T, deb, arch string, install bool) []byte {
	t.Helper()
	info := run(t, "dpkg-deb", "--info", deb)
	for _, want := range []string{"Package: app\n", "Version: 1.2.0~rc.1\n", "Architecture: " + arch + "\n",
		"Maintainer: Acme Ops <ops@acme.example>\n", "Section: misc\n", "Depends: ca-certificates\n", "Homepage: https://acme.example/app\n",
		"Description: The app\n  It serves.\n", " postinst ", " conffiles "} {
		if !strings.Contains(info, want) {
			t.Errorf("dpkg-deb --info %s has no %q:\n%s", filepath.Base(deb), want, info)
		}
	}
	contents := run(t, "dpkg-deb", "--contents", deb)
	for _, want := range []string{"-rwxr-xr-x root/root   ", " 2026-01-02 03:04 ./usr/bin/app\n", "-rw-r--r-- root/root ",
		"./etc/app/app.conf\n", "./usr/lib/systemd/system/app.service\n", "./usr/share/doc/app/README\n"} {
		if !strings.Contains(contents, want) {
			t.Errorf("dpkg-deb --contents %s has no %q:\n%s", filepath.Base(deb), want, contents)
		}
	}
	if strings.Contains(contents, "tool") {
		t.Errorf("%s holds the binary tool, which Package.Binaries leaves out:\n%s", filepath.Base(deb), contents)
	}
	if !install {
		x := t.TempDir()
		run(t, "dpkg-deb", "-x", deb, x)
		data, _ := os.ReadFile(filepath.Join(x, "usr/bin/app"))
		return data
	}
	root := t.TempDir()
	admin := filepath.Join(root, "var/lib/dpkg")
	for _, d := range []string{"info", "updates"} {
		os.MkdirAll(filepath.Join(admin, d), 0o755)
	}
	os.WriteFile(filepath.Join(admin, "status"), nil, 0o644)
	// The script runs outside a chroot, which has no shell, and writes
	// under $DPKG_ROOT; ca-certificates is not in the throwaway root.
	run(t, "dpkg", "--instdir="+root, "--admindir="+admin, "--log=/dev/null", "--force-script-chrootless", "--force-depends", "-i", deb)
	if got, _ := os.ReadFile(filepath.Join(root, "var/lib/app/postinst")); string(got) != "configured configure\n" {
		t.Errorf("dpkg -i %s: the post-install script wrote %q", filepath.Base(deb), got)
	}
	if got, _ := os.ReadFile(filepath.Join(admin, "info/app.conffiles")); string(got) != "/etc/app/app.conf\n" {
		t.Errorf("dpkg -i %s: the conffiles are %q", filepath.Base(deb), got)
	}
	status := run(t, "dpkg", "--admindir="+admin, "-s", "app")
	if !strings.Contains(status, "Status: install ok installed\n") || !strings.Contains(status, "Version: 1.2.0~rc.1\n") {
		t.Errorf("dpkg -s app after dpkg -i:\n%s", status)
	}
	runVersion(t, filepath.Base(deb), filepath.Join(root, "usr/bin/app"))
	if fi, err := os.Stat(filepath.Join(root, "etc/app/app.conf")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("dpkg -i %s: /etc/app/app.conf: %v %v", filepath.Base(deb), fi, err)
	}
	data, _ := os.ReadFile(filepath.Join(root, "usr/bin/app"))
	// Purging removes every file and the package's own directories.
	run(t, "dpkg", "--instdir="+root, "--admindir="+admin, "--log=/dev/null", "--force-script-chrootless", "--purge", "app")
	for _, gone := range []string{"usr/bin/app", "etc/app", "usr/share/doc/app"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); err == nil {
			t.Errorf("dpkg --purge app left /%s", gone)
		}
	}
	return data
}

// checkRPM queries an rpm with rpm -qip and -qlp, checks its digests,
// installs it into a throwaway root, removes it, and returns its
// /usr/bin/app.
func checkRPM(t *testing.T, pkg, arch string, native bool) []byte {
	t.Helper()
	info := run(t, "rpm", "-qip", pkg)
	for _, want := range []string{"Name        : app\n", "Version     : 1.2.0~rc.1\n", "Release     : 1\n", "Architecture: " + arch + "\n",
		"License     : MIT\n", "Build Date  : Fri Jan  2 03:04:05 2026\n", "Build Host  : reproducible\n",
		"Packager    : Acme Ops <ops@acme.example>\n", "Vendor      : Acme\n", "URL         : https://acme.example/app\n", "Summary     : The app\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("rpm -qip %s has no %q:\n%s", filepath.Base(pkg), want, info)
		}
	}
	list := run(t, "rpm", "-qlpv", pkg)
	for _, want := range []string{"-rwxr-xr-x    1 root     root ", " /usr/bin/app\n", "/etc/app/app.conf\n", "/usr/lib/systemd/system/app.service\n", "/usr/share/doc/app/README\n"} {
		if !strings.Contains(list, want) {
			t.Errorf("rpm -qlpv %s has no %q:\n%s", filepath.Base(pkg), want, list)
		}
	}
	if dirs := run(t, "rpm", "-qlp", pkg); !strings.Contains(dirs, "/etc/app\n") || !strings.Contains(dirs, "/usr/share/doc/app\n") || strings.Contains(dirs, "/etc\n") || strings.Contains(dirs, "/usr/share/doc\n") {
		t.Errorf("rpm -qlp %s: the package owns not /etc/app and /usr/share/doc/app alone of the directories:\n%s", filepath.Base(pkg), dirs)
	}
	if got := run(t, "rpm", "-qp", "--configfiles", pkg); got != "/etc/app/app.conf\n" {
		t.Errorf("rpm -qp --configfiles %s: %q", filepath.Base(pkg), got)
	}
	if got := run(t, "rpm", "-qp", "--requires", pkg); !strings.Contains(got, "ca-certificates\n") {
		t.Errorf("rpm -qp --requires %s: %q", filepath.Base(pkg), got)
	}
	if got := run(t, "rpm", "-qp", "--scripts", pkg); !strings.Contains(got, "postinstall scriptlet") || !strings.Contains(got, postinst) {
		t.Errorf("rpm -qp --scripts %s:\n%s", filepath.Base(pkg), got)
	}
	if got := run(t, "rpm", "-Kv", "--nosignature", pkg); strings.Count(got, "digest: OK") < 2 {
		t.Errorf("rpm -Kv %s:\n%s", filepath.Base(pkg), got)
	}
	root := t.TempDir()
	run(t, "rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--initdb")
	args := []string{"--root", root, "--dbpath", "/var/lib/rpm", "-i", "--nodeps", "--noscripts"}
	if !native {
		args = append(args, "--ignorearch")
	}
	run(t, "rpm", append(args, pkg)...)
	if got := run(t, "rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-qa"); got != "app-1.2.0~rc.1-1."+arch+"\n" {
		t.Errorf("rpm -qa after rpm -i %s: %q", filepath.Base(pkg), got)
	}
	if native {
		runVersion(t, filepath.Base(pkg), filepath.Join(root, "usr/bin/app"))
	}
	data, _ := os.ReadFile(filepath.Join(root, "usr/bin/app"))
	run(t, "rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-e", "--noscripts", "app")
	for _, gone := range []string{"usr/bin/app", "etc/app", "usr/share/doc/app"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); err == nil {
			t.Errorf("rpm -e app left /%s", gone)
		}
	}
	return data
}

// checkAPK reads an apk's streams, checks .PKGINFO, its data hash, the
// script and the files, runs the binary when it is the machine's and
// returns it.
func checkAPK(t *testing.T, pkg, arch string) []byte {
	t.Helper()
	data, err := os.ReadFile(pkg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := readAPK(data)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(pkg), err)
	}
	name := filepath.Base(pkg)
	for k, want := range map[string]string{"pkgname": "app", "pkgver": "1.2.0_rc1-r0", "arch": arch, "maintainer": "Acme Ops <ops@acme.example>",
		"license": "MIT", "url": "https://acme.example/app", "depend": "ca-certificates", "datahash": p.dataHash} {
		if got := p.info[k]; !slices.Equal(got, []string{want}) {
			t.Errorf("%s: .PKGINFO has %s = %q, want %q", name, k, got, want)
		}
	}
	if s, ok := p.control[".post-install"]; !ok || string(s.data) != postinst || s.hdr.Mode&0o111 == 0 || !s.hdr.ModTime.Equal(mustTime(t)) {
		t.Errorf("%s: .post-install is %v", name, s.hdr)
	}
	for file, mode := range map[string]int64{"usr/bin/app": 0o755, "etc/app/app.conf": 0o644, "usr/lib/systemd/system/app.service": 0o644, "usr/share/doc/app/README": 0o644} {
		f, ok := p.data[file]
		if !ok {
			t.Errorf("%s has no %s: %v", name, file, p.data)
			continue
		}
		if f.hdr.Mode != mode || f.hdr.Uid != 0 || f.hdr.Gid != 0 || f.hdr.Uname != "root" || !f.hdr.ModTime.Equal(mustTime(t)) {
			t.Errorf("%s: %s: mode %o, owner %d:%d %s, time %v", name, file, f.hdr.Mode, f.hdr.Uid, f.hdr.Gid, f.hdr.Uname, f.hdr.ModTime)
		}
		if f.hdr.PAXRecords["APK-TOOLS.checksum.SHA1"] == "" {
			t.Errorf("%s: %s has no APK-TOOLS.checksum.SHA1", name, file)
		}
	}
	bin := p.data["usr/bin/app"].data
	if arch == "x86_64" {
		x := filepath.Join(t.TempDir(), "app")
		os.WriteFile(x, bin, 0o755)
		runVersion(t, name, x)
	}
	return bin
}
