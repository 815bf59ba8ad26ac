package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// Check reads the OCI image layout in layoutDir and checks each binary
// against the layout's image of its platform: the file at the binary's
// Path (after every layer and whiteout) is a regular file equal to Source
// byte for byte, and the image config's platform is the one the file's
// ELF header says it runs on (and, for a Go binary, the GOOS, GOARCH and
// variant of its build information). It reads every layer it opens to the
// end and checks its digest. The error lists every problem, each naming
// the image, the path and the file.
func Check(layoutDir string, bins []Binary) error {
	images, err := layoutImages(layoutDir)
	if err != nil {
		return err
	}
	byPlat := map[string][]Binary{}
	var keys []string
	for _, b := range bins {
		if b.Path == "" {
			b.Path = path.Join(BinDir, baseName(b.Source))
		}
		k := platformString(ociPlatform(b.Platform))
		if byPlat[k] == nil {
			keys = append(keys, k)
		}
		byPlat[k] = append(byPlat[k], b)
	}
	sort.Strings(keys)
	var errs *multierror.Error
	for _, k := range keys {
		found := false
		for _, li := range images {
			if li.platform != k {
				continue
			}
			found = true
			errs = multierror.Append(errs, checkImage(layoutDir, li, byPlat[k])...)
		}
		if !found {
			errs = multierror.Append(errs, fmt.Errorf("image: %s has no %s image", layoutDir, k))
		}
	}
	return errlist.Lines(errs)
}

// layoutImage is an image of a layout with its config.
type layoutImage struct {
	img      v1.Image
	digest   v1.Hash
	config   *v1.ConfigFile
	platform string
}

// layoutImages returns every image the layout's index.json reaches, once
// each, in the order of the index.
func layoutImages(dir string) ([]layoutImage, error) {
	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("image: %s is not an OCI image layout: %w", dir, err)
	}
	var out []layoutImage
	seen := map[v1.Hash]bool{}
	var walk func(ii v1.ImageIndex) error
	walk = func(ii v1.ImageIndex) error {
		im, err := ii.IndexManifest()
		if err != nil {
			return err
		}
		for _, m := range im.Manifests {
			if seen[m.Digest] {
				continue
			}
			seen[m.Digest] = true
			switch {
			case m.MediaType.IsIndex():
				inner, err := ii.ImageIndex(m.Digest)
				if err != nil {
					return fmt.Errorf("index %s: %w", m.Digest, err)
				}
				if err := walk(inner); err != nil {
					return err
				}
			case m.MediaType.IsImage():
				img, err := ii.Image(m.Digest)
				if err != nil {
					return fmt.Errorf("image %s: %w", m.Digest, err)
				}
				c, err := img.ConfigFile()
				if err != nil {
					return fmt.Errorf("image %s: config: %w", m.Digest, err)
				}
				p := v1.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant}
				out = append(out, layoutImage{img: img, digest: m.Digest, config: c, platform: platformString(p)})
			}
		}
		return nil
	}
	if err := walk(ii); err != nil {
		return nil, fmt.Errorf("image: reading the layout %s: %w", dir, err)
	}
	return out, nil
}

// checkImage checks one image's binaries.
func checkImage(dir string, li layoutImage, bins []Binary) []error {
	where := fmt.Sprintf("image: %s: %s image %s", dir, li.platform, li.digest)
	paths := make([]string, len(bins))
	for i, b := range bins {
		paths[i] = b.Path
	}
	files, err := extract(li.img, paths)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", where, err)}
	}
	var errs []error
	for _, b := range bins {
		got, ok := files[b.Path]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: has no file %s (want %s)", where, b.Path, b.Source))
			continue
		}
		if got.err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", where, b.Path, got.err))
			continue
		}
		want, err := os.ReadFile(b.Source)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if !bytes.Equal(got.data, want) {
			errs = append(errs, fmt.Errorf("%s: %s (%d bytes, sha256 %s) differs from %s (%d bytes, sha256 %s)",
				where, b.Path, len(got.data), sum(got.data), b.Source, len(want), sum(want)))
			continue
		}
		if err := checkELF(got.data, li.config); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s (%s): %w", where, b.Path, b.Source, err))
		}
	}
	return errs
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// extracted is a file read from an image, or why it cannot be.
type extracted struct {
	data []byte
	err  error
}

// extract reads the files at paths from the image's layers, top first, as
// a container would see them.
func extract(img v1.Image, paths []string) (map[string]extracted, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range paths {
		want[strings.TrimPrefix(p, "/")] = true
	}
	out := map[string]extracted{}
	for i := len(layers) - 1; i >= 0 && len(want) > 0; i-- {
		d, err := layers[i].Digest()
		if err != nil {
			return nil, err
		}
		if err := extractLayer(layers[i], d, want, out); err != nil {
			return nil, fmt.Errorf("layer %s: %w", d, err)
		}
	}
	return out, nil
}

