package linuxpkg

import (
	"fmt"
	"path"
	"strings"
	"text/template"
	"unicode"

	"github.com/magestatic/magestatic/internal/platform"
)

// arches maps a Go platform's architecture, with its variant for arm
// ("arm/7"), to each format's name for it. A variant of another
// architecture (amd64/v3) packages as the architecture.
var arches = map[string]map[string]string{
	"deb": {"386": "i386", "amd64": "amd64", "arm64": "arm64", "arm/5": "armel", "arm/6": "armhf", "arm/7": "armhf",
		"loong64": "loong64", "mips": "mips", "mipsle": "mipsel", "mips64": "mips64", "mips64le": "mips64el",
		"ppc64": "ppc64", "ppc64le": "ppc64el", "riscv64": "riscv64", "s390x": "s390x"},
	"rpm": {"386": "i686", "amd64": "x86_64", "arm64": "aarch64", "arm/5": "armv5tel", "arm/6": "armv6hl", "arm/7": "armv7hl",
		"loong64": "loongarch64", "mips": "mips", "mipsle": "mipsel", "mips64": "mips64", "mips64le": "mips64el",
		"ppc64": "ppc64", "ppc64le": "ppc64le", "riscv64": "riscv64", "s390x": "s390x"},
	"apk": {"386": "x86", "amd64": "x86_64", "arm64": "aarch64", "arm/6": "armhf", "arm/7": "armv7",
		"loong64": "loongarch64", "ppc64le": "ppc64le", "riscv64": "riscv64", "s390x": "s390x"},
}

// arch returns the format's name for the architecture of a linux
// platform, such as "linux/arm/7".
func arch(format, platform string) (string, error) {
	parts := strings.Split(platform, "/")
	if len(parts) < 2 || parts[0] != "linux" {
		return "", fmt.Errorf("%s is not a linux platform", platform)
	}
	key := parts[1]
	if key == "arm" {
		key = "arm/7"
		if len(parts) == 3 {
			key = "arm/" + parts[2]
		}
	}
	a, ok := arches[format][key]
	if !ok {
		return "", fmt.Errorf("%s has no %s architecture", platform, format)
	}
	return a, nil
}

// linuxPort reports whether a linux platform's architecture is one of
// Go's linux ports, which deb names every one of. Another one is no
// platform the toolchain builds, which the release reports itself.
func linuxPort(platform string) bool {
	parts := strings.Split(platform, "/")
	if len(parts) < 2 {
		return false
	}
	_, ok := arches["deb"][parts[1]]
	return ok || parts[1] == "arm"
}

// fileName is the conventional name of a package file: name_version_arch.deb,
// name-version-release.arch.rpm, name_version-rrelease_arch.apk.
func fileName(format, name, version, arch string) string {
	switch format {
	case "deb":
		return fmt.Sprintf("%s_%s_%s.deb", name, version, arch)
	case "rpm":
		return fmt.Sprintf("%s-%s-%s.%s.rpm", name, version, rpmRelease, arch)
	}
	return fmt.Sprintf("%s_%s-r%s_%s.apk", name, version, apkRelease, arch)
}

// The package releases: the first packaging of each version.
const (
	rpmRelease = "1"
	apkRelease = "0"
)

// fileFields are the fields of Package.FileName.
var fileFields = []string{"Name", "Version", "Release", "Arch", "OS", "Platform", "Tag", "Format", "Ext"}

// file names a package file: fileName's name, or the one Package.FileName
// makes of the package's name, version and format's architecture for
// the linux platform pl and the release's tag.
func (p Package) file(format, name, version, arch, pl, tag string) (string, error) {
	if p.FileName == "" {
		return fileName(format, name, version, arch), nil
	}
	t, err := template.New("FileName").Option("missingkey=error").Parse(p.FileName)
	if err != nil {
		return "", fmt.Errorf("FileName %q: %w", p.FileName, err)
	}
	suffix := ""
	if parsed, err := platform.Parse(pl); err == nil {
		suffix = parsed.ArchiveSuffix()
	}
	release := map[string]string{"rpm": rpmRelease, "apk": apkRelease}[format]
	data := map[string]string{"Name": name, "Version": version, "Release": release, "Arch": arch, "OS": "linux",
		"Platform": suffix, "Tag": tag, "Format": format, "Ext": "." + format}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		if strings.Contains(err.Error(), "map has no entry for key") {
			return "", fmt.Errorf("FileName %q uses a field that does not exist: the fields are .%s", p.FileName, strings.Join(fileFields, ", ."))
		}
		return "", fmt.Errorf("FileName %q: %w", p.FileName, err)
	}
	out := b.String()
	if c := path.Clean(out); out == "" || c != out || path.IsAbs(out) || out == ".." || strings.HasPrefix(out, "../") ||
		strings.Contains(out, "\\") || strings.ContainsFunc(out, unicode.IsControl) || strings.HasPrefix(path.Base(out), ".") {
		return "", fmt.Errorf("FileName %q makes %q for the %s of %s: want a file name, or a clean relative path inside the output directory, such as \"{{.Name}}_{{.Version}}_{{.Platform}}{{.Ext}}\"", p.FileName, out, format, pl)
	}
	return out, nil
}
