package image

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// Paths of the built-in base.
const (
	CACertFile  = "/etc/ssl/certs/ca-certificates.crt"
	ZoneinfoDir = "/usr/share/zoneinfo"
)

// builtinEnv is the environment of the built-in base, as distroless sets it.
var builtinEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"SSL_CERT_FILE=" + CACertFile,
}

const passwd = `root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
`

const group = `root:x:0:
nobody:x:65534:
nonroot:x:65532:
`

// nsswitch makes programs, Go's resolver among them, read /etc/hosts
// before asking DNS, as glibc systems do.
const nsswitch = `passwd: files
group: files
hosts: files dns
networks: files
protocols: files
services: files
`

// base is what Build starts the images from.
type base struct {
	name   string // Result.Base
	ref    string // the base.name annotation: a registry reference, or ""
	digest string // the base.digest annotation and Result.BaseDigest, or ""

	// For the built-in base and scratch: the one image of every platform.
	every *baseImage

	// For a layout or registry base: its images' platforms, and how to
	// get each image.
	plats []v1.Platform
	load  []func() (v1.Image, error)
	pull  bool // hold the layers in memory: they come from a registry

	mu     sync.Mutex
	loaded map[int]*baseImage
	layers map[v1.Hash]*memLayer
}

// baseImage is one base image: its layers and config.
type baseImage struct {
	layers     []v1.Layer
	config     *v1.ConfigFile
	baseDigest string // the manifest's digest, "" for the built-in base and scratch
	baseRef    string
}

// openBase finds the base cfg.Base names.
func openBase(ctx context.Context, cfg Config, t time.Time) (*base, error) {
	switch s := cfg.Base; {
	case s == BaseBuiltin:
		goroot, err := findGOROOT(ctx, cfg)
		if err != nil {
			return nil, err
		}
		l, err := builtinLayer(ctx, goroot, t)
		if err != nil {
			return nil, err
		}
		d, _ := l.DiffID()
		c := &v1.ConfigFile{
			RootFS:  v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{d}},
			History: []v1.History{{Created: v1.Time{Time: t}, CreatedBy: "magestatic: built-in base (CA certificates, time zones, passwd, group, nsswitch.conf, /tmp)"}},
			Config:  v1.Config{Env: builtinEnv},
		}
		return &base{name: "built-in", every: &baseImage{layers: []v1.Layer{l}, config: c}}, nil
	case s == BaseScratch:
		return &base{name: s, every: &baseImage{config: &v1.ConfigFile{}}}, nil
	default:
		b, err := openOther(ctx, s, cfg.Keychain)
		if err != nil {
			return nil, fmt.Errorf("image: base %s: %w", s, err)
		}
		return b, nil
	}
}

// CheckBase checks, before anything is built, that Build can start from
// base (as Config.Base takes it) for at least one of plats: a layout is
// read as Build reads it (index.json and the image configs); a registry
// is asked for the index or image by digest, with keychain's credentials
// as Build asks (nil is authn.DefaultKeychain). The built-in base and
// scratch take every linux platform. The error says what is wrong and
// how to fix it, without naming base, for the caller to name the setting.
func CheckBase(ctx context.Context, base string, keychain authn.Keychain, plats []Platform) error {
	if base == BaseBuiltin || base == BaseScratch {
		return nil
	}
	b, err := openOther(ctx, base, keychain)
	if err != nil {
		return err
	}
	for _, p := range plats {
		if b.has(p) {
			return nil
		}
	}
	return fmt.Errorf("it has %s, none of the release's platforms %s: name a base that has one of them, or leave Base empty for the built-in base",
		strings.Join(b.platforms(), ", "), platList(plats))
}

// openOther opens a layout or registry base. Its errors do not name s.
func openOther(ctx context.Context, s string, kc authn.Keychain) (*base, error) {
	if dir, ok := strings.CutPrefix(s, layoutPrefix); ok {
		return openLayout(s, dir)
	}
	return openRemote(ctx, s, kc)
}

