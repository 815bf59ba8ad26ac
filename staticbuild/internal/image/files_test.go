package image

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImageFiles reads each image of a layout as a check of the release
// does: the platform as Go names it and the SHA-256 of the binary.
func TestImageFiles(t *testing.T) {
	bins := appBinaries(t)
	r, dir := buildLayout(t, testConfig(t), bins)
	for i, im := range r.Images {
		plat, files, err := ImageFiles(dir, im.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if plat != bins[i].Platform {
			t.Errorf("%s: platform %s", im.Digest, plat)
		}
		if got, want := files["usr/local/bin/app"], fileSHA256(t, bins[i].Source); got != want {
			t.Errorf("%s: usr/local/bin/app has SHA-256 %q, want %s", plat, got, want)
		}
		if files["etc/passwd"] == "" || files["tmp"] != "" {
			t.Errorf("%s: the built-in base's /etc/passwd is missing, or the directory /tmp is listed as a file", plat)
		}
	}
	if _, _, err := ImageFiles(t.TempDir(), r.Images[0].Digest); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("ImageFiles of an empty directory: %v", err)
	}
	for _, bad := range []string{"sha256:../../x", "md5:00"} {
		if _, _, err := ImageFiles(dir, bad); err == nil || !strings.Contains(err.Error(), "is not sha256:HEX") {
			t.Errorf("ImageFiles(%q): %v", bad, err)
		}
	}
}

// FuzzImageFiles feeds ImageFiles a one-image layout whose layer is any
// bytes: it fails or succeeds, and never panics.
func FuzzImageFiles(f *testing.F) {
	f.Add([]byte("not a layer"))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, layer []byte) {
		dir := t.TempDir()
		blobs := filepath.Join(dir, "blobs", "sha256")
		os.MkdirAll(blobs, 0o755)
		put := func(b []byte) string {
			h := sha256Hash(b)
			os.WriteFile(filepath.Join(blobs, h.Hex), b, 0o644)
			return h.String()
		}
		config := put([]byte(`{"os":"linux","architecture":"arm","variant":"v7"}`))
		l := put(layer)
		manifest := put([]byte(fmt.Sprintf(`{"config":{"digest":%q},"layers":[{"digest":%q}]}`, config, l)))
		ImageFiles(dir, manifest)
	})
}

func TestGoPlatform(t *testing.T) {
	for _, tc := range []struct{ os, arch, variant, want string }{
		{"linux", "arm", "v7", "linux/arm/7"},
		{"linux", "arm64", "v8", "linux/arm64"},
		{"linux", "amd64", "v3", "linux/amd64/v3"},
		{"linux", "riscv64", "", "linux/riscv64"},
	} {
		if got := GoPlatform(tc.os, tc.arch, tc.variant).String(); got != tc.want {
			t.Errorf("GoPlatform(%s, %s, %s) = %s, want %s", tc.os, tc.arch, tc.variant, got, tc.want)
		}
	}
}
