package archive

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomicRemovesTempOnError(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.tar.gz")
	boom := errors.New("boom")
	err := writeFileAtomic(dst, func(w io.Writer) error {
		if _, err := w.Write(make([]byte, 1<<20)); err != nil { // past the buffer: on disk
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("writeFileAtomic = %v, want %v", err, boom)
	}
	onlyFiles(t, dir)
}

func TestWriteFileAtomicOverDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "taken")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	err := writeFileAtomic(dst, func(w io.Writer) error {
		_, err := w.Write([]byte("data"))
		return err
	})
	if err == nil {
		t.Fatal("renaming over a directory succeeded")
	}
	onlyFiles(t, dir, "taken")
}

func TestWriteFileAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "SHA256SUMS")
	for _, content := range []string{"first\n", "second\n"} {
		err := writeFileAtomic(dst, func(w io.Writer) error {
			_, err := io.WriteString(w, content)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(dst)
		if err != nil || string(b) != content {
			t.Fatalf("after writing %q: %q, %v", content, b, err)
		}
	}
	onlyFiles(t, dir, "SHA256SUMS")
}
