package homebrew

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/download"
	"github.com/magestatic/magestatic/staticbuild/internal/download/downloadtest"
)

// needRuby skips the test without ruby, and fails it in CI.
func needRuby(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ruby"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ruby is not installed (apt-get install ruby)")
		}
		t.Skip("ruby is not installed")
	}
}

// declared is what testdata/read.rb reads from a cask or formula.
type declared struct {
	Token, Class, Version, SHA256, URL, Desc, Homepage, Name, License string
	Binaries                                                          []string
	DependsOn                                                         []string `json:"depends_on"`
	Livecheck, Test                                                   bool
}

// read checks data's syntax with ruby -c, then loads it with
// testdata/read.rb as Homebrew would on the system goos ("macos" or
// "linux") and the CPU arch ("arm" or "intel").
func read(t *testing.T, data []byte, goos, arch string) declared {
	t.Helper()
	f := filepath.Join(t.TempDir(), "app.rb")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ruby", "-c", f).CombinedOutput(); err != nil {
		t.Fatalf("ruby -c: %v\n%s\n%s", err, out, data)
	}
	cmd := exec.Command("ruby", "testdata/read.rb", f)
	cmd.Env = append(os.Environ(), "OS="+goos, "ARCH="+arch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ruby testdata/read.rb: %v\n%s\n%s", err, stderr.String(), data)
	}
	var d declared
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func testPackage() Package {
	return Package{
		Name:        "app",
		DisplayName: "Acme App",
		Description: `Serves "things" #{not interpolated} \ more`,
		Homepage:    "https://github.com/acme/app",
		License:     "MIT",
		URL:         "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}",
	}
}

// archives returns the run's archives as the step finds them.
func archives(t *testing.T, r *staticbuild.Run, p Package) []download.Archive {
	tmpl, err := download.ParseURL("URL", p.URL)
	if err != nil {
		t.Fatal(err)
	}
	all, err := download.Find(r, tmpl, p.Binaries, "darwin", "linux")
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func archiveOf(t *testing.T, r *staticbuild.Run, pl string) artifact.Artifact {
	for _, a := range r.Artifacts.Of(artifact.Archive) {
		if a.Platform == pl {
			return a
		}
	}
	t.Fatalf("no archive of %s", pl)
	return artifact.Artifact{}
}

func TestCaskAndFormula(t *testing.T) {
	needRuby(t)
	r := downloadtest.Release(t, "v1.2.3", true, []string{"app", "tool"}, "darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64", "windows/amd64")
	p := testPackage()
	p.Formula, p.Test = true, []string{"--version"}
	all := archives(t, r, p)
	cask, err := p.cask(r, all)
	if err != nil {
		t.Fatal(err)
	}
	formula := p.formula(r, all)
	for _, c := range []struct{ goos, arch, platform string }{
		{"macos", "arm", "darwin/arm64"}, {"macos", "intel", "darwin/amd64"},
		{"linux", "arm", "linux/arm64"}, {"linux", "intel", "linux/amd64"},
	} {
		a := archiveOf(t, r, c.platform)
		url := "https://github.com/acme/app/releases/download/v1.2.3/" + a.Name
		dir := strings.TrimSuffix(a.Name, ".tar.gz")
		if c.goos == "macos" {
			d := read(t, cask, c.goos, c.arch)
			want := declared{Token: "app", Version: "1.2.3", SHA256: a.SHA256, URL: url, Desc: p.Description, Homepage: p.Homepage, Name: "Acme App",
				Binaries: []string{dir + "/app", dir + "/tool"}, DependsOn: []string{`macos: ">= :monterey"`}, Livecheck: true}
			if !equal(d, want) {
				t.Errorf("the cask on %s/%s declares %+v, want %+v\n%s", c.goos, c.arch, d, want, cask)
			}
		}
		d := read(t, formula, c.goos, c.arch)
		want := declared{Class: "App", Version: "1.2.3", SHA256: a.SHA256, URL: url, Desc: p.Description, Homepage: p.Homepage, License: "MIT",
			Binaries: []string{"app", "tool"}, DependsOn: []string{}, Test: true}
		if !equal(d, want) {
			t.Errorf("the formula on %s/%s declares %+v, want %+v\n%s", c.goos, c.arch, d, want, formula)
		}
	}
	if !strings.Contains(string(formula), "\n  test do\n    system bin/\"app\", \"--version\"\n  end\n") {
		t.Errorf("the formula's test:\n%s", formula)
	}
	again, _ := p.cask(r, all)
	if !bytes.Equal(again, cask) || !bytes.Equal(p.formula(r, all), formula) {
		t.Error("two casks or formulae of one release differ")
	}
}

func equal(a, b declared) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestCaskOneArchitecture(t *testing.T) {
	needRuby(t)
	r := downloadtest.Release(t, "v0.9.0-rc.2", false, []string{"app", "tool"}, "darwin/arm64", "linux/amd64")
	p := testPackage()
	p.Binaries = []string{"tool"}
	cask, err := p.cask(r, archives(t, r, p))
	if err != nil {
		t.Fatal(err)
	}
	a := archiveOf(t, r, "darwin/arm64")
	// A cask has no block per architecture: its one archive is for all.
	for _, arch := range []string{"arm", "intel"} {
		d := read(t, cask, "macos", arch)
		if d.SHA256 != a.SHA256 || d.Version != "0.9.0-rc.2" || strings.Join(d.Binaries, " ") != "tool" || strings.Join(d.DependsOn, " ") != `macos: ">= :monterey" arch: :arm64` {
			t.Errorf("the cask on %s declares %+v\n%s", arch, d, cask)
		}
	}
}

func TestCaskUniversal(t *testing.T) {
	needRuby(t)
	// The universal step's archive, darwin/all, alone.
	u := downloadtest.Release(t, "v1.0.0", false, []string{"app"}, "darwin/amd64")
	for i := range u.Artifacts {
		u.Artifacts[i].Platform, u.Artifacts[i].Arch = "darwin/all", "all"
	}
	p := testPackage()
	cask, err := p.cask(u, archives(t, u, p))
	if err != nil {
		t.Fatal(err)
	}
	d := read(t, cask, "macos", "intel")
	if d.SHA256 != u.Artifacts.Of(artifact.Archive)[0].SHA256 || len(d.DependsOn) != 1 {
		t.Errorf("the cask of a universal archive declares %+v\n%s", d, cask)
	}
}

func TestCaskWithoutDarwin(t *testing.T) {
	r := downloadtest.Release(t, "v1.0.0", false, []string{"app"}, "linux/amd64")
	p := testPackage()
	if _, err := p.cask(r, archives(t, r, p)); err == nil || !strings.Contains(err.Error(), "no darwin archive") {
		t.Errorf("a release without darwin: %v", err)
	}
}

func TestQuote(t *testing.T) {
	needRuby(t)
	for _, s := range []string{`plain`, `"quoted"`, `#{system("id")}`, `back\slash`, "tab\tand\nnewline", "ünïcødé", `#@x #$y`} {
		out, err := exec.Command("ruby", "-e", "print "+quote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("ruby reads %s as %q (%v), want %q", quote(s), out, err, s)
		}
	}
	for name, want := range map[string]string{"app": "App", "my-app": "MyApp", "a-b-c2": "ABC2"} {
		if got := className(name); got != want {
			t.Errorf("className(%q) = %q, want %q", name, got, want)
		}
	}
}