// openLayout opens an OCI image layout as a base. Its errors do not name
// the base.
func openLayout(name, dir string) (*base, error) {
	const fix = "write an OCI image layout there (skopeo copy docker://REF oci:DIR writes one), or correct the path"
	if fi, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: %s", dir, fix)
	} else if err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory: %s", dir, fix)
	}
	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout (it needs index.json, oci-layout and blobs/): %w", dir, err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	b := &base{name: name}
	var indexes, images []v1.Descriptor
	for _, m := range im.Manifests {
		switch {
		case m.MediaType.IsIndex():
			indexes = append(indexes, m)
		case m.MediaType.IsImage():
			images = append(images, m)
		}
	}
	switch {
	case len(indexes) > 1:
		return nil, fmt.Errorf("index.json lists %d image indexes (%s, %s, ...): a base layout must list one", len(indexes), indexes[0].Digest, indexes[1].Digest)
	case len(indexes) == 1:
		// The index, and perhaps its images by tag, as WriteLayout writes.
		d := indexes[0].Digest
		inner, err := ii.ImageIndex(d)
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", d, err)
		}
		in, err := inner.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", d, err)
		}
		for _, m := range images {
			if !slices.ContainsFunc(in.Manifests, func(x v1.Descriptor) bool { return x.Digest == m.Digest }) {
				return nil, fmt.Errorf("index.json lists the index %s and the image %s, which is not in it: a base layout must list one index, or images only", d, m.Digest)
			}
		}
		b.digest = d.String()
		return b, b.addIndex(inner)
	case len(images) == 0:
		return nil, fmt.Errorf("%s/index.json lists no image", dir)
	case len(images) == 1:
		d := images[0].Digest
		img, err := ii.Image(d)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", d, err)
		}
		b.digest = d.String()
		return b, b.addImage(img)
	}
	// Several images: index.json itself is the base's index.
	d, err := ii.Digest()
	if err != nil {
		return nil, err
	}
	b.digest = d.String()
	return b, b.addIndex(ii)
}

// openRemote gets the index or image that ref names by digest. Its
// errors do not name the base.
func openRemote(ctx context.Context, s string, kc authn.Keychain) (*base, error) {
	ref, err := name.ParseReference(s, name.StrictValidation)
	if err != nil {
		return nil, fmt.Errorf("is neither \"\", \"scratch\", \"oci-layout:DIR\" nor a reference REGISTRY/REPO@sha256:HEX: %w", err)
	}
	if _, ok := ref.(name.Digest); !ok {
		return nil, fmt.Errorf("names a tag, which can move: name the base by digest, as %s@sha256:... (skopeo inspect docker://%s shows the digest)", ref.Context(), s)
	}
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	reg := ref.Context().RegistryStr()
	desc, err := remote.Get(ref, remote.WithContext(ctx), remote.WithAuthFromKeychain(kc))
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("%s has no manifest %s in %s (HTTP 404): check the repository and the digest (skopeo inspect docker://%s shows what it has), or push the base there: %w",
				reg, ref.Identifier(), ref.Context().RepositoryStr(), ref.Context(), err)
		}
		return nil, fmt.Errorf("pulling from %s: %w", reg, registryProblem(reg, err))
	}
	b := &base{name: s, ref: s, digest: desc.Digest.String(), pull: true}
	if desc.MediaType.IsIndex() {
		ii, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("pulling from %s: %w", reg, registryProblem(reg, err))
		}
		return b, b.addIndex(ii)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, fmt.Errorf("pulling from %s: %w", reg, registryProblem(reg, err))
	}
	return b, b.addImage(img)
}

// addIndex adds the images of an index that name a platform.
func (b *base) addIndex(ii v1.ImageIndex) error {
	im, err := ii.IndexManifest()
	if err != nil {
		return err
	}
	for _, m := range im.Manifests {
		if !m.MediaType.IsImage() {
			continue
		}
		if m.Platform == nil {
			img, err := ii.Image(m.Digest)
			if err != nil {
				return fmt.Errorf("image %s: %w", m.Digest, err)
			}
			if err := b.addImage(img); err != nil {
				return err
			}
			continue
		}
		d := m.Digest
		b.plats = append(b.plats, *m.Platform)
		b.load = append(b.load, func() (v1.Image, error) { return ii.Image(d) })
	}
	return nil
}

// addImage adds one image, whose config names its platform.
func (b *base) addImage(img v1.Image) error {
	c, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("reading the image config: %w", err)
	}
	b.plats = append(b.plats, v1.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant})
	b.load = append(b.load, func() (v1.Image, error) { return img, nil })
	return nil
}

// has reports whether the base has an image for p.
func (b *base) has(p Platform) bool {
	return b.every != nil || pickPlatform(b.plats, ociPlatform(p)) >= 0
}

// platforms lists the base's platforms.
func (b *base) platforms() []string {
	if b.every != nil {
		return []string{"every linux platform"}
	}
	var s []string
	for _, p := range b.plats {
		s = append(s, platformString(p))
	}
	sort.Strings(s)
	if len(s) == 0 {
		return []string{"no platform"}
	}
	return s
}

// image returns the base image for p, loading it once.
func (b *base) image(ctx context.Context, p Platform) (*baseImage, error) {
	if b.every != nil {
		return b.every, nil
	}
	i := pickPlatform(b.plats, ociPlatform(p))
	b.mu.Lock()
	defer b.mu.Unlock()
	if bi, ok := b.loaded[i]; ok {
		return bi, nil
	}
	img, err := b.load[i]()
	if err != nil {
		return nil, fmt.Errorf("image: base %s, %s image: %w", b.name, platformString(b.plats[i]), err)
	}
	bi, err := b.fromImage(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("image: base %s, %s image: %w", b.name, platformString(b.plats[i]), err)
	}
	if b.loaded == nil {
		b.loaded = map[int]*baseImage{}
	}
	b.loaded[i] = bi
	return bi, nil
}

