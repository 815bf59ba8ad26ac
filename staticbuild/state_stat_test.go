package staticbuild

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCurrentTrustsStatNotBytes records a file, then plays the next run
// some seconds later: where the system records inodes and change times,
// the file is current without its bytes being read; a byte flipped with
// the size and modification time kept moves the change time, and the
// file is not current.
func TestCurrentTrustsStatNotBytes(t *testing.T) {
	dist := t.TempDir()
	name := filepath.Join(dist, "app.tar.gz")
	if err := os.WriteFile(name, []byte("archive bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &state{Files: map[string]fileState{}}
	s.record(dist, "app.tar.gz", "key")
	s.setSum("app.tar.gz", "1b7fc5d21a4e6b0af16a72c1b66bca5ad57bde3ee5b21d07e6d75f8d5bd1b3bd")
	// The recorded checksum is deliberately wrong: a current that reads
	// the bytes says no, one that trusts the file system says yes.
	f := s.Files["app.tar.gz"]
	f.Seen += int64(10 * time.Second)
	s.Files["app.tar.gz"] = f
	fi, _ := os.Stat(name)
	if _, _, ok := fileID(fi); !ok {
		t.Skip("this system records no inode and change time: current always reads the bytes")
	}
	if !s.current(dist, "app.tar.gz", "key") {
		t.Fatal("an unchanged file, recorded well after its last change, was read again")
	}

	// A byte flipped, with the size and modification time put back.
	if err := os.WriteFile(name, []byte("archive bytez"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if s.current(dist, "app.tar.gz", "key") {
		t.Fatal("a file whose bytes changed with its size and time kept was taken for current")
	}
}

// TestCurrentReadsRacyFiles records a file at once after writing it: its
// change time is too close to the recording for the stat to vouch for its
// bytes, which are read.
func TestCurrentReadsRacyFiles(t *testing.T) {
	dist := t.TempDir()
	name := filepath.Join(dist, "app.tar.gz")
	if err := os.WriteFile(name, []byte("archive bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &state{Files: map[string]fileState{}}
	s.record(dist, "app.tar.gz", "key")
	s.setSum("app.tar.gz", "1b7fc5d21a4e6b0af16a72c1b66bca5ad57bde3ee5b21d07e6d75f8d5bd1b3bd")
	if s.current(dist, "app.tar.gz", "key") {
		t.Fatal("a racily recorded file with a wrong checksum was taken for current without reading it")
	}
}
