// Package image builds OCI container images from static binaries that are
// already built and verified: one image per linux platform, on a small
// built-in base, on scratch, or on a base image named by digest, and an
// image index over them. It writes the result as an OCI image layout or as
// a tarball that docker load and podman load accept, pushes it to a
// registry, and checks that a layout holds exactly the given binaries.
//
// Every byte is reproducible: layers list their entries sorted, owned by
// root (or nonroot where intended) with fixed modes and every mtime set to
// the build time; gzip headers carry no name or time; configs and history
// carry the build time. The same binaries and Config give the same index
// digest on any machine that uses the same Go toolchain (whose time zone
// database and compressor the built-in base depends on).
package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hashicorp/go-multierror"
	"golang.org/x/sync/errgroup"

	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// DefaultUser is the user images run as unless Config.User says otherwise:
// the nonroot user and group of the built-in base's /etc/passwd and
// /etc/group. It is numeric so that a runtime can tell it is not root
// without reading the image (Kubernetes' runAsNonRoot needs that).
const DefaultUser = "65532:65532"

// BinDir is the directory binaries go into unless Binary.Path names
// another place.
const BinDir = "/usr/local/bin"

// Base names that Config.Base accepts besides a layout or a registry
// reference.
const (
	BaseBuiltin = ""        // the built-in base, see Config.Base
	BaseScratch = "scratch" // no base: the image holds Config.Files and the binaries only
)

// layoutPrefix starts a Config.Base that names an OCI image layout.
const layoutPrefix = "oci-layout:"

// Platform is a linux platform as the build names it. Variant is the
// value of the architecture's variable: GOARM ("7"), GOAMD64 ("v3"),
// GOARM64 ("v8.0"), or "" for the toolchain's default.
type Platform struct {
	OS      string
	Arch    string
	Variant string
}

// String returns "os/arch" or "os/arch/variant".
func (p Platform) String() string {
	if p.Variant != "" {
		return p.OS + "/" + p.Arch + "/" + p.Variant
	}
	return p.OS + "/" + p.Arch
}

// Binary is one built binary to put into the image of its platform.
type Binary struct {
	Platform Platform
	// Source is the file on disk.
	Source string
	// Path is the absolute path in the image; "" means
	// /usr/local/bin/<base name of Source>.
	Path string
}

// File is an extra regular file that goes into every image, such as a
// configuration file or a license.
type File struct {
	// Source is the file on disk.
	Source string
	// Path is the absolute path in the image.
	Path string
	// Mode holds the permission bits; 0 means 0644.
	Mode fs.FileMode
}

// Config says what to build around the binaries. The zero value builds
// images on the built-in base that run the only binary as nonroot.
type Config struct {
	// Repository is the image's name without a tag, such as
	// "ghcr.io/acme/app". WriteTarball and Push use Repository:Tag when
	// they are given no reference.
	Repository string

	// Base is what the images start from:
	//
	//   - "" is the built-in base: what distroless "static" gives a Go
	//     program, made in process without network from versioned
	//     sources, in one layer of about 230 kB that every platform
	//     shares. /etc/ssl/certs/ca-certificates.crt holds the roots of
	//     golang.org/x/crypto/x509roots/fallback (Mozilla's NSS trust
	//     store, pinned by go.mod), less those NSS trusts only until a
	//     distrust-after date, which a PEM file cannot carry.
	//     /usr/share/zoneinfo is the time zone database of the Go
	//     toolchain at GOROOT, unpacked rather than shipped as
	//     zoneinfo.zip with ZONEINFO set, so that TZ=Area/City and
	//     programs in any language find it where they look.
	//     /etc/passwd and /etc/group hold root, nobody and nonroot
	//     (65532); there are also /etc/nsswitch.conf, /root,
	//     /home/nonroot (owned by nonroot) and /tmp (mode 1777).
	//   - "scratch" is nothing: the images hold Files and the binaries.
	//   - "oci-layout:DIR" is an OCI image layout whose index.json lists
	//     one image index (perhaps with its images, as WriteLayout
	//     writes), one image, or several images.
	//   - "REGISTRY/REPO@sha256:HEX" is an image or index in a registry,
	//     pulled once, while Build runs. A tag is refused: a base that can
	//     change under the same name would make the build unreproducible.
	//
	// The built-in base and scratch take any linux platform. A layout or
	// registry base takes the platforms it has; binaries of the others are
	// left out, with a line in Result.Notes.
	Base string

	// Keychain gives the credentials for pulling a registry base; nil is
	// authn.DefaultKeychain (the Docker config, as docker login writes it).
	Keychain authn.Keychain

	// GOROOT is the Go toolchain whose lib/time/zoneinfo.zip the built-in
	// base unpacks; "" asks "GO env GOROOT", with GO the command Go names.
	GOROOT string

	// Go is the go command asked for GOROOT; "" is "go" from PATH.
	Go string

	// Environ is the environment that go command runs with; nil is the
	// process's.
	Environ []string

	// Entrypoint is the base name of the binary the images run; "" is
	// the only one when every platform has one binary name.
	Entrypoint string

	// Files go into every image, in a layer of their own that every
	// platform shares.
	Files []File

	// User is the user the images run as; "" is DefaultUser. A process
	// that runs as root in a container is root on the host's files it can
	// reach when it escapes or when a volume is mounted, so the default
	// is an unprivileged user that exists in the built-in base.
	User string

	// Env holds KEY=value variables, added to the base's (the built-in
	// base sets PATH and SSL_CERT_FILE); a key that is already set is
	// replaced.
	Env []string

	// Labels are added to the image config after the OCI labels below,
	// and so replace them when they use the same key.
	Labels map[string]string

	// Time is the build time, given to every timestamp: file times,
	// config and history times, and the label
	// org.opencontainers.image.created. It is kept to the second; the
	// zero Time is the Unix epoch.
	Time time.Time

	// Version, Revision and Source become the labels and annotations
	// org.opencontainers.image.version, .revision and .source, when set.
	// Version also gives the tag (see Result.Tag).
	Version, Revision, Source string
}

