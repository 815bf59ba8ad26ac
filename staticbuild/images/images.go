// Package images builds container images from the very binaries a release
// verified, without Docker: one image per linux platform and a
// multi-platform image index, written as an OCI image layout into dist/,
// reproducible to the digest. Add its step to the release and import it
// in the magefile, under the name images, for the push target:
//
//	//mage:import images
//	"github.com/magestatic/magestatic/staticbuild/images"
//
//	func init() {
//		staticbuild.Project.Steps = []staticbuild.Step{
//			images.Step(images.Image{Name: "ghcr.io/acme/app"}),
//		}
//	}
//
// "mage release" then writes dist/app_1.2.3_oci/ and lists the index and
// each image, with their digests, in artifacts.json; "mage images:push"
// pushes them.
package images

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/image"
)

// Image configures one image.
type Image struct {
	// Name is the repository, such as "ghcr.io/acme/app"; the tag is the
	// version.
	Name string
	// Binaries are the names of the binaries the image holds, in
	// /usr/local/bin. Default: every binary.
	Binaries []string
	// Entrypoint is the binary the image runs. Default: the first of
	// Binaries, or the only binary.
	Entrypoint string
	// Base is what the image starts from: "" for the built-in base (CA
	// certificates, time zones, passwd and group with the non-root user
	// 65532, /tmp; no network needed), "scratch", "oci-layout:DIR" (an OCI
	// layout directory, relative to the project), or
	// "REGISTRY/REPO@sha256:..." (pulled once, by digest only).
	Base string
	// Files maps a path in the image to a file of the project.
	Files map[string]string
	// User is the user the image runs as. Default: 65532:65532, the
	// non-root user of the built-in base, so that a process that escapes
	// the container is not root on the host.
	User string
	// Env and Labels are added to the image's config.
	Env    []string
	Labels map[string]string
	// Source is the label org.opencontainers.image.source, such as the
	// repository's URL.
	Source string
	// Tarball also writes, per platform, a tarball that docker load and
	// podman load accept.
	Tarball bool
}

// Step returns the release step that builds the images after the SBOMs.
// In a release built in shards, it runs in Merge, which has every
// platform. Its Check, which runs before anything builds, checks each
// Image's Name and Base: a layout base is read, and a registry base is
// asked for, as the build will.
func Step(images ...Image) staticbuild.Step {
	key, _ := json.Marshal(images)
	return staticbuild.Step{Name: "images", After: "sbom", Whole: true, Key: "images 1 " + string(key),
		Check: func(ctx context.Context, r *staticbuild.Run) error { return check(ctx, r, images) },
		Run: func(ctx context.Context, r *staticbuild.Run) error {
			for _, img := range images {
				if err := build(ctx, r, img); err != nil {
					return err
				}
			}
			return nil
		}}
}

// check checks every image's settings, naming the field and the fix; it
// reads each base from its layout or registry, until ctx is done.
func check(ctx context.Context, r *staticbuild.Run, images []Image) error {
	plats := linuxPlatforms(r.Config.Platforms)
	var errs *multierror.Error
	for i, img := range images {
		field := fmt.Sprintf("images.Image[%d] (%s)", i, img.Name)
		if img.Name == "" {
			errs = multierror.Append(errs, fmt.Errorf("images.Image[%d].Name is empty: set the repository, such as ghcr.io/acme/app", i))
		}
		if len(plats) == 0 {
			errs = multierror.Append(errs, fmt.Errorf("%s: the platforms %s include no linux one to build the image for: add one, such as linux/amd64, to Config.Platforms", field, strings.Join(r.Config.Platforms, ", ")))
			continue
		}
		if err := image.CheckBase(ctx, baseOf(r, img), nil, plats); err != nil {
			errs = multierror.Append(errs, fmt.Errorf("%s.Base %q: %w", field, img.Base, err))
		}
	}
	return errlist.Lines(errs)
}

// linuxPlatforms returns the linux platforms of a list of os/arch[/variant].
func linuxPlatforms(list []string) []image.Platform {
	var ps []image.Platform
	for _, s := range list {
		f := strings.SplitN(s, "/", 3)
		if len(f) < 2 || f[0] != "linux" {
			continue
		}
		p := image.Platform{OS: f[0], Arch: f[1]}
		if len(f) == 3 {
			p.Variant = f[2]
		}
		ps = append(ps, p)
	}
	return ps
}

// baseOf returns img.Base with a layout directory made absolute, relative
// to the project.
func baseOf(r *staticbuild.Run, img Image) string {
	if dir, ok := strings.CutPrefix(img.Base, "oci-layout:"); ok && !filepath.IsAbs(dir) {
		return "oci-layout:" + filepath.Join(r.Dir, dir)
	}
	return img.Base
}

