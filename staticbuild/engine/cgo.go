package engine

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/platform"
)

// crossCC maps a target to the C cross compiler Debian and Ubuntu package
// for it, used when a cgo platform names no CC and is not the host.
var crossCC = map[string]string{
	"linux/amd64":    "x86_64-linux-gnu-gcc",
	"linux/386":      "i686-linux-gnu-gcc",
	"linux/arm64":    "aarch64-linux-gnu-gcc",
	"linux/arm":      "arm-linux-gnueabihf-gcc",
	"linux/arm/5":    "arm-linux-gnueabi-gcc",
	"linux/riscv64":  "riscv64-linux-gnu-gcc",
	"linux/ppc64le":  "powerpc64le-linux-gnu-gcc",
	"linux/s390x":    "s390x-linux-gnu-gcc",
	"linux/mips64le": "mips64el-linux-gnuabi64-gcc",
	"linux/loong64":  "loongarch64-linux-gnu-gcc",
	"windows/amd64":  "x86_64-w64-mingw32-gcc",
	"windows/386":    "i686-w64-mingw32-gcc",
}

// compilers returns the C and C++ compilers of a cgo platform: the
// configured ones, else the Debian cross compilers, else (for the host
// itself) none, which lets the go command use CC from the environment or
// its default.
func compilers(pl platform.Platform, s PlatformConfig) (cc, cxx string) {
	cc, cxx = s.CC, s.CXX
	native := pl.OS == runtime.GOOS && pl.Arch == runtime.GOARCH
	if cc == "" && !native {
		cc = crossCC[pl.String()]
		if cc == "" {
			cc = crossCC[pl.Pair()]
		}
	}
	if cxx == "" && strings.HasSuffix(cc, "-gcc") && s.CC == "" {
		cxx = strings.TrimSuffix(cc, "gcc") + "g++"
	}
	return cc, cxx
}

// checkCompilers fails, before anything builds, for every cgo platform whose
// C compiler is not installed, naming the compiler and the package that
// provides it.
func (p *plan) checkCompilers() error {
	var errs []string
	for _, pl := range p.platforms {
		s := p.settings(pl)
		if s.Cgo == CgoOff {
			continue
		}
		cc, _ := compilers(pl, s)
		key := pl.String()
		if cc == "" && pl.OS == runtime.GOOS && pl.Arch == runtime.GOARCH {
			cc = cmp.Or(os.Getenv("CC"), "gcc")
		}
		if strings.TrimSpace(cc) == "" {
			errs = append(errs, fmt.Sprintf("%s: cgo mode %q needs a C compiler for %s and there is no default one: set Config.Platform[%q].CC (for example \"zig cc -target ...\")", pl, s.Cgo, pl, key))
			continue
		}
		bin := strings.Fields(cc)[0]
		if _, err := exec.LookPath(bin); err != nil {
			msg := fmt.Sprintf("%s: cgo mode %q needs the C compiler %q, which is not on PATH", pl, s.Cgo, bin)
			if pkg := debianPackage(bin); pkg != "" {
				msg += fmt.Sprintf(": install it (apt-get install %s)", pkg)
			}
			errs = append(errs, msg+fmt.Sprintf(", or set Config.Platform[%q].CC", key))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// debianPackage returns the Debian package that provides a compiler, or ""
// for a name that is not a Debian gcc or cross gcc, such as a compiler a
// user configured.
func debianPackage(bin string) string {
	bin = filepath.Base(bin)
	switch {
	case bin == "gcc" || bin == "cc":
		return "gcc"
	case !strings.Contains(bin, "-linux-gnu") && !strings.Contains(bin, "-w64-mingw32-"):
		return ""
	case strings.HasSuffix(bin, "-w64-mingw32-gcc"):
		return "gcc-mingw-w64-" + strings.ReplaceAll(strings.TrimSuffix(bin, "-w64-mingw32-gcc"), "_", "-")
	case strings.HasSuffix(bin, "-gcc"):
		return "gcc-" + strings.ReplaceAll(strings.TrimSuffix(bin, "-gcc"), "_", "-")
	case strings.HasSuffix(bin, "-g++"):
		return "g++-" + strings.ReplaceAll(strings.TrimSuffix(bin, "-g++"), "_", "-")
	}
	return ""
}
