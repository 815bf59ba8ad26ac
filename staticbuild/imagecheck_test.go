package staticbuild

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeLayout writes a one-image OCI layout whose only layer is layer, and
// returns the directory and the image manifest's digest.
func writeLayout(t testing.TB, layer []byte) (string, string) {
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	os.MkdirAll(blobs, 0o755)
	put := func(b []byte) string {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		os.WriteFile(filepath.Join(blobs, h), b, 0o644)
		return "sha256:" + h
	}
	config := put([]byte(`{"os":"linux","architecture":"arm","variant":"v7"}`))
	l := put(layer)
	manifest := put([]byte(fmt.Sprintf(`{"config":{"digest":%q},"layers":[{"digest":%q}]}`, config, l)))
	return dir, manifest
}

// tarGz makes a layer holding one file.
func tarGz(name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
	tw.Write(data)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestImageFiles(t *testing.T) {
	dir, digest := writeLayout(t, tarGz("usr/local/bin/app", []byte("binary")))
	files, plat, err := imageFiles(dir, digest)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("binary"))
	if plat != "linux/arm/7" || files["usr/local/bin/app"] != hex.EncodeToString(sum[:]) {
		t.Errorf("platform %q, files %v", plat, files)
	}
	for _, bad := range []string{"sha256:../../x", "md5:00", "sha256:" + hex.EncodeToString(sum[:])} {
		if _, _, err := imageFiles(dir, bad); err == nil {
			t.Errorf("imageFiles(%q) did not fail", bad)
		}
	}
}

// FuzzImageFiles feeds imageFiles layers of any bytes: it must fail or
// succeed, never panic.
func FuzzImageFiles(f *testing.F) {
	f.Add(tarGz("usr/local/bin/app", []byte("binary")))
	f.Add(tarGz(".wh.app", nil))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, layer []byte) {
		dir, digest := writeLayout(t, layer)
		imageFiles(dir, digest)
	})
}
