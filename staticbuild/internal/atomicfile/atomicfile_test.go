package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteLeavesOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "a.txt")
	if err := WriteFile(dst, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(dst, 0o644, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if data, _ := os.ReadFile(dst); string(data) != "old" {
		t.Fatalf("dst = %q, want old", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left %d files, want 1", len(entries))
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	keep := filepath.Join(sub, "app")
	os.WriteFile(keep, nil, 0o644)
	tmp := TempName(keep)
	if !IsTemp(filepath.Base(tmp)) {
		t.Fatalf("TempName %s is not recognised by IsTemp", tmp)
	}
	os.WriteFile(tmp, nil, 0o644)
	tmpDir := TempName(filepath.Join(dir, "layout"))
	os.MkdirAll(filepath.Join(tmpDir, "blobs"), 0o755)
	os.WriteFile(filepath.Join(tmpDir, "blobs", "x"), nil, 0o644)
	if err := RemoveTemps(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{tmp, tmpDir} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("temporary %s left: %v", p, err)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatal(err)
	}
}

func TestCopyMode(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.WriteFile(src, []byte("x"), 0o600)
	dst := filepath.Join(dir, "dst")
	if err := Copy(src, dst, 0o755); err != nil {
		t.Fatal(err)
	}
	want := os.FileMode(0o755)
	if runtime.GOOS == "windows" { // Windows keeps only the read-only bit
		want = 0o666
	}
	fi, err := os.Stat(dst)
	if err != nil || fi.Mode().Perm() != want {
		t.Fatalf("mode = %v, %v", fi.Mode(), err)
	}
}
