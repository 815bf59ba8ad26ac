package staticbuild

import (
	"cmp"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
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
func compilers(pl platform.Platform, s settings) (cc, cxx string) {
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

// checkCompilers returns a message, before anything builds, for every cgo
// platform whose C compiler is not installed, naming the compiler and the
// package that provides it.
func checkCompilers(r *Run) []string {
	var errs []string
	seen := map[string]bool{}
	for _, t := range r.src.targets {
		for _, pl := range t.platforms {
			s := settingsFor(r.Config, t, pl)
			if s.Cgo == CgoOff {
				continue
			}
			cc, _ := compilers(pl, s)
			key := pl.String()
			if cc == "" && pl.OS == runtime.GOOS && pl.Arch == runtime.GOARCH {
				cc = cmp.Or(lookup(r.env.vars, "CC"), "gcc")
			}
			var msg string
			if strings.TrimSpace(cc) == "" {
				msg = fmt.Sprintf("%s: cgo mode %q needs a C compiler for %s and there is no default one: set Config.Platform[%q].CC (for example \"zig cc -target ...\")", pl, s.Cgo, pl, key)
			} else if bin := strings.Fields(cc)[0]; !onPath(bin, r.env.vars) {
				msg = fmt.Sprintf("%s: cgo mode %q needs the C compiler %q, which is not on PATH", pl, s.Cgo, bin)
				if pkg := debianPackage(bin); pkg != "" {
					msg += fmt.Sprintf(": install it (apt-get install %s)", pkg)
				}
				msg += fmt.Sprintf(", or set Config.Platform[%q].CC", key)
			}
			if msg != "" && !seen[msg] {
				seen[msg] = true
				errs = append(errs, msg)
			}
		}
	}
	return errs
}

// onPath reports whether the command bin is found on the PATH of vars.
func onPath(bin string, vars []string) bool {
	if strings.ContainsRune(bin, filepath.Separator) {
		_, err := exec.LookPath(bin)
		return err == nil
	}
	for _, dir := range filepath.SplitList(lookup(vars, "PATH")) {
		if _, err := exec.LookPath(filepath.Join(cmp.Or(dir, "."), bin)); err == nil {
			return true
		}
	}
	return false
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
