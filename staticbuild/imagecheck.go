package staticbuild

import (
	"fmt"
	"path"
	"path/filepath"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/ocilayout"
)

// checkImages checks every image the artifacts list against the binaries:
// each binary of the image's platform that the image holds in
// /usr/local/bin is byte for byte the released one, and the image's
// platform is the binary's. It reads the OCI layout with ocilayout, which
// uses the standard library alone, so Verify needs no image tooling.
func (r *Run) checkImages() []string {
	var problems []string
	bins := r.Artifacts.Of(artifact.Binary)
	for _, img := range r.Artifacts.Of(artifact.Image) {
		layout := filepath.Join(r.Dist, filepath.FromSlash(path.Dir(path.Dir(path.Dir(img.Path)))))
		im, err := ocilayout.Read(layout, img.Digest)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s (%s): %v", r.show(img.Path), img.Platform, err))
			continue
		}
		files := im.Files
		if plat := im.Platform.String(); plat != img.Platform {
			problems = append(problems, fmt.Sprintf("%s: the image's config says platform %s, the manifest %s", r.show(img.Path), plat, img.Platform))
		}
		found := 0
		for _, b := range bins {
			if b.Platform != img.Platform {
				continue
			}
			sum, ok := files["usr/local/bin/"+path.Base(b.Path)]
			if !ok {
				continue
			}
			found++
			if sum != b.SHA256 {
				problems = append(problems, fmt.Sprintf("%s (%s): /usr/local/bin/%s is not the released %s (SHA-256 %s, the binary's %s)", r.show(img.Path), img.Platform, path.Base(b.Path), r.show(b.Path), sum, b.SHA256))
			}
		}
		if found == 0 {
			problems = append(problems, fmt.Sprintf("%s (%s): the image holds none of the release's binaries for its platform", r.show(img.Path), img.Platform))
		}
	}
	return problems
}
