package staticbuild

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestArchiveFilesGlobs gives Archive.Files the globs a migrated
// GoReleaser configuration uses for shell completions: every match goes
// into the archive, in order of its path, and a glob that matches nothing
// is refused before anything builds, naming it.
func TestArchiveFilesGlobs(t *testing.T) {
	t.Parallel()
	files := maps.Clone(releaseFiles)
	files["completion/bash/app"] = "complete -F _app app\n"
	files["completion/fish/app.fish"] = "complete -c app\n"
	files["completion/zsh/_app"] = "#compdef app\n"
	files["completion/zsh/notes/README"] = "zsh notes\n"
	files["docs/app.1"] = ".TH APP 1\n"
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	cfg := Config{Dir: dir, Platforms: []string{"linux/amd64"}, Environ: testEnv()}
	cfg.Archive.Files = []string{"README.md", "completion/**/*", "docs/*.1"}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	got := tarNames(t, filepath.Join(dir, "dist", "app_1.0.0_linux_amd64.tar.gz"))
	want := []string{"README.md", "app", "completion/bash/app", "completion/fish/app.fish", "completion/zsh/_app", "completion/zsh/notes/README", "docs/app.1"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("the archive holds %q, want %q", got, want)
	}

	cfg.Archive.Files = []string{"README.md", "completions/**/*"}
	log, _, err := release(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "the pattern completions/**/* matches no file") {
		t.Errorf("a glob matching nothing: %v, want an error naming it\n%s", err, log)
	}
	if strings.Contains(log, "build:") {
		t.Errorf("the release built before refusing the glob:\n%s", log)
	}
}

// TestGlobMatchesDirectories checks the "**" rule on its own: it matches
// any number of directories, none included.
func TestGlobMatchesDirectories(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"completion/**/*", "completion/bash/app", true},
		{"completion/**/*", "completion/app", true},
		{"completion/**/*", "completion/a/b/c", true},
		{"completion/**/*", "other/app", false},
		{"**/*.1", "docs/man/app.1", true},
		{"**/*.1", "app.1", true},
		{"docs/*.1", "docs/man/app.1", false},
		{"completion/**", "completion/a/b", true},
	} {
		if got := matchElems(strings.Split(tc.pattern, "/"), strings.Split(tc.name, "/")); got != tc.want {
			t.Errorf("%s matches %s: %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

// tarNames returns the names of the regular files of a .tar.gz, in the
// archive's order.
func tarNames(t *testing.T, name string) []string {
	t.Helper()
	names, _ := tarFiles(t, name)
	return names
}

// tarContents returns the contents of every regular file of a .tar.gz
// file, by name.
func tarContents(t *testing.T, name string) map[string]string {
	t.Helper()
	_, files := tarFiles(t, name)
	return files
}

// tarFiles returns the names of the regular files of a .tar.gz, in the
// archive's order, and their contents, by name.
func tarFiles(t *testing.T, name string) ([]string, map[string]string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string]string{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		files[h.Name] = string(data)
	}
}

// TestArchiveFilesIgnoredByGit changes a file of Archive.Files that git
// ignores (generated completions, say): git reports no change, yet the
// release is not current: the version's archive would change, which is
// refused, and with Config.Replace the archive holds the new contents.
func TestArchiveFilesIgnoredByGit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	files := maps.Clone(releaseFiles)
	files[".gitignore"] = "/completion/\n"
	files["completion/app.bash"] = "complete -F _app app\n"
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	cfg := Config{Dir: dir, Platforms: []string{"linux/amd64"}, Environ: testEnv()}
	cfg.Archive.Files = []string{"completion/*"}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	name := filepath.Join(dir, "completion", "app.bash")
	if err := os.WriteFile(name, []byte("complete -F _app2 app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// v1.0.0 is published: its archive may not change silently.
	log, _, err := release(t, cfg)
	if strings.Contains(log, "nothing changed") {
		t.Fatalf("the release was current after an extra file changed:\n%s", log)
	}
	if err == nil || !strings.Contains(err.Error(), "app_1.0.0_linux_amd64.tar.gz changed") {
		t.Fatalf("a changed extra file of a published version: %v, want the archive's change refused\n%s", err, log)
	}
	cfg.Replace = true
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	got := tarContents(t, filepath.Join(dir, "dist", "app_1.0.0_linux_amd64.tar.gz"))["completion/app.bash"]
	if got != "complete -F _app2 app\n" {
		t.Errorf("the archive holds %q, not the file's new contents", got)
	}
}
