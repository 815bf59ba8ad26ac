package archive

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool returns the path of a system tool. Without it the test fails
// when the CI environment variable is set, and is skipped otherwise.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install %s): %v", name, pkg, err)
		}
		t.Skipf("%s not installed (apt-get install %s): %v", name, pkg, err)
	}
	return p
}

// run runs a tool in dir with TZ=UTC and the C locale, so that listed
// times are UTC, and returns its standard output.
func run(t *testing.T, dir string, argv ...string) string {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(argv, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

func TestTarGzWithGNUTar(t *testing.T) {
	tarPath := needTool(t, "tar", "tar")
	fx := newFixture(t, variantB)
	dst, _ := writeArchive(t, fx.files, Options{Format: TarGz, Time: buildTime, Wrap: "app_1.2.3_linux_amd64"})

	// Lines look like
	// -rwxr-xr-x 0/0 1558712 2024-05-01 12:34:56 app_1.2.3_linux_amd64/app
	listing := run(t, "", tarPath, "--full-time", "-tvzf", dst)
	lines := strings.Split(strings.TrimSuffix(listing, "\n"), "\n")
	want := wantMembers(fx, "app_1.2.3_linux_amd64")
	if len(lines) != len(want) {
		t.Fatalf("tar -tvzf lists %d entries, want %d:\n%s", len(lines), len(want), listing)
	}
	stamp := buildTime.Format("2006-01-02 15:04:05")
	for i, w := range want {
		f := strings.Fields(lines[i])
		if len(f) != 6 {
			t.Fatalf("unexpected tar listing line %q", lines[i])
		}
		wantMode := w.mode.String()
		if w.mode.IsDir() {
			wantMode = "d" + wantMode[1:]
		}
		wantLine := []string{wantMode, "0/0", fmt.Sprint(len(w.content)), stamp[:10], stamp[11:], w.name}
		for j := range wantLine {
			if f[j] != wantLine[j] {
				t.Errorf("tar lists %q, want %q", lines[i], strings.Join(wantLine, " "))
				break
			}
		}
	}

	out := t.TempDir()
	run(t, out, tarPath, "-xzf", dst)
	checkExtracted(t, filepath.Join(out, "app_1.2.3_linux_amd64"), fx)
}

func TestZipWithUnzip(t *testing.T) {
	unzipPath := needTool(t, "unzip", "unzip")
	fx := newFixture(t, variantB)
	dst, _ := writeArchive(t, fx.files, Options{Format: Zip, Time: buildTime})

	if out := run(t, "", unzipPath, "-tq", dst); !strings.Contains(out, "No errors detected") {
		t.Errorf("unzip -t: %s", out)
	}

	// zipinfo lines with -T look like
	// -rwxr-xr-x  2.0 unx  1558712 bX defN 20240501.123456 app
	listing := run(t, "", unzipPath, "-Z", "-T", dst)
	stamp := buildTime.Format("20060102.150405")
	entries := map[string][]string{}
	for _, line := range strings.Split(listing, "\n") {
		f := strings.Fields(line)
		if len(f) == 8 && len(f[0]) == 10 {
			entries[f[7]] = f
		}
	}
	for _, w := range wantMembers(fx, "") {
		f, ok := entries[w.name]
		if !ok {
			t.Errorf("unzip -Z does not list %s:\n%s", w.name, listing)
			continue
		}
		wantMode := w.mode.String()
		if w.mode.IsDir() {
			wantMode = "d" + wantMode[1:]
		}
		if f[0] != wantMode || f[2] != "unx" || f[3] != fmt.Sprint(len(w.content)) || f[6] != stamp {
			t.Errorf("unzip -Z lists %q, want mode %s, unx, size %d, time %s", strings.Join(f, " "), wantMode, len(w.content), stamp)
		}
	}
	if len(entries) != len(wantMembers(fx, "")) {
		t.Errorf("unzip -Z lists %d entries, want %d:\n%s", len(entries), len(wantMembers(fx, "")), listing)
	}

	out := t.TempDir()
	run(t, out, unzipPath, "-q", dst)
	checkExtracted(t, out, fx)
}

// checkExtracted compares what a real tool extracted into dir with the
// fixture: contents, modes and the build time as modification time.
func checkExtracted(t *testing.T, dir string, fx fixture) {
	t.Helper()
	for _, f := range fx.files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("extracted %s: %v", f.Name, err)
			continue
		}
		if !bytes.Equal(b, fx.contents[f.Name]) {
			t.Errorf("extracted %s differs", f.Name)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := fs.FileMode(0o644)
		if f.Executable {
			want = 0o755
		}
		if fi.Mode().Perm() != want {
			t.Errorf("extracted %s has mode %v, want %v", f.Name, fi.Mode().Perm(), want)
		}
		if !fi.ModTime().Equal(buildTime) {
			t.Errorf("extracted %s has mtime %v, want %v", f.Name, fi.ModTime().UTC(), buildTime)
		}
	}
	if _, err := exec.LookPath(filepath.Join(dir, "app")); err != nil {
		t.Errorf("extracted app is not executable: %v", err)
	}
	if out, err := exec.Command(filepath.Join(dir, "app")).Output(); err != nil || !strings.Contains(string(out), "hello from a release archive") {
		t.Errorf("extracted app: %q, %v", out, err)
	}
}
