//go:build linux

package staticbuild_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestFailingPlatform releases a version in which one platform does not
// compile, over a complete earlier release: every other platform builds,
// the error names the failing one with its compiler output, Release
// publishes nothing, and the next good release leaves exactly one release.
func TestFailingPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	dir := testmod.New(t, "", "failapp", map[string]string{
		"main.go":     testmod.Hello,
		"README.md":   "# failapp\n",
		"magefile.go": testmod.Magefile,
	}, "v1.0.0")
	env := faultEnv("MAGESTATIC_PLATFORMS=linux/amd64,windows/amd64,darwin/arm64")
	dist := filepath.Join(dir, "dist")
	if o := goMage(t, dir, env, "release"); o.code != 0 {
		t.Fatalf("the first release exited %d:\n%s", o.code, o.out)
	}
	before := distFiles(t, dist)

	broken := "//go:build windows\n\npackage main\n\nvar _ int = \"not an int\"\n"
	if err := os.WriteFile(filepath.Join(dir, "broken_windows.go"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	testmod.Git(t, dir, "add", "-A")
	testmod.Git(t, dir, "commit", "-qm", "break windows")
	testmod.Git(t, dir, "tag", "v1.1.0")
	o := goMage(t, dir, env, "release")
	expectFailure(t, o, "build: 1 of 3 builds failed", "failapp: windows/amd64: go build failed",
		`broken_windows.go:5:13: cannot use "not an int"`, "release: nothing was published; dist is as the last release left it")
	// The binaries that did build stay under temporary names until the
	// manifest step, which the failed release never reaches: dist/ is the
	// v1.0.0 release, file for file and byte for byte.
	after := distFiles(t, dist)
	for name, sum := range after {
		switch {
		case strings.Contains(name, "1.1.0"):
			t.Errorf("the failed release published %s", name)
		case before[name] == "":
			t.Errorf("the failed release left %s in dist/", name)
		case before[name] != sum:
			t.Errorf("the failed release changed %s of the last release", name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("the failed release removed %s of the last release", name)
		}
	}
	d := inspectDist(t, dist)
	want := []string{"failapp_darwin_arm64/failapp", "failapp_linux_amd64/failapp", "failapp_windows_amd64/failapp.exe"}
	if !slices.Equal(d.binaries, want) || len(d.partial)+len(d.temp) > 0 {
		t.Errorf("after the failed release dist/ holds %+v; want the last release's three binaries and no temporary file", d)
	}
	for _, b := range d.binaries {
		data, _ := os.ReadFile(filepath.Join(dist, b))
		if !bytes.Contains(data, []byte("v1.0.0")) {
			t.Errorf("%s is not the v1.0.0 build", b)
		}
	}
	list, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Version != "v1.0.0" {
			t.Errorf("after the failed release the manifest lists %s of %s", a.Path, a.Version)
		}
	}
	t.Logf("observed: a release with windows/amd64 not compiling, over the v1.0.0 release: exit %d after %.1fs; the other 2 platforms built; the error names windows/amd64 with its compiler output; dist/ was left as v1.0.0 left it, byte for byte (%d files, no temporary file)",
		o.code, o.took.Seconds(), len(after))

	// Mend it: the next release must leave one release, v1.1.1, alone.
	if err := os.Remove(filepath.Join(dir, "broken_windows.go")); err != nil {
		t.Fatal(err)
	}
	testmod.Git(t, dir, "commit", "-qam", "mend windows")
	testmod.Git(t, dir, "tag", "v1.1.1")
	if o := goMage(t, dir, env, "release"); o.code != 0 {
		t.Fatalf("the mended release exited %d:\n%s", o.code, o.out)
	}
	var names []string
	for name := range distFiles(t, dist) {
		names = append(names, name)
	}
	slices.Sort(names)
	want = []string{".gitignore", "SHA256SUMS", "artifacts.json",
		"failapp_1.1.1_darwin_arm64.sbom.json", "failapp_1.1.1_darwin_arm64.tar.gz",
		"failapp_1.1.1_linux_amd64.sbom.json", "failapp_1.1.1_linux_amd64.tar.gz",
		"failapp_1.1.1_windows_amd64.sbom.json", "failapp_1.1.1_windows_amd64.zip",
		"failapp_darwin_arm64/failapp", "failapp_linux_amd64/failapp", "failapp_windows_amd64/failapp.exe"}
	if !slices.Equal(names, want) {
		t.Errorf("after the mended release dist/ holds\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
}

// oddNote and oddOther are -X values with every kind of character the
// linker arguments must carry: spaces, a tab, quotes, "=", and text
// outside ASCII. A value with white space and both kinds of quote cannot
// pass through -ldflags at all; the configuration tests reject it. oddTag
// is a tag with such characters, which a build stamps as it is but a
// release refuses, since the version names the archives; oddRelease is
// the most a release's tag may hold.
const (
	oddNote    = "a b  \"c\" d=e\tf ü € 日本"
	oddOther   = "it's = 'x' ü"
	oddTag     = "v1.2.3-rc\"1'=ü€"
	oddRelease = "v1.2.3-rc.1+build_5.x-y"
)

// TestOddValues builds and releases a project whose name, directory, tag
// and -X values hold spaces, quotes, "=" and text outside ASCII, and
// checks that each reaches the binary, the archives and the checksum file
// exactly, and that a release refuses a tag that cannot name a file.
func TestOddValues(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	magefile := fmt.Sprintf(`//go:build mage

package main

import (
	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
)

func init() {
	staticbuild.Project = staticbuild.Config{
		Name:    %q,
		Ldflags: []string{"-X", %q, "-X", %q},
		Stamp:   staticbuild.Stamp{Version: []string{"main.ver"}},
	}
}
`, "odd app ü", "main.note="+oddNote, "main.other="+oddOther)
	main := `package main

import (
	"encoding/json"
	"os"

	"github.com/magestatic/magestatic/version"
)

var note, other, ver string

func main() {
	i := version.Get()
	json.NewEncoder(os.Stdout).Encode(map[string]string{"note": note, "other": other, "ver": ver, "version": i.Version, "commit": i.Commit, "built": i.BuildTime})
}
`
	parent := filepath.Join(t.TempDir(), "a dir with spaces", "ünï cødé 'q' \"qq\"")
	dir := testmod.New(t, parent, "odd app", map[string]string{"main.go": main, "magefile.go": magefile, "README.md": "# odd\n"}, oddTag)
	env := faultEnv("MAGESTATIC_PLATFORMS=" + runtime.GOOS + "/" + runtime.GOARCH + ",windows/amd64")
	dist := filepath.Join(dir, "dist")
	host := filepath.Join(dist, "odd app ü_"+runtime.GOOS+"_"+runtime.GOARCH, "odd app ü")
	exe := filepath.Join(dist, "odd app ü_windows_amd64", "odd app ü.exe")

	// checkBinaries runs the host's binary and reads the windows one for
	// the stamped values.
	checkBinaries := func(tag string) {
		t.Helper()
		out, err := exec.Command(host).Output()
		if err != nil {
			t.Fatalf("running %s: %v", host, err)
		}
		var got map[string]string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s printed %q: %v", host, out, err)
		}
		for k, v := range map[string]string{"note": oddNote, "other": oddOther, "ver": tag, "version": tag} {
			if got[k] != v {
				t.Errorf("the binary's %s is %q, want %q", k, got[k], v)
			}
		}
		exeData := mustRead(t, exe)
		for _, v := range []string{oddNote, oddOther, tag} {
			if !bytes.Contains(exeData, []byte(v)) {
				t.Errorf("the windows binary does not hold %q", v)
			}
		}
	}

	// A build stamps the odd tag as it is.
	o := goMage(t, dir, env, "cross")
	if o.code != 0 {
		t.Fatalf("cross exited %d:\n%s", o.code, o.out)
	}
	noPanic(t, o.out)
	checkBinaries(oddTag)

	// A release refuses it, naming the character, before it builds.
	manifest := mustRead(t, filepath.Join(dist, "artifacts.json"))
	o = goMage(t, dir, env, "release")
	expectFailure(t, o, fmt.Sprintf("version %q contains the character '\"'", oddTag), "use a semantic version tag like v1.2.3")
	noBuildStarted(t, o.out)
	if !bytes.Equal(mustRead(t, filepath.Join(dist, "artifacts.json")), manifest) {
		t.Error("the refused release changed the manifest")
	}

	// Released under the oddest tag a release takes.
	testmod.Git(t, dir, "tag", "-d", oddTag)
	testmod.Git(t, dir, "tag", oddRelease)
	o = goMage(t, dir, env, "release")
	if o.code != 0 {
		t.Fatalf("release exited %d:\n%s", o.code, o.out)
	}
	noPanic(t, o.out)
	checkBinaries(oddRelease)

	version := strings.TrimPrefix(oddRelease, "v")
	tgz := filepath.Join(dist, "odd app ü_"+version+"_"+runtime.GOOS+"_"+runtime.GOARCH+".tar.gz")
	if data := tarEntry(t, tgz, "odd app ü"); !bytes.Equal(data, mustRead(t, host)) {
		t.Errorf("%s does not hold the binary under its name", tgz)
	}
	zipName := filepath.Join(dist, "odd app ü_"+version+"_windows_amd64.zip")
	if data := zipEntry(t, zipName, "odd app ü.exe"); !bytes.Equal(data, mustRead(t, exe)) {
		t.Errorf("%s does not hold the binary under its name", zipName)
	}

	list, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Version != oddRelease {
			t.Errorf("manifest entry %q has version %q, want %q", a.Name, a.Version, oddRelease)
		}
		if a.Kind == artifact.Binary && a.Binary != "odd app ü" {
			t.Errorf("manifest entry %q is of the binary %q, want %q", a.Path, a.Binary, "odd app ü")
		}
	}
	if out, err := runInDir(dist, "sha256sum", "--strict", "-c", "SHA256SUMS"); err != nil || strings.Count(out, ": OK") != 4 {
		t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
	}
	t.Logf("observed: project %q in %q, -X values %q and %q: the binary printed each exactly, with the tag %q from cross and %q from release; release refused %q before building; the tar.gz and zip hold %q and %q; sha256sum -c passed on 4 files",
		"odd app ü", parent, oddNote, oddOther, oddTag, oddRelease, oddTag, "odd app ü", "odd app ü.exe")
}

// mustRead returns the contents of a file.
func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// tarEntry returns the contents of the named entry of a .tar.gz file.
func tarEntry(t *testing.T, archive, name string) []byte {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s has no entry %q: %v", archive, name, err)
		}
		if h.Name == name {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
}

// zipEntry returns the contents of the named entry of a zip file.
func zipEntry(t *testing.T, archive, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			data, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatalf("%s has no entry %q", archive, name)
	return nil
}

// runInDir runs a command in dir and returns its combined output.
func runInDir(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}
