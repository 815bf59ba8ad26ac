package archive

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixture is a set of release files on disk.
type fixture struct {
	files    []File
	contents map[string][]byte // by File.Name
}

// diskVariant describes how the fixture's source files look on disk; none
// of it may reach the archive's bytes.
type diskVariant struct {
	mtime    time.Time
	mode     os.FileMode
	uid, gid int // -1 leaves the owner alone
}

// newFixture copies the test binary and writes text files into a new
// directory, then gives every file the variant's mtime, mode and owner.
func newFixture(t *testing.T, v diskVariant) fixture {
	t.Helper()
	bin, err := os.ReadFile(testBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	contents := map[string][]byte{
		"app":               bin,
		"README.md":         []byte("# app\n\nA release archive test.\n"),
		"LICENSE":           []byte("Permission is hereby granted.\n"),
		"docs/CHANGELOG.md": []byte("## v1.2.3\n\n- first release\n"),
	}
	dir := t.TempDir()
	var fx fixture
	fx.contents = contents
	// Listed out of order on purpose: the archive sorts.
	for _, name := range []string{"docs/CHANGELOG.md", "app", "README.md", "LICENSE"} {
		src := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(src, contents[name], 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(src, v.mode); err != nil {
			t.Fatal(err)
		}
		if v.uid >= 0 {
			if err := os.Chown(src, v.uid, v.gid); err != nil {
				t.Logf("cannot change owner of sources (not root?): %v", err)
			}
		}
		if err := os.Chtimes(src, v.mtime, v.mtime); err != nil {
			t.Fatal(err)
		}
		fx.files = append(fx.files, File{Name: name, Source: src, Executable: name == "app"})
	}
	return fx
}

var (
	variantA = diskVariant{mtime: time.Date(2001, 2, 3, 4, 5, 6, 789, time.UTC), mode: 0o600, uid: -1}
	variantB = diskVariant{mtime: time.Date(2023, 11, 12, 13, 14, 15, 0, time.Local), mode: 0o777, uid: 4242, gid: 4343}
)

// writeArchive writes files with o to a new file and returns its path and
// bytes.
func writeArchive(t *testing.T, files []File, o Options) (string, []byte) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "app."+string(o.Format))
	if err := Write(dst, files, o); err != nil {
		t.Fatalf("Write: %v", err)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return dst, b
}

// onlyFiles fails unless dir holds exactly the files named want.
func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(want) {
		t.Fatalf("%s holds %q, want %q", dir, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s holds %q, want %q", dir, got, want)
		}
	}
}
