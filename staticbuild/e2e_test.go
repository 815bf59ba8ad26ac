package staticbuild_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// mage runs "go tool mage args..." in dir with the caller's environment
// (which may set GOFLAGS=-buildvcs=false) plus env, and returns the
// combined output and the exit code.
func mage(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "mage"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("go tool mage %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// header reads the OS and architecture a binary's header declares.
func header(t *testing.T, path string) string {
	t.Helper()
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		return map[elf.Machine]string{elf.EM_X86_64: "elf/amd64", elf.EM_AARCH64: "elf/arm64"}[f.Machine]
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		return map[macho.Cpu]string{macho.CpuAmd64: "macho/amd64", macho.CpuArm64: "macho/arm64"}[f.Cpu]
	}
	if f, err := pe.Open(path); err == nil {
		defer f.Close()
		return map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "pe/amd64", pe.IMAGE_FILE_MACHINE_ARM64: "pe/arm64"}[f.Machine]
	}
	t.Fatalf("%s is not ELF, Mach-O or PE", path)
	return ""
}

func TestCrossThroughMage(t *testing.T) {
	dir := testmod.New(t, "", "app", map[string]string{
		"main.go":      testmod.Hello,
		"magefile.go":  testmod.Magefile,
		"sub/other.go": "package sub\n",
	}, "v1.2.3")
	commit := strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD"))

	out, code := mage(t, dir, []string{"GOFLAGS=-buildvcs=false"}, "cross")
	if code != 0 {
		t.Fatalf("mage cross exited %d:\n%s", code, out)
	}
	want := map[string]string{
		"app_linux_amd64/app":       "elf/amd64",
		"app_linux_arm64/app":       "elf/arm64",
		"app_darwin_amd64/app":      "macho/amd64",
		"app_darwin_arm64/app":      "macho/arm64",
		"app_windows_amd64/app.exe": "pe/amd64",
		"app_windows_arm64/app.exe": "pe/arm64",
	}
	for rel, hdr := range want {
		p := filepath.Join(dir, "dist", filepath.FromSlash(rel))
		if got := header(t, p); got != hdr {
			t.Errorf("%s: header says %q, want %q", rel, got, hdr)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"v1.2.3", commit, testmod.Time} {
			if !bytes.Contains(data, []byte(s)) {
				t.Errorf("%s does not contain the stamped %q", rel, s)
			}
		}
	}
	list, err := artifact.Read(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(want) {
		t.Errorf("artifacts.json lists %d binaries, want %d", len(list), len(want))
	}
	for _, a := range list {
		if _, ok := want[a.Path]; !ok || a.Version != "v1.2.3" || a.Commit != commit || len(a.SHA256) != 64 {
			t.Errorf("unexpected artifact %+v", a)
		}
	}

	host := filepath.Join(dir, "dist", "app_"+runtime.GOOS+"_"+runtime.GOARCH, "app")
	v, err := exec.Command(host, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"version:   v1.2.3", "commit:    " + commit, "built:     " + testmod.Time} {
		if !strings.Contains(string(v), s) {
			t.Errorf("--version printed\n%s\nwant a line %q", v, s)
		}
	}
	if strings.Contains(string(v), "modified") {
		t.Errorf("the build recorded a modified tree (dist/ must not dirty it):\n%s", v)
	}
	if st := testmod.Git(t, dir, "status", "--porcelain"); st != "" {
		t.Errorf("git status after cross:\n%s", st)
	}
}

func TestCrossReportsFailedPlatform(t *testing.T) {
	dir := testmod.New(t, "", "broken", map[string]string{
		"main.go":           testmod.Hello,
		"magefile.go":       testmod.Magefile,
		"broken_windows.go": "//go:build windows\n\npackage main\n\nvar _ int = \"not an int\"\n",
	}, "v0.1.0")
	out, code := mage(t, dir, []string{"MAGESTATIC_PLATFORMS=linux/amd64,windows/amd64,darwin/arm64"}, "cross")
	if code == 0 {
		t.Fatalf("mage cross succeeded with a broken windows file:\n%s", out)
	}
	for _, s := range []string{"build: 1 of 3 builds failed", "broken: windows/amd64: go build failed", "broken_windows.go:5:13"} {
		if !strings.Contains(out, s) {
			t.Errorf("output does not contain %q:\n%s", s, out)
		}
	}
	for _, rel := range []string{"broken_linux_amd64/broken", "broken_darwin_arm64/broken"} {
		if _, err := os.Stat(filepath.Join(dir, "dist", rel)); err != nil {
			t.Errorf("the good platform's binary is missing: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "broken_windows_amd64", "broken.exe")); err == nil {
		t.Error("the failed platform left a binary")
	}
	// The manifest lists what did build, and nothing else.
	list, err := artifact.Read(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, a := range list {
		paths = append(paths, a.Path)
	}
	if want := []string{"broken_darwin_arm64/broken", "broken_linux_amd64/broken"}; !slices.Equal(paths, want) {
		t.Errorf("artifacts.json lists %v, want %v", paths, want)
	}
}

func TestCrossIsReproducibleAcrossDirectories(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	files := map[string]string{"main.go": testmod.Hello, "magefile.go": testmod.Magefile}
	a := testmod.New(t, "", "same", files, "v2.0.0")
	b := testmod.New(t, filepath.Join(t.TempDir(), "else where"), "same", files, "v2.0.0")
	env := []string{"MAGESTATIC_PLATFORMS=linux/amd64,darwin/arm64,windows/amd64"}
	for _, dir := range []string{a, b} {
		if out, code := mage(t, dir, env, "cross"); code != 0 {
			t.Fatalf("mage cross in %s exited %d:\n%s", dir, code, out)
		}
	}
	la, _ := os.ReadFile(filepath.Join(a, "dist", "artifacts.json"))
	lb, _ := os.ReadFile(filepath.Join(b, "dist", "artifacts.json"))
	var sa, sb artifact.List
	json.Unmarshal(la, &sa)
	json.Unmarshal(lb, &sb)
	if len(sa) != 3 || len(sb) != 3 {
		t.Fatalf("got %d and %d binaries", len(sa), len(sb))
	}
	for i := range sa {
		da, _ := os.ReadFile(filepath.Join(a, "dist", sa[i].Path))
		db, _ := os.ReadFile(filepath.Join(b, "dist", sb[i].Path))
		if !bytes.Equal(da, db) || sa[i].SHA256 != sb[i].SHA256 {
			t.Errorf("%s differs between the two directories", sa[i].Path)
		}
	}
}

// readmeMagefile is magefiles/magefile.go as the README shows it: no build
// tag, because mage compiles the magefiles directory on its own.
const readmeMagefile = "package main\n\nimport (\n\t//mage:import\n\t_ \"github.com/magestatic/magestatic/staticbuild\"\n)\n"

// archiveFiles returns the regular files of a .tar.gz or .zip archive, by
// name.
func archiveFiles(t *testing.T, name string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.OpenReader(name)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.FileInfo().IsDir() {
				continue
			}
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatalf("%s: %s: %v", name, f.Name, err)
			}
			files[f.Name] = data
		}
		return files
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", name, h.Name, err)
		}
		files[h.Name] = data
	}
}

