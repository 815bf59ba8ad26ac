package archive

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestChecksumsWithSha256sum(t *testing.T) {
	sha256sum := needTool(t, "sha256sum", "coreutils")
	fx := newFixture(t, variantA)
	dir := t.TempDir()
	var sums []Sum
	for _, f := range []Format{Zip, TarGz} { // out of order on purpose
		dst := filepath.Join(dir, "app_linux_amd64."+string(f))
		if err := Write(dst, fx.files, Options{Format: f, Time: buildTime}); err != nil {
			t.Fatal(err)
		}
		h, err := SHA256File(dst)
		if err != nil {
			t.Fatal(err)
		}
		// The real tool computes the same hash.
		out := run(t, dir, sha256sum, filepath.Base(dst))
		if want := h + "  " + filepath.Base(dst) + "\n"; out != want {
			t.Errorf("sha256sum prints %q, SHA256File gives %q", out, want)
		}
		sums = append(sums, Sum{Name: filepath.Base(dst), SHA256: strings.ToUpper(h)})
	}
	sumsFile := filepath.Join(dir, "SHA256SUMS")
	if err := WriteChecksums(sumsFile, sums); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(sumsFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) != 3 || lines[2] != "" ||
		!strings.HasSuffix(lines[0], "  app_linux_amd64.tar.gz") ||
		!strings.HasSuffix(lines[1], "  app_linux_amd64.zip") ||
		lines[0][:64] != strings.ToLower(sums[1].SHA256) {
		t.Fatalf("SHA256SUMS is\n%s", b)
	}

	out := run(t, dir, sha256sum, "--strict", "-c", "SHA256SUMS")
	if out != "app_linux_amd64.tar.gz: OK\napp_linux_amd64.zip: OK\n" {
		t.Errorf("sha256sum -c: %q", out)
	}

	// The check can fail: change an archive.
	if err := os.WriteFile(filepath.Join(dir, "app_linux_amd64.zip"), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sha256sum, "-c", "SHA256SUMS")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "app_linux_amd64.zip: FAILED") {
		t.Errorf("sha256sum -c after tampering: %v\n%s", err, out)
	}

	got, err := ReadChecksums(sumsFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "app_linux_amd64.tar.gz" || got[0].SHA256 != strings.ToLower(sums[1].SHA256) ||
		got[1].Name != "app_linux_amd64.zip" || got[1].SHA256 != strings.ToLower(sums[0].SHA256) {
		t.Errorf("ReadChecksums = %+v", got)
	}
}

const (
	hashA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	hashB = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
)

func TestWriteChecksumsMergesAndRejects(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "SHA256SUMS")
	// A name listed twice with one hash, as when merging sharded runs.
	err := WriteChecksums(dst, []Sum{{"b.zip", hashB}, {"a.tar.gz", hashA}, {"b.zip", hashB}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dst)
	if want := hashA + "  a.tar.gz\n" + hashB + "  b.zip\n"; string(b) != want {
		t.Fatalf("SHA256SUMS = %q, want %q", b, want)
	}

	bad := []struct {
		name string
		sums []Sum
		want string
	}{
		{"conflict", []Sum{{"a", hashA}, {"a", hashB}}, "two different hashes"},
		{"short hash", []Sum{{"a", hashA[:63]}}, "not a hexadecimal SHA-256"},
		{"not hex", []Sum{{"a", strings.Repeat("g", 64)}}, "not a hexadecimal SHA-256"},
		{"newline in name", []Sum{{"a\nb", hashA}}, "control character"},
		{"escaping name", []Sum{{"../a", hashA}}, `".."`},
		{"empty name", []Sum{{"", hashA}}, "empty name"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			err := WriteChecksums(filepath.Join(out, "SHA256SUMS"), tt.sums)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("WriteChecksums: %v, want an error with %q", err, tt.want)
			}
			onlyFiles(t, out)
		})
	}
}

func TestReadChecksumsRejectsMalformedLines(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"one space", hashA + " a\n", ":1: malformed line"},
		{"short hash", hashA[:60] + "  a\n", ":1: malformed"},
		{"bad hex", hashA + "  a\n" + strings.Repeat("z", 64) + "  b\n", ":2: malformed hash"},
		{"blank line", hashA + "  a\n\n", ":2: malformed line"},
		{"escaping name", hashA + "  ../a\n", `:1: name "../a"`},
		{"no name", hashA + "  \n", ":1: malformed line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "SUMS")
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadChecksums(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadChecksums: %v, want an error with %q", err, tt.want)
			}
		})
	}

	p := filepath.Join(t.TempDir(), "SUMS")
	if err := os.WriteFile(p, []byte(hashA+" *bin.exe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadChecksums(p)
	if err != nil || len(got) != 1 || got[0] != (Sum{Name: "bin.exe", SHA256: hashA}) {
		t.Errorf("binary-mode line: %+v, %v", got, err)
	}
	if _, err := ReadChecksums(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("ReadChecksums of a missing file succeeded")
	}
}

func TestSHA256File(t *testing.T) {
	p := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if h, err := SHA256File(p); err != nil || h != hashA {
		t.Errorf("SHA256File(empty) = %s, %v; want %s", h, err, hashA)
	}
	if _, err := SHA256File(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("SHA256File of a missing file succeeded")
	}
	if _, err := SHA256File(t.TempDir()); err == nil {
		t.Error("SHA256File of a directory succeeded")
	}
}
