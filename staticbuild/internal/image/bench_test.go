package image

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// sixPlatforms are the platforms of the benchmark.
var sixPlatforms = []Platform{
	amd64, arm64,
	{OS: "linux", Arch: "arm", Variant: "7"},
	{OS: "linux", Arch: "386"},
	{OS: "linux", Arch: "ppc64le"},
	{OS: "linux", Arch: "riscv64"},
}

// BenchmarkBuild measures the image step's own work, Build and then
// WriteLayout, for 2 and 6 platforms of the test program.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{2, 6} {
		b.Run(fmt.Sprintf("platforms=%d", n), func(b *testing.B) {
			var bins []Binary
			for _, p := range sixPlatforms[:n] {
				bins = append(bins, appBinary(b, p))
			}
			cfg := testConfig(b)
			dir := b.TempDir()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				r, err := Build(context.Background(), cfg, bins)
				if err != nil {
					b.Fatal(err)
				}
				if err := WriteLayout(filepath.Join(dir, fmt.Sprint(i)), r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestImageSizes compares each image with its binary and with the image
// a "FROM scratch" Dockerfile gives (the binary alone in one layer): the
// built-in base must stay small.
func TestImageSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	bins := appBinaries(t)
	cfg := testConfig(t)
	r := build(t, cfg, bins)
	cfg.Base = BaseScratch
	scratch := build(t, cfg, bins)
	for i, im := range r.Images {
		fi, err := os.Stat(im.Binaries[0].Source)
		if err != nil {
			t.Fatal(err)
		}
		s := scratch.Images[i].Size
		t.Logf("%s: binary %d bytes, scratch image %d bytes (%.0f%%), image on the built-in base %d bytes (+%d bytes)",
			im.Platform, fi.Size(), s, 100*float64(s)/float64(fi.Size()), im.Size, im.Size-s)
		if im.Size-s > 400_000 {
			t.Errorf("%s: the built-in base adds %d bytes, want at most 400 kB", im.Platform, im.Size-s)
		}
		if s >= fi.Size() {
			t.Errorf("%s: the scratch image (%d bytes) is not smaller than the binary (%d bytes)", im.Platform, s, fi.Size())
		}
	}
}