// TestReleaseSeveralBinariesThroughMage releases a module with three
// programs under cmd/ and the magefile the README shows, with no
// configuration: one archive per platform holds the three binaries, the
// SBOMs are per binary, the checksum file and the manifest list every
// file, and every binary passes verify and reports the tag.
func TestReleaseSeveralBinariesThroughMage(t *testing.T) {
	bins := []string{"cli", "migrate", "server"}
	files := map[string]string{"magefiles/magefile.go": readmeMagefile}
	for _, b := range bins {
		files["cmd/"+b+"/main.go"] = testmod.Hello
	}
	dir := testmod.New(t, "", "multi", files, "v1.2.3")
	platforms := []string{"linux/amd64", "linux/arm64", "windows/amd64"}
	env := []string{"MAGESTATIC_PLATFORMS=" + strings.Join(platforms, ",")}
	out, code := mage(t, dir, env, "release")
	if code != 0 {
		t.Fatalf("mage release exited %d:\n%s", code, out)
	}
	for _, s := range []string{"build: multi v1.2.3: 9 binaries for 3 platform(s)", "release: multi v1.2.3: 9 binaries, 3 archives"} {
		if !strings.Contains(out, s) {
			t.Errorf("the output does not contain %q:\n%s", s, out)
		}
	}
	dist := filepath.Join(dir, "dist")
	list, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}

	// The binaries: one per program and platform, each named in the
	// manifest with its program, and each started on a line of its own.
	gotBins := list.Of(artifact.Binary)
	if len(gotBins) != len(bins)*len(platforms) {
		t.Errorf("the manifest lists %d binaries, want %d", len(gotBins), len(bins)*len(platforms))
	}
	binary := map[string]artifact.Artifact{} // "server linux/amd64" -> its artifact
	for _, a := range gotBins {
		binary[a.Binary+" "+a.Platform] = a
	}
	for _, b := range bins {
		for _, pl := range platforms {
			a, ok := binary[b+" "+pl]
			if !ok {
				t.Errorf("the manifest lists no binary %s for %s", b, pl)
				continue
			}
			ext := ""
			if strings.HasPrefix(pl, "windows/") {
				ext = ".exe"
			}
			want := b + "_" + strings.ReplaceAll(pl, "/", "_") + "/" + b + ext
			if a.Path != want || a.Name != b+ext || a.Version != "v1.2.3" || len(a.SHA256) != 64 {
				t.Errorf("binary %s for %s: %+v; want the path %s, version v1.2.3", b, pl, a, want)
			}
			if got := sumOf(t, filepath.Join(dist, filepath.FromSlash(a.Path))); got != a.SHA256 {
				t.Errorf("%s: the file's sha256 is %s, the manifest says %s", a.Path, got, a.SHA256)
			}
			if !strings.Contains(out, "  start "+b+" "+pl+"\n") {
				t.Errorf("the output has no line for the start of %s %s:\n%s", b, pl, out)
			}
		}
	}

	// The archives: one per platform, holding the three binaries of it.
	archives := list.Of(artifact.Archive)
	if len(archives) != len(platforms) {
		t.Errorf("the manifest lists %d archives, want %d: %+v", len(archives), len(platforms), archives)
	}
	for _, pl := range platforms {
		ext := ".tar.gz"
		if strings.HasPrefix(pl, "windows/") {
			ext = ".zip"
		}
		name := "multi_1.2.3_" + strings.ReplaceAll(pl, "/", "_") + ext
		i := slices.IndexFunc(archives, func(a artifact.Artifact) bool { return a.Path == name })
		if i < 0 {
			t.Errorf("the manifest lists no archive %s for %s", name, pl)
			continue
		}
		if a := archives[i]; a.Platform != pl || a.Version != "v1.2.3" {
			t.Errorf("archive %s: %+v", name, a)
		}
		got := archiveFiles(t, filepath.Join(dist, name))
		var names []string
		for n := range got {
			names = append(names, n)
		}
		slices.Sort(names)
		var want []string
		for _, b := range bins {
			a := binary[b+" "+pl]
			want = append(want, path.Base(a.Path))
			if data, ok := got[path.Base(a.Path)]; ok && !bytes.Equal(data, mustReadFile(t, filepath.Join(dist, filepath.FromSlash(a.Path)))) {
				t.Errorf("%s holds a %s that is not %s", name, path.Base(a.Path), a.Path)
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s holds %v, want %v", name, names, want)
		}
	}

	// The SBOMs: one per binary, named after it.
	sboms := list.Of(artifact.SBOM)
	if len(sboms) != len(bins)*len(platforms) {
		t.Errorf("the manifest lists %d SBOMs, want %d", len(sboms), len(bins)*len(platforms))
	}
	for _, b := range bins {
		for _, pl := range platforms {
			name := b + "_1.2.3_" + strings.ReplaceAll(pl, "/", "_") + ".sbom.json"
			i := slices.IndexFunc(sboms, func(a artifact.Artifact) bool { return a.Path == name })
			if i < 0 {
				t.Errorf("the manifest lists no SBOM %s", name)
				continue
			}
			if a := sboms[i]; a.Binary != b || a.Platform != pl {
				t.Errorf("SBOM %s: %+v; want binary %s, platform %s", name, a, b, pl)
			}
			// The document names the binary it describes by its file name
			// and checksum, as the archive holds it.
			var doc struct {
				BOMFormat string `json:"bomFormat"`
				Metadata  struct {
					Component struct {
						Properties []struct{ Name, Value string } `json:"properties"`
					} `json:"component"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(mustReadFile(t, filepath.Join(dist, name)), &doc); err != nil || doc.BOMFormat != "CycloneDX" {
				t.Errorf("%s is not a CycloneDX document: %v", name, err)
			}
			props := map[string]string{}
			for _, p := range doc.Metadata.Component.Properties {
				props[p.Name] = p.Value
			}
			bin := binary[b+" "+pl]
			if got := props["cdx:gomod:binary:name"]; got != path.Base(bin.Path) {
				t.Errorf("%s names the binary %q, want %q", name, got, path.Base(bin.Path))
			}
			if got := props["cdx:gomod:binary:hash:SHA-256"]; got != bin.SHA256 {
				t.Errorf("%s gives the binary's sha256 as %q, want %s", name, got, bin.SHA256)
			}
		}
	}

	// One checksum file, over every archive and SBOM.
	if sums := list.Of(artifact.Checksums); len(sums) != 1 || sums[0].Path != "SHA256SUMS" {
		t.Errorf("the manifest lists the checksum files %+v, want SHA256SUMS alone", sums)
	}
	if n := len(list) - len(gotBins) - len(archives) - len(sboms) - 1; n != 0 {
		t.Errorf("the manifest lists %d artifacts of other kinds: %+v", n, list)
	}
	if sumFiles, _ := filepath.Glob(filepath.Join(dist, "*SUMS*")); len(sumFiles) != 1 {
		t.Errorf("dist/ holds the checksum files %v, want one", sumFiles)
	}
	lines := strings.Split(strings.TrimSpace(string(mustReadFile(t, filepath.Join(dist, "SHA256SUMS")))), "\n")
	if len(lines) != len(archives)+len(sboms) {
		t.Errorf("SHA256SUMS has %d lines, want %d (every archive and SBOM)", len(lines), len(archives)+len(sboms))
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Errorf("SHA256SUMS line %q", line)
			continue
		}
		if got := sumOf(t, filepath.Join(dist, filepath.FromSlash(name))); got != sum {
			t.Errorf("SHA256SUMS says %s for %s, the file's is %s", sum, name, got)
		}
	}

	// Every binary passes verify, and the host's report the tag.
	vout, code := mage(t, dir, env, "verify")
	if code != 0 {
		t.Fatalf("mage verify exited %d:\n%s", code, vout)
	}
	for _, b := range bins {
		for _, pl := range platforms {
			if !regexp.MustCompile(`(?m)^  ok    ` + b + ` +` + pl + ` `).MatchString(vout) {
				t.Errorf("mage verify did not pass %s for %s:\n%s", b, pl, vout)
			}
		}
	}
	host := runtime.GOOS + "/" + runtime.GOARCH
	if !slices.Contains(platforms, host) {
		t.Logf("the host (%s) is not in the matrix: the binaries are not run", host)
	}
	for _, b := range bins {
		a, ok := binary[b+" "+host]
		if !ok {
			continue
		}
		v, err := exec.Command(filepath.Join(dist, filepath.FromSlash(a.Path)), "--version").Output()
		if err != nil {
			t.Fatalf("%s --version: %v", a.Path, err)
		}
		if !strings.Contains(string(v), "version:   v1.2.3\n") || strings.Contains(string(v), "modified") {
			t.Errorf("%s --version printed\n%s\nwant version v1.2.3 from an unmodified tree", a.Path, v)
		}
	}
	if st := testmod.Git(t, dir, "status", "--porcelain"); st != "" {
		t.Errorf("git status after release:\n%s", st)
	}
}

// TestCrossRootMainWithMagefiles builds, with no configuration, a module
// whose one program is at its root and whose magefile is in magefiles/, as
// the README shows: the magefile's own main package must not count.
func TestCrossRootMainWithMagefiles(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	dir := testmod.New(t, "", "rootapp", map[string]string{
		"main.go":               testmod.Hello,
		"magefiles/magefile.go": readmeMagefile,
	}, "v0.3.0")
	out, code := mage(t, dir, []string{"MAGESTATIC_PLATFORMS=linux/amd64,windows/amd64"}, "cross")
	if code != 0 {
		t.Fatalf("mage cross exited %d:\n%s", code, out)
	}
	if strings.Contains(out, "main packages") || strings.Contains(out, "magefiles") {
		t.Errorf("the output mentions the magefile's package:\n%s", out)
	}
	if !strings.Contains(out, "build: rootapp v0.3.0: 2 binaries for 2 platform(s)") {
		t.Errorf("the output does not announce the two builds of rootapp:\n%s", out)
	}
	list, err := artifact.Read(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, a := range list {
		paths = append(paths, a.Path)
		if a.Kind != artifact.Binary || a.Binary != "rootapp" || a.Version != "v0.3.0" || a.Build == nil || a.Build.Package != "example.com/rootapp" {
			t.Errorf("unexpected artifact %+v", a)
		}
	}
	if want := []string{"rootapp_linux_amd64/rootapp", "rootapp_windows_amd64/rootapp.exe"}; !slices.Equal(paths, want) {
		t.Errorf("artifacts.json lists %v, want %v", paths, want)
	}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		v, err := exec.Command(filepath.Join(dir, "dist", "rootapp_linux_amd64", "rootapp"), "--version").Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(v), "version:   v0.3.0\n") {
			t.Errorf("--version printed\n%s\nwant version v0.3.0", v)
		}
	}
}

// sumOf returns the hex SHA-256 of a file.
func sumOf(t *testing.T, name string) string {
	t.Helper()
	sum := sha256.Sum256(mustReadFile(t, name))
	return hex.EncodeToString(sum[:])
}

// mustReadFile returns the contents of a file.
func mustReadFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