// readLayer reads one layer, gzip-compressed or not, to the end, calling
// fn with each entry's clean path (without the leading "/"), and checks
// the layer's digest.
func readLayer(open func() (io.ReadCloser, error), digest v1.Hash, fn func(name string, hdr *tar.Header, r io.Reader) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	br := bufio.NewReader(io.TeeReader(rc, h))
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := fn(strings.TrimPrefix(path.Clean("/"+hdr.Name), "/"), hdr, tr); err != nil {
			return err
		}
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != digest.Hex {
		return fmt.Errorf("the blob's content has digest sha256:%s", got)
	}
	return nil
}

// extractLayer reads one layer, to the end, checking its digest. It moves
// each wanted path that the layer has, or removes, from want to out.
func extractLayer(l v1.Layer, digest v1.Hash, want map[string]bool, out map[string]extracted) error {
	// A file in this layer hides nothing of itself; a whiteout or opaque
	// directory here hides only what the layers below have.
	found, hidden := map[string]extracted{}, map[string]extracted{}
	err := readLayer(l.Compressed, digest, func(name string, hdr *tar.Header, tr io.Reader) error {
		dir, base := path.Split(name)
		switch {
		case base == ".wh..wh..opq":
			for p := range want {
				if strings.HasPrefix(p, dir) {
					hidden[p] = extracted{err: fmt.Errorf("hidden by an opaque directory /%s in a layer above the one that has it", dir)}
				}
			}
		case strings.HasPrefix(base, ".wh."):
			gone := dir + strings.TrimPrefix(base, ".wh.")
			for p := range want {
				if p == gone || strings.HasPrefix(p, gone+"/") {
					hidden[p] = extracted{err: fmt.Errorf("removed by the whiteout /%s", name)}
				}
			}
		case want[name]:
			if hdr.Typeflag != tar.TypeReg {
				found[name] = extracted{err: fmt.Errorf("is not a regular file (tar type %q)", hdr.Typeflag)}
				return nil
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			found[name] = extracted{data: data}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for p, e := range hidden {
		if _, ok := found[p]; !ok {
			found[p] = e
		}
	}
	for p, e := range found {
		out["/"+p] = e
		delete(want, p)
	}
	return nil
}

// elfArch is the ELF machine, class and byte order of each GOARCH.
var elfArch = map[string]struct {
	machine elf.Machine
	class   elf.Class
	data    elf.Data
}{
	"386":      {elf.EM_386, elf.ELFCLASS32, elf.ELFDATA2LSB},
	"amd64":    {elf.EM_X86_64, elf.ELFCLASS64, elf.ELFDATA2LSB},
	"arm":      {elf.EM_ARM, elf.ELFCLASS32, elf.ELFDATA2LSB},
	"arm64":    {elf.EM_AARCH64, elf.ELFCLASS64, elf.ELFDATA2LSB},
	"loong64":  {elf.EM_LOONGARCH, elf.ELFCLASS64, elf.ELFDATA2LSB},
	"mips":     {elf.EM_MIPS, elf.ELFCLASS32, elf.ELFDATA2MSB},
	"mipsle":   {elf.EM_MIPS, elf.ELFCLASS32, elf.ELFDATA2LSB},
	"mips64":   {elf.EM_MIPS, elf.ELFCLASS64, elf.ELFDATA2MSB},
	"mips64le": {elf.EM_MIPS, elf.ELFCLASS64, elf.ELFDATA2LSB},
	"ppc64":    {elf.EM_PPC64, elf.ELFCLASS64, elf.ELFDATA2MSB},
	"ppc64le":  {elf.EM_PPC64, elf.ELFCLASS64, elf.ELFDATA2LSB},
	"riscv64":  {elf.EM_RISCV, elf.ELFCLASS64, elf.ELFDATA2LSB},
	"s390x":    {elf.EM_S390, elf.ELFCLASS64, elf.ELFDATA2MSB},
}

// variantVar is the build setting that holds each GOARCH's variant.
var variantVar = map[string]string{"arm": "GOARM", "arm64": "GOARM64", "amd64": "GOAMD64"}

// checkELF checks that data is a linux ELF executable for the platform
// of the image config c.
func checkELF(data []byte, c *v1.ConfigFile) error {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	cp := platformString(v1.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant})
	want, ok := elfArch[c.Architecture]
	if !ok {
		return fmt.Errorf("the image config names the architecture %q, which this check does not know", c.Architecture)
	}
	if f.Machine != want.machine || f.Class != want.class || f.Data != want.data {
		return fmt.Errorf("the ELF header says %s %s %s, but the image config says %s, which needs %s %s %s",
			f.Machine, f.Class, f.Data, cp, want.machine, want.class, want.data)
	}
	if c.OS != "linux" || (f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX) {
		return fmt.Errorf("the ELF header says OS ABI %s, but the image config says %s", f.OSABI, cp)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("the ELF file is of type %s, not an executable", f.Type)
	}
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		return nil // not a Go binary: the ELF header is all there is
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	if set["GOOS"] == "" || set["GOARCH"] == "" {
		return nil
	}
	p := Platform{OS: set["GOOS"], Arch: set["GOARCH"], Variant: set[variantVar[set["GOARCH"]]]}
	if got := platformString(ociPlatform(p)); got != cp {
		return fmt.Errorf("its build information says %s (GOOS=%s GOARCH=%s %s=%s), but the image config says %s",
			got, p.OS, p.Arch, variantVar[p.Arch], p.Variant, cp)
	}
	return nil
}

// ImageFiles reads the image whose manifest has the given digest
// ("sha256:...") from the blobs of the OCI image layout in dir (index.json
// need not list it), for a check of the released binaries against it: it
// returns the image's platform as Go names it (see GoPlatform) and the
// SHA-256, in hex, of every regular file the image's layers leave, after
// every whiteout and opaque directory, by path without the leading "/"
// ("usr/local/bin/app"). It checks the digests of the manifest, the
// config and every layer, each of which it reads to the end.
func ImageFiles(dir, digest string) (Platform, map[string]string, error) {
	p, files, err := imageFiles(dir, digest)
	if err != nil {
		return Platform{}, nil, fmt.Errorf("image: %s: image %s: %w", dir, digest, err)
	}
	return p, files, nil
}

func imageFiles(dir, digest string) (Platform, map[string]string, error) {
	h, err := blobHash(digest)
	if err != nil {
		return Platform{}, nil, err
	}
	raw, err := readBlob(dir, h)
	if err != nil {
		return Platform{}, nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return Platform{}, nil, fmt.Errorf("the manifest: %w", err)
	}
	if _, err := blobHash(m.Config.Digest.String()); err != nil {
		return Platform{}, nil, fmt.Errorf("the config: %w", err)
	}
	rawConfig, err := readBlob(dir, m.Config.Digest)
	if err != nil {
		return Platform{}, nil, err
	}
	c, err := v1.ParseConfigFile(bytes.NewReader(rawConfig))
	if err != nil {
		return Platform{}, nil, fmt.Errorf("the config %s: %w", m.Config.Digest, err)
	}
	files := map[string]string{}
	for _, l := range m.Layers {
		if _, err := blobHash(l.Digest.String()); err != nil {
			return Platform{}, nil, fmt.Errorf("a layer: %w", err)
		}
		open := func() (io.ReadCloser, error) { return os.Open(blobPath(dir, l.Digest)) }
		if err := applyLayer(open, l.Digest, files); err != nil {
			return Platform{}, nil, fmt.Errorf("layer %s: %w", l.Digest, err)
		}
	}
	return GoPlatform(c.OS, c.Architecture, c.Variant), files, nil
}

// blobHash parses a sha256 digest, the only kind the layouts hold.
func blobHash(digest string) (v1.Hash, error) {
	h, err := v1.NewHash(digest)
	if err != nil || h.Algorithm != "sha256" {
		return v1.Hash{}, fmt.Errorf("digest %q is not sha256:HEX", digest)
	}
	return h, nil
}

func blobPath(dir string, h v1.Hash) string {
	return filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
}

// readBlob reads a JSON blob of at most 4 MiB and checks its digest.
func readBlob(dir string, h v1.Hash) ([]byte, error) {
	f, err := os.Open(blobPath(dir, h))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	if got := sha256Hash(b); got != h {
		return nil, fmt.Errorf("blob %s has digest %s: the layout is damaged", h, got)
	}
	return b, nil
}

// applyLayer applies one layer to files, the SHA-256 of each regular file
// of the layers below by path: its whiteouts and opaque directories remove
// what those layers have, and its entries replace them.
func applyLayer(open func() (io.ReadCloser, error), digest v1.Hash, files map[string]string) error {
	found := map[string]string{}
	var gone []string // removed paths, each with what is below it
	var opaque []string
	err := readLayer(open, digest, func(name string, hdr *tar.Header, r io.Reader) error {
		dir, base := path.Split(name)
		switch {
		case base == ".wh..wh..opq":
			opaque = append(opaque, dir)
		case strings.HasPrefix(base, ".wh."):
			gone = append(gone, dir+strings.TrimPrefix(base, ".wh."))
		case hdr.Typeflag == tar.TypeReg:
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			found[name] = hex.EncodeToString(h.Sum(nil))
		default:
			found[name] = "" // not a regular file: it hides one below
		}
		return nil
	})
	if err != nil {
		return err
	}
	for p := range files {
		if slices.ContainsFunc(opaque, func(d string) bool { return strings.HasPrefix(p, d) }) ||
			slices.ContainsFunc(gone, func(g string) bool { return p == g || strings.HasPrefix(p, g+"/") }) {
			delete(files, p)
		}
	}
	for p, s := range found {
		if s == "" {
			delete(files, p)
		} else {
			files[p] = s
		}
	}
	return nil
}

// GoPlatform returns an OCI platform as Go names it: arm's variant "v7"
// is GOARM "7", arm64's "v8" is the default and none, and amd64's "v2" to
// "v4" are GOAMD64's.
func GoPlatform(os, arch, variant string) Platform {
	switch {
	case arch == "arm":
		variant = strings.TrimPrefix(variant, "v")
	case arch == "arm64" && variant == "v8":
		variant = ""
	}
	return Platform{OS: os, Arch: arch, Variant: variant}
}
