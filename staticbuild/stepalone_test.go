package staticbuild

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// The tests in this file run one built-in step alone, on a Run the test
// builds itself: the configuration resolved as New resolves it, the
// version, commit and time set by hand, and binaries built by the real go
// command listed in the run as the build step would list them. No other
// step runs.

// stepPlatforms are the platforms the step tests build for: a tar.gz and
// a zip archive.
var stepPlatforms = []string{"linux/amd64", "windows/amd64"}

// stepRun returns a run of a module with one main package, named app, and
// a README, whose binaries for stepPlatforms are built with go build (see
// stepBinary) and staged in the run, as the build step leaves them.
func stepRun(t *testing.T, edit func(*Config)) (*Run, *bytes.Buffer) {
	t.Helper()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello, "README.md": "# app\n"}, "v1.2.3")
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Platforms: stepPlatforms, Environ: testEnv()}
	if edit != nil {
		edit(&cfg)
	}
	r, errs := newRun(cfg)
	if len(errs) > 0 {
		t.Fatalf("newRun: %q", errs)
	}
	t.Cleanup(func() { r.close() })
	r.Version, r.Tag, r.Commit = "v1.2.3", "v1.2.3", "0123456789abcdef0123456789abcdef01234567"
	r.Time = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r.src = &source{project: "app", module: "example.com/app"}
	for _, pl := range r.platforms {
		data := stepBinary(t, dir, pl.OS, pl.Arch, pl.Ext())
		rel := "app_" + pl.Suffix() + "/app" + pl.Ext()
		a := artifact.Artifact{Path: rel, Kind: artifact.Binary, Binary: "app", Platform: pl.String(), OS: pl.OS, Arch: pl.Arch,
			Build: &artifact.Build{Module: "example.com/app", Package: "example.com/app", Cgo: string(CgoOff)}}
		if err := r.WriteFile(a, data); err != nil {
			t.Fatal(err)
		}
	}
	return r, &log
}

// stepBuilt holds the binaries stepRun stages, by platform. Every step
// test's module has the same files, commit and module path, and the build
// is -trimpath, so a platform's binary is the same bytes in each: it is
// built once.
var stepBuilt sync.Map // "os/arch" → *stepBuild

// stepBuild is one platform's binary, built once.
type stepBuild struct {
	once sync.Once
	data []byte
	err  error
}

// stepBinary returns the bytes of app built for goos/goarch by go build in
// dir, building it on the first call for the platform.
func stepBinary(t *testing.T, dir, goos, goarch, ext string) []byte {
	t.Helper()
	v, _ := stepBuilt.LoadOrStore(goos+"/"+goarch, new(stepBuild))
	b := v.(*stepBuild)
	b.once.Do(func() {
		out := filepath.Join(t.TempDir(), "app"+ext)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build for %s/%s: %v\n%s", goos, goarch, err, msg)
			return
		}
		b.data, b.err = os.ReadFile(out)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.data
}

// runStep runs the built-in step s alone on r.
func runStep(t *testing.T, r *Run, s Step) (string, error) {
	t.Helper()
	return s.run(context.Background(), r)
}

// TestStepAloneArchive runs the archive step alone and reads the archives
// it writes: one per platform, in the platform's format, holding the
// binary and the README, listed with their size and checksum. Committed,
// they are kept by a second run of the step; a missing extra file fails
// the step, naming it.
func TestStepAloneArchive(t *testing.T) {
	t.Parallel()
	r, log := stepRun(t, nil)
	note, err := runStep(t, r, archiveStep)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if note != "2 archives, 2 written" {
		t.Errorf("note %q, want 2 archives, 2 written", note)
	}
	archives := r.Artifacts.Of(artifact.Archive)
	var names []string
	for _, a := range archives {
		names = append(names, a.Path)
		sum, err := archive.SHA256File(r.Path(a))
		if err != nil || sum != a.SHA256 {
			t.Errorf("%s: listed SHA-256 %s, file's %s (%v)", a.Path, a.SHA256, sum, err)
		}
		if a.Version != "v1.2.3" || a.Commit != r.Commit || a.Platform == "" {
			t.Errorf("%s: version %q, commit %q, platform %q", a.Path, a.Version, a.Commit, a.Platform)
		}
	}
	if want := []string{"app_1.2.3_linux_amd64.tar.gz", "app_1.2.3_windows_amd64.zip"}; !slices.Equal(names, want) {
		t.Fatalf("archives %q, want %q", names, want)
	}
	if got := tarNames(t, r.Path(archives[0])); !slices.Equal(got, []string{"README.md", "app"}) {
		t.Errorf("tar.gz holds %q, want app and README.md", got)
	}
	if got := zipNames(t, r.Path(archives[1])); !slices.Equal(got, []string{"README.md", "app.exe"}) {
		t.Errorf("zip holds %q, want app.exe and README.md", got)
	}

	// Committed, with their checksums recorded as the manifest step
	// records them, the archives are current.
	if err := r.tx.commit(); err != nil {
		t.Fatal(err)
	}
	for _, a := range r.Artifacts {
		r.tx.state.setSum(a.Path, a.SHA256)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(r.Dist, n)); err != nil {
			t.Errorf("after commit: %v", err)
		}
	}
	if note, err := runStep(t, r, archiveStep); err != nil || note != "2 archives, 0 written" {
		t.Errorf("the step again over committed archives: %q, %v; want 2 archives, 0 written", note, err)
	}

	r.Config.Archive.Files = []string{"LICENSE"}
	if _, err := runStep(t, r, archiveStep); err == nil || !strings.Contains(err.Error(), "LICENSE") {
		t.Errorf("a missing extra file: %v, want an error naming LICENSE", err)
	}
}

