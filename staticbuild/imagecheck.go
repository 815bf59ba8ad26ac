package staticbuild

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// checkImages checks every image the artifacts list against the binaries:
// each binary of the image's platform that the image holds in
// /usr/local/bin is byte for byte the released one, and the image's
// platform is the binary's. It reads the OCI layout with the standard
// library alone, so Verify needs no image tooling.
func (r *Run) checkImages() []string {
	var problems []string
	bins := r.Artifacts.Of(artifact.Binary)
	for _, img := range r.Artifacts.Of(artifact.Image) {
		layout := filepath.Join(r.Dist, filepath.FromSlash(path.Dir(path.Dir(path.Dir(img.Path)))))
		files, plat, err := imageFiles(layout, img.Digest)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s (%s): %v", r.show(img.Path), img.Platform, err))
			continue
		}
		if plat != img.Platform {
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

// imageFiles reads the image with the digest from an OCI layout and returns
// the SHA-256 of each regular file its layers leave, by path, and its
// platform as os/arch[/variant] with the variant as Go names it.
func imageFiles(layout, digest string) (map[string]string, string, error) {
	blob := func(d string) (*os.File, error) {
		hexd, ok := strings.CutPrefix(d, "sha256:")
		if !ok || len(hexd) != 64 || strings.ContainsAny(hexd, "/\\.") {
			return nil, fmt.Errorf("digest %q is not sha256", d)
		}
		return os.Open(filepath.Join(layout, "blobs", "sha256", hexd))
	}
	readJSON := func(d string, v any) error {
		f, err := blob(d)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if err := json.NewDecoder(io.TeeReader(io.LimitReader(f, 4<<20), h)).Decode(v); err != nil {
			return fmt.Errorf("blob %s: %w", d, err)
		}
		io.Copy(h, f)
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != d {
			return fmt.Errorf("blob %s has digest %s: the layout is damaged", d, got)
		}
		return nil
	}
	var manifest struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	if err := readJSON(digest, &manifest); err != nil {
		return nil, "", err
	}
	var config struct {
		OS, Architecture, Variant string
	}
	if err := readJSON(manifest.Config.Digest, &config); err != nil {
		return nil, "", err
	}
	plat := config.OS + "/" + config.Architecture
	if v := goVariant(config.Architecture, config.Variant); v != "" {
		plat += "/" + v
	}
	files := map[string]string{}
	for _, l := range manifest.Layers {
		if err := layerFiles(blob, l.Digest, files); err != nil {
			return nil, "", err
		}
	}
	return files, plat, nil
}

// layerFiles applies one gzip-compressed tar layer to files.
func layerFiles(blob func(string) (*os.File, error), digest string, files map[string]string) error {
	f, err := blob(digest)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("layer %s: %w", digest, err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("layer %s: %w", digest, err)
		}
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		dir, base := path.Split(name)
		if strings.HasPrefix(base, ".wh.") {
			delete(files, dir+strings.TrimPrefix(base, ".wh."))
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			delete(files, name)
			continue
		}
		h := sha256.New()
		if _, err := io.Copy(h, tr); err != nil {
			return fmt.Errorf("layer %s: %s: %w", digest, name, err)
		}
		files[name] = hex.EncodeToString(h.Sum(nil))
	}
}

// goVariant turns an OCI platform variant into Go's: v7 for arm is GOARM 7;
// amd64's v2..v4 are GOAMD64's; arm64's v8 is the default and none.
func goVariant(arch, v string) string {
	switch {
	case v == "":
		return ""
	case arch == "arm":
		return strings.TrimPrefix(v, "v")
	case arch == "arm64" && v == "v8":
		return ""
	}
	return v
}