// Result is what Build made: an image index and one image per platform.
// WriteLayout, WriteTarball and Push write it out.
type Result struct {
	// Digest is the image index's digest, "sha256:...".
	Digest string
	// Images lists the images, sorted by platform.
	Images []Image
	// Repository is Config.Repository.
	Repository string
	// Tag is Config.Version with each character a tag cannot hold
	// replaced by "-", or "latest" when there is no version.
	Tag string
	// Base is Config.Base, or "built-in".
	Base string
	// BaseDigest is the digest of the base index or image, "" for the
	// built-in base and scratch.
	BaseDigest string
	// Notes says which binaries were left out, and why.
	Notes []string

	index *index
}

// Binaries returns the binaries of every image, as Check takes them.
func (r *Result) Binaries() []Binary {
	var bs []Binary
	for _, im := range r.Images {
		bs = append(bs, im.Binaries...)
	}
	return bs
}

// Image is one platform's image in a Result.
type Image struct {
	Platform Platform
	// Digest is the image manifest's digest, "sha256:...".
	Digest string
	// Size is the sum of the sizes of the manifest, the config and the
	// compressed layers.
	Size int64
	// Binaries are the files the image holds, as Check takes them.
	Binaries []Binary

	img *image
}

// Annotation and label keys of the OCI image specification.
const (
	keyCreated    = "org.opencontainers.image.created"
	keyVersion    = "org.opencontainers.image.version"
	keyRevision   = "org.opencontainers.image.revision"
	keySource     = "org.opencontainers.image.source"
	keyRefName    = "org.opencontainers.image.ref.name"
	keyBaseName   = "org.opencontainers.image.base.name"
	keyBaseDigest = "org.opencontainers.image.base.digest"
)

