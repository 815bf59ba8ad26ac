// Package platform parses and checks build platforms as users write them:
// "linux/amd64", "linux/arm/7" (GOARM=7), "linux/amd64/v3" (GOAMD64=v3).
package platform

import (
	"fmt"
	"slices"
	"strings"
)

// Platform is one GOOS/GOARCH pair with an optional architecture variant.
type Platform struct {
	OS      string // GOOS
	Arch    string // GOARCH
	Variant string // value of the architecture's variable (GOARM, GOAMD64, ...), or ""
}

// variants maps each GOARCH that has a variant to its environment variable
// and the values the toolchain accepts.
var variants = map[string]struct {
	env    string
	values []string // values[0] is what the platform gets when it names no variant
}{
	"arm":      {"GOARM", []string{"7", "6", "5"}},
	"amd64":    {"GOAMD64", []string{"v1", "v2", "v3", "v4"}},
	"386":      {"GO386", []string{"sse2", "softfloat"}},
	"arm64":    {"GOARM64", []string{"v8.0", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9.0", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5"}},
	"mips":     {"GOMIPS", []string{"hardfloat", "softfloat"}},
	"mipsle":   {"GOMIPS", []string{"hardfloat", "softfloat"}},
	"mips64":   {"GOMIPS64", []string{"hardfloat", "softfloat"}},
	"mips64le": {"GOMIPS64", []string{"hardfloat", "softfloat"}},
	"ppc64":    {"GOPPC64", []string{"power8", "power9", "power10"}},
	"ppc64le":  {"GOPPC64", []string{"power8", "power9", "power10"}},
	"riscv64":  {"GORISCV64", []string{"rva20u64", "rva22u64", "rva23u64"}},
}

// Parse parses "os/arch" or "os/arch/variant". It checks the form and the
// variant, not whether the toolchain knows the pair: that is List's job.
func Parse(s string) (Platform, error) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Platform{}, fmt.Errorf("platform %q: want os/arch or os/arch/variant, such as linux/amd64 or linux/arm/7", s)
	}
	p := Platform{OS: parts[0], Arch: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
		v, ok := variants[p.Arch]
		if !ok {
			return Platform{}, fmt.Errorf("platform %q: GOARCH %s has no variants", s, p.Arch)
		}
		if !slices.Contains(v.values, p.Variant) {
			return Platform{}, fmt.Errorf("platform %q: %s must be one of %s", s, v.env, strings.Join(v.values, ", "))
		}
	}
	return p, nil
}

// String returns the platform as Parse reads it.
func (p Platform) String() string {
	if p.Variant != "" {
		return p.OS + "/" + p.Arch + "/" + p.Variant
	}
	return p.OS + "/" + p.Arch
}

// Pair returns "os/arch", without the variant.
func (p Platform) Pair() string { return p.OS + "/" + p.Arch }

// Env returns the environment that selects the platform: GOOS, GOARCH and,
// for an architecture with variants, its variable (GOARM=7 and so on), set
// to the toolchain's default when the platform names no variant, so that a
// GOAMD64 or GOARM in the caller's environment cannot change the build.
func (p Platform) Env() []string {
	env := []string{"GOOS=" + p.OS, "GOARCH=" + p.Arch}
	if v, ok := variants[p.Arch]; ok {
		val := p.Variant
		if val == "" {
			val = v.values[0]
		}
		env = append(env, v.env+"="+val)
	}
	return env
}

// VariantVars lists every architecture variant variable (GOARM, GOAMD64,
// ...), so a caller can drop them from an inherited environment.
func VariantVars() []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range variants {
		if !seen[v.env] {
			seen[v.env] = true
			out = append(out, v.env)
		}
	}
	slices.Sort(out)
	return out
}

// Ext returns the executable suffix: ".exe" on windows, ".wasm" for wasm,
// else "".
func (p Platform) Ext() string {
	switch {
	case p.OS == "windows":
		return ".exe"
	case p.Arch == "wasm":
		return ".wasm"
	}
	return ""
}

// Suffix returns the platform part of a directory name: "linux_amd64",
// "linux_arm_7", "linux_amd64_v3".
func (p Platform) Suffix() string {
	s := p.OS + "_" + p.Arch
	if p.Variant != "" {
		s += "_" + p.Variant
	}
	return s
}

// ArchiveSuffix returns the platform part of an archive name the way
// GoReleaser spells it: "linux_armv7", "linux_amd64v3", "linux_mips_softfloat".
func (p Platform) ArchiveSuffix() string {
	s := p.OS + "_" + p.Arch
	switch {
	case p.Variant == "":
	case p.Arch == "arm":
		s += "v" + p.Variant
	case p.Arch == "amd64":
		if p.Variant != "v1" {
			s += p.Variant
		}
	default:
		s += "_" + p.Variant
	}
	return s
}

// ParseList parses each string with Parse and rejects duplicates. Errors for
// every bad entry are reported together.
func ParseList(ss []string) ([]Platform, error) {
	var out []Platform
	var errs []string
	seen := map[Platform]bool{}
	for _, s := range ss {
		p, err := Parse(s)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if seen[p] {
			errs = append(errs, fmt.Sprintf("platform %q is listed twice", s))
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}