// TestStepAloneSBOM runs the sbom step alone: one CycloneDX document per
// binary, named like the archives with the binary's name, that describes
// the binary's module. A binary that is no Go binary fails the step,
// naming it and its platform.
func TestStepAloneSBOM(t *testing.T) {
	t.Parallel()
	r, log := stepRun(t, nil)
	note, err := runStep(t, r, sbomStep)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if note != "2 documents" {
		t.Errorf("note %q", note)
	}
	docs := r.Artifacts.Of(artifact.SBOM)
	var names []string
	for _, a := range docs {
		names = append(names, a.Path)
		data, err := os.ReadFile(r.Path(a))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			BOMFormat string `json:"bomFormat"`
			Metadata  struct {
				Component struct {
					Name    string `json:"name"`
					Version string `json:"version"`
				} `json:"component"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", a.Path, err)
		}
		if doc.BOMFormat != "CycloneDX" || !strings.Contains(string(data), "example.com/app") {
			t.Errorf("%s: format %q, or no mention of example.com/app:\n%s", a.Path, doc.BOMFormat, data)
		}
		if a.Binary != "app" || a.Version != "v1.2.3" {
			t.Errorf("%s: binary %q, version %q", a.Path, a.Binary, a.Version)
		}
	}
	if want := []string{"app_1.2.3_linux_amd64.sbom.json", "app_1.2.3_windows_amd64.sbom.json"}; !slices.Equal(names, want) {
		t.Errorf("documents %q, want %q", names, want)
	}

	bad := artifact.Artifact{Path: "junk/app", Kind: artifact.Binary, Binary: "junk", Platform: "linux/arm64", OS: "linux", Arch: "arm64"}
	if err := r.WriteFile(bad, []byte("not a binary")); err != nil {
		t.Fatal(err)
	}
	if _, err := runStep(t, r, sbomStep); err == nil || !strings.Contains(err.Error(), "junk for linux/arm64") {
		t.Errorf("a file that is no binary: %v, want an error naming junk for linux/arm64", err)
	}
}

// TestStepAloneChecksums runs the checksums step alone over the binaries
// and a file a magefile's step added: the checksum file lists that file
// with its SHA-256, in sha256sum's format, and no binary.
func TestStepAloneChecksums(t *testing.T) {
	t.Parallel()
	r, log := stepRun(t, func(c *Config) { c.Archive.Checksums = "SUMS.txt" })
	notes := artifact.Artifact{Path: "notes.txt", Kind: "notes"}
	if err := r.WriteFile(notes, []byte("release notes\n")); err != nil {
		t.Fatal(err)
	}
	note, err := runStep(t, r, checksumsStep)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if note != "1 files" {
		t.Errorf("note %q, want 1 files", note)
	}
	list := r.Artifacts.Of(artifact.Checksums)
	if len(list) != 1 || list[0].Path != "SUMS.txt" {
		t.Fatalf("checksum artifacts %v, want SUMS.txt", list)
	}
	data, err := os.ReadFile(r.Path(list[0]))
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := archive.SHA256File(r.Path(notes))
	if want := sum + "  notes.txt\n"; string(data) != want {
		t.Errorf("SUMS.txt:\n%s\nwant:\n%s", data, want)
	}
	if got, _ := archive.SHA256File(r.Path(list[0])); got != list[0].SHA256 {
		t.Errorf("SUMS.txt listed with SHA-256 %s, file's %s", list[0].SHA256, got)
	}
}

// TestStepAloneSizeGate runs the sizegate step alone: within the budget
// it passes and records each binary's finding for the report; over it,
// it fails naming every binary and platform over.
func TestStepAloneSizeGate(t *testing.T) {
	t.Parallel()
	r, log := stepRun(t, func(c *Config) { c.Size.Budget = "100MB" })
	note, err := runStep(t, r, sizegateStep)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if note != "2 binaries within their limits" {
		t.Errorf("note %q", note)
	}
	if len(r.report.sized) != 2 {
		t.Errorf("the report holds %d findings, want 2", len(r.report.sized))
	}
	if !strings.Contains(log.String(), "sizegate: 2 binaries against magestatic-sizes.json") {
		t.Errorf("log:\n%s", log)
	}

	r.Config.Size.Budget = "100KB"
	_, err = runStep(t, r, sizegateStep)
	if err == nil {
		t.Fatal("binaries over a 100KB budget passed")
	}
	t.Logf("over the budget: %v", err)
	for _, pl := range stepPlatforms {
		if !strings.Contains(err.Error(), "app "+pl) {
			t.Errorf("the error does not name app on %s:\n%v", pl, err)
		}
	}
	if len(r.report.problems) < 2 {
		t.Errorf("the report holds %d problems, want one per binary", len(r.report.problems))
	}
}

// zipNames lists the files of a .zip.
func zipNames(t *testing.T, name string) []string {
	t.Helper()
	zr, err := zip.OpenReader(name)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}