// Build makes one image for each platform of bins that the base has, and
// an index over them. Binaries must be linux executables; Build does not
// read them beyond copying their bytes (Check compares them with the
// images).
func Build(ctx context.Context, cfg Config, bins []Binary) (*Result, error) {
	t := buildTime(cfg.Time)
	byPlat, err := checkBinaries(bins)
	if err != nil {
		return nil, err
	}
	entry, err := entrypoint(cfg.Entrypoint, byPlat)
	if err != nil {
		return nil, err
	}
	if cfg.Repository != "" {
		if _, err := name.NewRepository(cfg.Repository); err != nil {
			return nil, fmt.Errorf("image: Config.Repository %q: %w", cfg.Repository, err)
		}
	}
	files, err := filesLayer(cfg.Files, bins, t)
	if err != nil {
		return nil, err
	}
	base, err := openBase(ctx, cfg, t)
	if err != nil {
		return nil, err
	}

	r := &Result{
		Repository: cfg.Repository,
		Tag:        tagOf(cfg.Version),
		Base:       base.name,
		BaseDigest: base.digest,
	}
	plats := make([]Platform, 0, len(byPlat))
	for p := range byPlat {
		plats = append(plats, p)
	}
	sort.Slice(plats, func(i, j int) bool { return plats[i].String() < plats[j].String() })
	var todo []Image
	for _, p := range plats {
		if !base.has(p) {
			r.Notes = append(r.Notes, fmt.Sprintf("%s: left out, since the base %s has no %s image (it has %s)", p, base.name, p, strings.Join(base.platforms(), ", ")))
			continue
		}
		todo = append(todo, Image{Platform: p, Binaries: byPlat[p]})
	}
	if len(todo) == 0 {
		return nil, fmt.Errorf("image: the base %s has none of the platforms of the binaries (%s); it has %s", base.name, platList(plats), strings.Join(base.platforms(), ", "))
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range todo {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			b, err := base.image(gctx, todo[i].Platform)
			if err != nil {
				return err
			}
			img, err := platformImage(cfg, t, b, files, todo[i], entry)
			if err != nil {
				return err
			}
			todo[i].img = img
			todo[i].Digest = img.digest.String()
			todo[i].Size = img.size()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	r.Images = todo
	r.index, err = newIndex(r.Images, annotations(cfg, t, base.ref, base.digest))
	if err != nil {
		return nil, err
	}
	r.Digest = r.index.digest.String()
	return r, nil
}

// buildTime returns t as every timestamp in an image has it.
func buildTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC().Truncate(time.Second)
}

// checkBinaries checks bins and groups them by platform, each group sorted
// by path, with every Path filled in.
func checkBinaries(bins []Binary) (map[Platform][]Binary, error) {
	if len(bins) == 0 {
		return nil, errors.New("image: no binaries to put into images")
	}
	byPlat := map[Platform][]Binary{}
	byOCI := map[string]Platform{}
	var errs *multierror.Error
	for _, b := range bins {
		if b.Platform.OS != "linux" {
			errs = multierror.Append(errs, fmt.Errorf("image: %s (%s): images hold linux binaries only", b.Source, b.Platform))
			continue
		}
		if b.Platform.Arch == "" {
			errs = multierror.Append(errs, fmt.Errorf("image: %s: the platform has no GOARCH", b.Source))
			continue
		}
		if b.Path == "" {
			b.Path = path.Join(BinDir, baseName(b.Source))
		}
		if err := checkImagePath(b.Path); err != nil {
			errs = multierror.Append(errs, fmt.Errorf("image: binary %s: %w", b.Source, err))
			continue
		}
		fi, err := os.Stat(b.Source)
		if err != nil {
			errs = multierror.Append(errs, fmt.Errorf("image: binary for %s: %w", b.Platform, err))
			continue
		}
		if !fi.Mode().IsRegular() {
			errs = multierror.Append(errs, fmt.Errorf("image: binary %s is not a regular file", b.Source))
			continue
		}
		k := platformString(ociPlatform(b.Platform))
		if o, ok := byOCI[k]; ok && o != b.Platform {
			errs = multierror.Append(errs, fmt.Errorf("image: the platforms %s and %s are both %s in an image index: build one of them", o, b.Platform, k))
			continue
		}
		byOCI[k] = b.Platform
		for _, o := range byPlat[b.Platform] {
			if o.Path == b.Path {
				errs = multierror.Append(errs, fmt.Errorf("image: %s and %s both go to %s in the %s image", o.Source, b.Source, b.Path, b.Platform))
			}
		}
		byPlat[b.Platform] = append(byPlat[b.Platform], b)
	}
	for _, bs := range byPlat {
		sort.Slice(bs, func(i, j int) bool { return bs[i].Path < bs[j].Path })
	}
	return byPlat, errlist.Lines(errs)
}

// baseName is the last element of a file name with either separator.
func baseName(file string) string {
	file = strings.ReplaceAll(file, `\`, "/")
	return path.Base(file)
}

// checkImagePath checks that p is an absolute, clean path of a file.
func checkImagePath(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return fmt.Errorf("path %q in the image must be absolute and clean, such as /usr/local/bin/app", p)
	}
	return nil
}

// entrypoint returns the base name of the binary the images run, and
// checks that every platform has it.
func entrypoint(want string, byPlat map[Platform][]Binary) (string, error) {
	names := map[string]bool{}
	for _, bs := range byPlat {
		for _, b := range bs {
			names[path.Base(b.Path)] = true
		}
	}
	if want == "" {
		if len(names) != 1 {
			all := make([]string, 0, len(names))
			for n := range names {
				all = append(all, n)
			}
			sort.Strings(all)
			return "", fmt.Errorf("image: the binaries have several names (%s): set Config.Entrypoint to the one the images run", strings.Join(all, ", "))
		}
		for n := range names {
			want = n
		}
	}
	var missing []Platform
	for p, bs := range byPlat {
		if !slices.ContainsFunc(bs, func(b Binary) bool { return path.Base(b.Path) == want }) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		sort.Slice(missing, func(i, j int) bool { return missing[i].String() < missing[j].String() })
		return "", fmt.Errorf("image: the entrypoint %q is not among the binaries of %s", want, platList(missing))
	}
	return want, nil
}

func platList(ps []Platform) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// tagOf turns a version into a tag: each character a tag cannot hold
// becomes "-", a leading "." or "-" becomes "_", and "" is "latest".
func tagOf(version string) string {
	if version == "" {
		return "latest"
	}
	b := []byte(version)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case i == 0:
			b[i] = '_'
		case c != '.' && c != '-':
			b[i] = '-'
		}
	}
	return string(b[:min(len(b), 128)])
}

// ociKeys returns the OCI labels and annotations that Config gives.
func ociKeys(cfg Config, t time.Time) map[string]string {
	m := map[string]string{keyCreated: t.Format(time.RFC3339)}
	for k, v := range map[string]string{keyVersion: cfg.Version, keyRevision: cfg.Revision, keySource: cfg.Source} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// annotations returns the annotations of the index or of a manifest whose
// base is baseRef (a registry reference, or "") with digest baseDigest.
func annotations(cfg Config, t time.Time, baseRef, baseDigest string) map[string]string {
	m := ociKeys(cfg, t)
	if baseRef != "" {
		m[keyBaseName] = baseRef
	}
	if baseDigest != "" {
		m[keyBaseDigest] = baseDigest
	}
	return m
}

// platformImage makes the image of one platform.
func platformImage(cfg Config, t time.Time, b *baseImage, files *memLayer, im Image, entry string) (*image, error) {
	bin, err := binaryLayer(im.Binaries, t)
	if err != nil {
		return nil, err
	}
	c := b.config.DeepCopy()
	op := ociPlatform(im.Platform)
	c.Architecture, c.OS, c.Variant = op.Architecture, op.OS, op.Variant
	c.OSVersion, c.OSFeatures = "", nil
	c.Created = v1.Time{Time: t}
	c.Author, c.Container, c.DockerVersion = "", "", ""
	c.Config.Cmd = nil
	for _, bb := range im.Binaries {
		if path.Base(bb.Path) == entry {
			c.Config.Entrypoint = []string{bb.Path}
		}
	}
	c.Config.User = cfg.User
	if c.Config.User == "" {
		c.Config.User = DefaultUser
	}
	c.Config.Env = mergeEnv(c.Config.Env, cfg.Env)
	if c.Config.Labels == nil {
		c.Config.Labels = map[string]string{}
	}
	for k, v := range ociKeys(cfg, t) {
		c.Config.Labels[k] = v
	}
	for k, v := range cfg.Labels {
		c.Config.Labels[k] = v
	}
	c.RootFS.Type = "layers"
	layers := slices.Clone(b.layers)
	if files != nil {
		layers = append(layers, files)
		c.History = append(c.History, v1.History{Created: v1.Time{Time: t}, CreatedBy: "magestatic: files " + fileList(cfg.Files)})
	}
	layers = append(layers, bin)
	c.History = append(c.History, v1.History{Created: v1.Time{Time: t}, CreatedBy: "magestatic: binaries " + binList(im.Binaries)})
	c.RootFS.DiffIDs = slices.Clone(c.RootFS.DiffIDs)
	for _, l := range layers[len(b.layers):] {
		d, err := l.DiffID()
		if err != nil {
			return nil, err
		}
		c.RootFS.DiffIDs = append(c.RootFS.DiffIDs, d)
	}
	return newImage(c, layers, annotations(cfg, t, b.baseRef, b.baseDigest))
}

func fileList(fs []File) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Path
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

func binList(bs []Binary) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = b.Path
	}
	return strings.Join(s, " ")
}

// mergeEnv returns base with each of add's KEY=value set, in place when
// the key is already there.
func mergeEnv(base, add []string) []string {
	out := slices.Clone(base)
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(e string) bool { return strings.HasPrefix(e, k+"=") || e == k })
		if i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// sha256Hash returns the SHA-256 of b as a v1.Hash.
func sha256Hash(b []byte) v1.Hash {
	s := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
}

// ociMediaType returns the OCI media type that carries the same bytes as
// mt, so that a base in Docker's format gives an OCI image.
func ociMediaType(mt types.MediaType) types.MediaType {
	switch mt {
	case types.DockerLayer:
		return types.OCILayer
	case types.DockerUncompressedLayer:
		return types.OCIUncompressedLayer
	case types.DockerForeignLayer:
		return types.OCIRestrictedLayer
	}
	return mt
}
