package image

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/ocilayout"
)

// Check reads the OCI image layout in layoutDir and checks each binary
// against the layout's image of its platform: the file at the binary's
// Path (after every layer and whiteout) is a regular file with the
// SHA-256 of Source, so byte for byte the same, and the image config's platform is the one the file's
// ELF header says it runs on (and, for a Go binary, the GOOS, GOARCH and
// variant of its build information). It reads every image of the layout
// with ocilayout, which checks the digest of every blob. The error lists
// every problem, each naming the image, the path and the file.
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
			oci := ociPlatform(Platform(li.Platform))
			if platformString(oci) != k {
				continue
			}
			found = true
			errs = multierror.Append(errs, checkImage(layoutDir, li, oci, byPlat[k])...)
		}
		if !found {
			errs = multierror.Append(errs, fmt.Errorf("image: %s has no %s image", layoutDir, k))
		}
	}
	return errlist.Lines(errs)
}

// layoutImages reads every image the layout's index.json reaches, once
// each, in the order of the index, with ocilayout.
func layoutImages(dir string) ([]*ocilayout.Image, error) {
	ds, err := ocilayout.Manifests(dir)
	if err != nil {
		return nil, fmt.Errorf("image: %s is not an OCI image layout: %w", dir, err)
	}
	var out []*ocilayout.Image
	for _, d := range ds {
		im, err := ocilayout.Read(dir, d)
		if err != nil {
			return nil, fmt.Errorf("image: %w", err)
		}
		out = append(out, im)
	}
	return out, nil
}

// checkImage checks one image's binaries.
func checkImage(dir string, li *ocilayout.Image, oci v1.Platform, bins []Binary) []error {
	where := fmt.Sprintf("image: %s: %s image %s", dir, platformString(oci), li.Digest)
	var errs []error
	for _, b := range bins {
		got, ok := li.Files[strings.TrimPrefix(b.Path, "/")]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: has no regular file %s (want %s): a whiteout, an opaque directory or another kind of file hides it", where, b.Path, b.Source))
			continue
		}
		want, err := os.ReadFile(b.Source)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if got != sum(want) {
			errs = append(errs, fmt.Errorf("%s: %s (sha256 %s) differs from %s (%d bytes, sha256 %s)",
				where, b.Path, got, b.Source, len(want), sum(want)))
			continue
		}
		// The file is the same as Source, whose bytes checkELF reads.
		if err := checkELF(want, oci); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s (%s): %w", where, b.Path, b.Source, err))
		}
	}
	return errs
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
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

// checkELF checks that data is a linux ELF executable for the image
// config's platform c, as OCI names it.
func checkELF(data []byte, c v1.Platform) error {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	cp := platformString(c)
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
