//go:build windows

package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// TestRenameWaitsForReader holds the destination open the way a virus
// scanner does (sharing read and write but not delete) and checks that
// WriteFile waits for it to close and then replaces the file.
func TestRenameWaitsForReader(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "app.exe")
	if err := WriteFile(dst, []byte("old")); err != nil {
		t.Fatal(err)
	}
	name, err := windows.UTF16PtrFromString(dst)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatalf("opening %s: %v", dst, err)
	}
	if err := os.Rename(dst+".x", dst); err == nil {
		t.Fatal("renaming a missing file succeeded")
	}
	if err := os.WriteFile(dst+".new", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dst+".new", dst); err == nil {
		t.Fatal("os.Rename replaced a file another process holds open: the reader does not stand for one")
	}
	time.AfterFunc(300*time.Millisecond, func() { windows.CloseHandle(h) })
	if err := WriteFile(dst, []byte("new")); err != nil {
		t.Fatalf("WriteFile while a reader holds %s for 300ms: %v", dst, err)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "new" {
		t.Errorf("%s holds %q (%v), want \"new\"", dst, b, err)
	}
}

// TestLongPathWithSpaces writes and replaces a file under a drive letter,
// in directories with spaces, at a path longer than Windows' old 260
// characters.
func TestLongPathWithSpaces(t *testing.T) {
	dir := t.TempDir()
	if filepath.VolumeName(dir) == "" {
		t.Fatalf("%s has no drive letter", dir)
	}
	for len(dir) < 300 {
		dir = filepath.Join(dir, "a long directory name with spaces")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "my app.exe")
	for _, data := range []string{"one", "two"} {
		if err := WriteFile(dst, []byte(data)); err != nil {
			t.Fatalf("WriteFile(%d characters): %v", len(dst), err)
		}
		if b, err := os.ReadFile(dst); err != nil || string(b) != data {
			t.Errorf("%s holds %q (%v), want %q", dst, b, err, data)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if IsTemp(e.Name()) || strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