// build builds one image for every linux platform of its binaries.
func build(ctx context.Context, r *staticbuild.Run, img Image) error {
	if img.Name == "" {
		return fmt.Errorf("images: an Image has no Name: set the repository, such as ghcr.io/acme/app")
	}
	var bins []image.Binary
	names := map[string]bool{}
	for _, b := range r.Artifacts.Of(artifact.Binary) {
		if b.OS != "linux" || (len(img.Binaries) > 0 && !slices.Contains(img.Binaries, b.Binary)) {
			continue
		}
		names[b.Binary] = true
		bins = append(bins, image.Binary{Platform: image.Platform{OS: b.OS, Arch: b.Arch, Variant: b.Variant},
			Source: r.Path(b), Path: path.Join(image.BinDir, path.Base(b.Path))})
	}
	for _, n := range img.Binaries {
		if !names[n] {
			return fmt.Errorf("images: %s: the release has no linux binary named %q", img.Name, n)
		}
	}
	if len(bins) == 0 {
		return fmt.Errorf("images: %s: the release has no linux binary to put in it: add a linux platform", img.Name)
	}
	entry := img.Entrypoint
	if entry == "" && len(img.Binaries) > 0 {
		entry = img.Binaries[0]
	}
	cfg := image.Config{Repository: img.Name, Base: baseOf(r, img), Entrypoint: entry, User: img.User, Env: img.Env, Labels: img.Labels,
		// The run's go command and environment (nil is the process's, as
		// the engine reads it).
		Go: r.Config.Go, Environ: r.Environ(),
		Time: r.Time, Version: r.Version, Revision: r.Commit, Source: img.Source}
	for _, dst := range slices.Sorted(maps.Keys(img.Files)) {
		src := img.Files[dst]
		if !filepath.IsAbs(src) {
			src = filepath.Join(r.Dir, src)
		}
		cfg.Files = append(cfg.Files, image.File{Source: src, Path: dst})
	}
	res, err := image.Build(ctx, cfg, bins)
	if err != nil {
		return err
	}
	for _, n := range res.Notes {
		r.Logf("images: %s: %s\n", img.Name, n)
	}
	short := path.Base(img.Name)
	version := strings.TrimPrefix(r.Version, "v")
	dir := fmt.Sprintf("%s_%s_oci", short, version)
	tmp, err := r.StageDir(dir)
	if err != nil {
		return err
	}
	if err := image.WriteLayout(tmp, res); err != nil {
		return err
	}
	// The binary in each image is the released one, for its platform.
	if err := image.Check(tmp, res.Binaries()); err != nil {
		return fmt.Errorf("images: %s: %w", img.Name, err)
	}
	ref := img.Name + ":" + res.Tag
	if err := r.Add(artifact.Artifact{Path: dir + "/index.json", Kind: artifact.ImageIndex, Digest: res.Digest, Image: ref}); err != nil {
		return err
	}
	for _, im := range res.Images {
		a := artifact.Artifact{Path: dir + "/blobs/sha256/" + strings.TrimPrefix(im.Digest, "sha256:"), Kind: artifact.Image,
			Platform: platformString(im.Platform), OS: im.Platform.OS, Arch: im.Platform.Arch, Variant: im.Platform.Variant,
			Digest: im.Digest, Image: ref}
		if err := r.Add(a); err != nil {
			return err
		}
		if img.Tarball {
			rel := fmt.Sprintf("%s_%s_%s.image.tar", short, version, strings.ReplaceAll(platformString(im.Platform), "/", "_"))
			tmp, err := r.StageDir(rel)
			if err != nil {
				return err
			}
			if err := image.WriteTarball(tmp, image.PlatformTag(ref, im.Platform), res, im.Platform); err != nil {
				return err
			}
			if err := r.Add(artifact.Artifact{Path: rel, Kind: "image-tarball", Platform: a.Platform, OS: a.OS, Arch: a.Arch, Variant: a.Variant, Digest: im.Digest}); err != nil {
				return err
			}
		}
	}
	r.Logf("images: %s %s: %d platforms, index %s, in %s\n", img.Name, res.Tag, len(res.Images), res.Digest, path.Join(filepath.Base(r.Dist), dir))
	return nil
}

// Push pushes every image index the last release listed in
// dist/artifacts.json, with its images, to its repository under the
// release's version; what the registry has already is not uploaded again.
// It fails when the manifest is missing (run the release target first) or
// lists no image, when a registry refuses the push, and when the digest
// pushed is not the one the manifest lists, because the layout changed
// after the release.
func Push(ctx context.Context) error {
	return staticbuild.Target(ctx, push)
}

// push pushes the images; pushing what the registry has uploads nothing.
func push(ctx context.Context, r *staticbuild.Run) error {
	list, err := artifact.Read(filepath.Join(r.Dist, "artifacts.json"))
	if err != nil {
		return fmt.Errorf("push: reading the manifest: %w (run the release target first)", err)
	}
	n := 0
	for _, a := range list.Of(artifact.ImageIndex) {
		d, err := image.PushLayout(ctx, a.Image, filepath.Join(r.Dist, filepath.FromSlash(path.Dir(a.Path))), nil)
		if err != nil {
			return err
		}
		if d != a.Digest {
			return fmt.Errorf("push: %s: pushed %s, but the manifest lists %s: the layout changed after the release", a.Image, d, a.Digest)
		}
		r.Logf("push: %s@%s\n", a.Image, d)
		n++
	}
	if n == 0 {
		return fmt.Errorf("push: %s lists no image: add images.Step to Config.Steps and release", filepath.Join(r.Dist, "artifacts.json"))
	}
	return nil
}

func platformString(p image.Platform) string {
	return strings.TrimSuffix(p.OS+"/"+p.Arch+"/"+p.Variant, "/")
}