// fromImage reads a base image's config and layers; from a registry, it
// pulls the layers into memory, each once, checking their digests.
func (b *base) fromImage(ctx context.Context, img v1.Image) (*baseImage, error) {
	c, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	if len(m.Layers) != len(c.RootFS.DiffIDs) {
		return nil, fmt.Errorf("the manifest lists %d layers and the config %d", len(m.Layers), len(c.RootFS.DiffIDs))
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	bi := &baseImage{config: c, baseDigest: d.String(), baseRef: b.ref}
	for i, desc := range m.Layers {
		l, err := img.LayerByDigest(desc.Digest)
		if err != nil {
			return nil, err
		}
		if b.pull {
			if l, err = b.pullLayer(ctx, l, desc, c.RootFS.DiffIDs[i]); err != nil {
				return nil, err
			}
		}
		bi.layers = append(bi.layers, l)
	}
	return bi, nil
}

// pullLayer reads a registry layer into memory, once per digest.
func (b *base) pullLayer(ctx context.Context, l v1.Layer, desc v1.Descriptor, diffID v1.Hash) (*memLayer, error) {
	if ml, ok := b.layers[desc.Digest]; ok {
		return ml, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, registryError("pull the base layer "+desc.Digest.String()+" from", b.name, err)
	}
	defer rc.Close()
	blob, err := io.ReadAll(rc)
	if err != nil {
		return nil, registryError("pull the base layer "+desc.Digest.String()+" from", b.name, err)
	}
	if got := sha256Hash(blob); got != desc.Digest {
		return nil, fmt.Errorf("the registry sent layer %s with digest %s", desc.Digest, got)
	}
	ml := &memLayer{blob: blob, digest: desc.Digest, diffID: diffID, mediaType: desc.MediaType}
	if b.layers == nil {
		b.layers = map[v1.Hash]*memLayer{}
	}
	b.layers[desc.Digest] = ml
	return ml, nil
}

// findGOROOT returns cfg.GOROOT, or asks cfg.Go (in cfg.Environ) for it.
func findGOROOT(ctx context.Context, cfg Config) (string, error) {
	if cfg.GOROOT != "" {
		return cfg.GOROOT, nil
	}
	argv := []string{cmp.Or(cfg.Go, "go"), "env", "GOROOT"}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = cfg.Environ
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	goroot := strings.TrimSpace(string(out))
	if err == nil && goroot == "" {
		err = errors.New("it printed nothing")
	}
	if err != nil {
		return "", fmt.Errorf("image: finding the Go toolchain's time zone database with %q: %w: %s; set Config.GOROOT", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return goroot, nil
}

// builtinLayer makes the layer of the built-in base from the toolchain
// at goroot.
func builtinLayer(ctx context.Context, goroot string, t time.Time) (*memLayer, error) {
	zones, err := zoneinfo(filepath.Join(goroot, "lib", "time", "zoneinfo.zip"))
	if err != nil {
		return nil, err
	}
	es := []entry{
		{name: "etc/passwd", mode: modeFile, data: []byte(passwd)},
		{name: "etc/group", mode: modeFile, data: []byte(group)},
		{name: "etc/nsswitch.conf", mode: modeFile, data: []byte(nsswitch)},
		{name: CACertFile[1:], mode: modeFile, data: caBundle()},
		{name: "root", dir: true, mode: 0o700},
		{name: "home/nonroot", dir: true, mode: 0o700, uid: 65532, gid: 65532},
		{name: "tmp", dir: true, mode: modeTmp},
	}
	es = append(es, zones...)
	return newLayer(es, t)
}

// caBundle returns the PEM bundle of the fallback roots. A PEM file cannot
// carry the distrust-after date that NSS puts on some roots, so those are
// left out rather than trusted without it.
func caBundle() []byte {
	var buf bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return buf.Bytes()
}

// zoneinfo unpacks the toolchain's zoneinfo.zip into entries under
// /usr/share/zoneinfo. Unpacked, the database serves every program that
// reads TZ or /usr/share/zoneinfo, not only Go programs told ZONEINFO.
func zoneinfo(file string) ([]entry, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("image: the built-in base needs the Go toolchain's time zone database %s, which does not exist: set Config.GOROOT to the toolchain's GOROOT", file)
		}
		return nil, fmt.Errorf("image: reading the time zone database %s: %w", file, err)
	}
	defer zr.Close()
	var es []entry
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "..") {
			return nil, fmt.Errorf("image: %s: unexpected entry %q", file, f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("image: %s: %s: %w", file, f.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("image: %s: %s: %w", file, f.Name, err)
		}
		es = append(es, entry{name: ZoneinfoDir[1:] + "/" + f.Name, mode: modeFile, data: data})
	}
	return es, nil
}
