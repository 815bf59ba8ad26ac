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
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// writeImage writes, into dist/app_oci, a one-image OCI layout of the
// config whose only layer holds files (path to content), and returns the
// image's path in dist and its manifest's digest.
func writeImage(t testing.TB, dist, config string, files map[string]string) (string, string) {
	blobs := filepath.Join(dist, "app_oci", "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(b []byte) string {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(blobs, h), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return h
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write([]byte(data))
	}
	tw.Close()
	zw.Close()
	c, l := put([]byte(config)), put(buf.Bytes())
	m := put(fmt.Appendf(nil, `{"config":{"digest":"sha256:%s"},"layers":[{"digest":"sha256:%s"}]}`, c, l))
	return "app_oci/blobs/sha256/" + m, "sha256:" + m
}

// TestImageCheck checks an image against the released binaries: one that
// holds them passes; one whose binary differs, whose config names another
// platform, that holds none of them, or whose layout is damaged fails,
// naming the image and the fix.
func TestImageCheck(t *testing.T) {
	sum := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return hex.EncodeToString(h[:])
	}
	bin := artifact.Artifact{Path: "app_linux_arm_7/app", Kind: artifact.Binary, Platform: "linux/arm/7", SHA256: sum("binary")}
	other := artifact.Artifact{Path: "app_linux_amd64/app", Kind: artifact.Binary, Platform: "linux/amd64", SHA256: sum("amd64")}
	const arm = `{"os":"linux","architecture":"arm","variant":"v7"}`
	for _, tc := range []struct {
		name   string
		config string
		files  map[string]string
		damage bool
		want   string // "" for no problem
	}{
		{"released", arm, map[string]string{"usr/local/bin/app": "binary", "etc/passwd": "root"}, false, ""},
		{"changed", arm, map[string]string{"usr/local/bin/app": "changed"}, false, "/usr/local/bin/app is not the released dist/app_linux_arm_7/app"},
		{"platform", `{"os":"linux","architecture":"arm","variant":"v6"}`, map[string]string{"usr/local/bin/app": "binary"}, false, "the image's config says platform linux/arm/6, the manifest linux/arm/7"},
		{"empty", arm, map[string]string{"usr/bin/app": "binary"}, false, "holds none of the release's binaries"},
		{"damaged", arm, map[string]string{"usr/local/bin/app": "binary"}, true, "the layout is damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dist := filepath.Join(dir, "dist")
			p, digest := writeImage(t, dist, tc.config, tc.files)
			if tc.damage {
				if err := os.WriteFile(filepath.Join(dist, filepath.FromSlash(p)), []byte(`{}`), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := &Run{Dir: dir, Dist: dist, Artifacts: artifact.List{bin, other,
				{Path: p, Kind: artifact.Image, Platform: "linux/arm/7", Digest: digest}}}
			problems := strings.Join(r.checkImages(), "\n")
			if tc.want == "" && problems != "" {
				t.Errorf("checkImages: %s", problems)
			}
			if tc.want != "" && (!strings.Contains(problems, tc.want) || !strings.Contains(problems, "dist/"+p)) {
				t.Errorf("checkImages: %q, want a problem of dist/%s that says %q", problems, p, tc.want)
			}
		})
	}
}
