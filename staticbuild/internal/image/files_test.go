package image

import (
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
	if _, _, err := ImageFiles(dir, r.Digest); err == nil || !strings.Contains(err.Error(), "has no image "+r.Digest) {
		t.Errorf("ImageFiles of the index: %v", err)
	}
	if _, _, err := ImageFiles(t.TempDir(), r.Images[0].Digest); err == nil || !strings.Contains(err.Error(), "is not an OCI image layout") {
		t.Errorf("ImageFiles of an empty directory: %v", err)
	}
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
