package image

import (
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/ocilayout"
)

// TestLayoutRead reads each image of a layout the build wrote as a check
// of the release does, with ocilayout: the platform as Go names it and
// the SHA-256 of the binary and of the base's files.
func TestLayoutRead(t *testing.T) {
	bins := appBinaries(t)
	r, dir := buildLayout(t, testConfig(t), bins)
	for i, im := range r.Images {
		li, err := ocilayout.Read(dir, im.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if Platform(li.Platform) != bins[i].Platform {
			t.Errorf("%s: platform %s", im.Digest, li.Platform)
		}
		if got, want := li.Files["usr/local/bin/app"], fileSHA256(t, bins[i].Source); got != want {
			t.Errorf("%s: usr/local/bin/app has SHA-256 %q, want %s", li.Platform, got, want)
		}
		if li.Files["etc/passwd"] == "" || li.Files["tmp"] != "" {
			t.Errorf("%s: the built-in base's /etc/passwd is missing, or the directory /tmp is listed as a file", li.Platform)
		}
	}
}
