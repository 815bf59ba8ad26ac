package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
)

// Platform is one platform of the matrix: "linux/amd64", or with an
// architecture variant "linux/arm/7" (GOARM=7). The library's own parsing
// is internal to it; the benchmark needs only what its loop, its GoReleaser
// configuration and its fetching of modules use, and hands the matrix to
// magestatic as the strings the user wrote, for magestatic to check.
type Platform struct {
	OS      string // GOOS
	Arch    string // GOARCH
	Variant string // value of the architecture's variable (GOARM, GOAMD64, ...), or ""
}

// variants maps each GOARCH that has a variant to its environment variable
// and the values the toolchain accepts; values[0] is its default. The
// loop sets the default when the platform names none, as magestatic does,
// so that both build the same binaries.
var variants = map[string]struct {
	env    string
	values []string
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

// ParsePlatforms parses "os/arch" and "os/arch/variant" strings, rejecting
// malformed ones, unknown variants and duplicates.
func ParsePlatforms(ss []string) ([]Platform, error) {
	var out []Platform
	var errs []string
	for _, s := range ss {
		parts := strings.Split(strings.TrimSpace(s), "/")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			errs = append(errs, fmt.Sprintf("platform %q: want os/arch or os/arch/variant", s))
			continue
		}
		p := Platform{OS: parts[0], Arch: parts[1]}
		if len(parts) == 3 {
			p.Variant = parts[2]
			if v, ok := variants[p.Arch]; !ok || !slices.Contains(v.values, p.Variant) {
				errs = append(errs, fmt.Sprintf("platform %q: unknown variant %s of %s", s, p.Variant, p.Arch))
				continue
			}
		}
		if slices.Contains(out, p) {
			errs = append(errs, fmt.Sprintf("platform %q is listed twice", s))
			continue
		}
		out = append(out, p)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// String returns the platform as ParsePlatforms reads it.
func (p Platform) String() string {
	if p.Variant != "" {
		return p.OS + "/" + p.Arch + "/" + p.Variant
	}
	return p.OS + "/" + p.Arch
}

// Env returns GOOS, GOARCH and, for an architecture with variants, its
// variable, set to the default when the platform names no variant.
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
// "linux_arm_7".
func (p Platform) Suffix() string {
	s := p.OS + "_" + p.Arch
	if p.Variant != "" {
		s += "_" + p.Variant
	}
	return s
}

// variantVars lists every architecture variant variable (GOARM, GOAMD64,
// ...).
func variantVars() []string {
	var out []string
	for _, v := range variants {
		if !slices.Contains(out, v.env) {
			out = append(out, v.env)
		}
	}
	slices.Sort(out)
	return out
}

// loopCommand returns the arguments after the go command and the
// environment of one go build of the loop: the command magestatic runs
// for one platform (CGO_ENABLED=0, -trimpath, VCS information, the
// linker flags), in base without the variables that would change the
// build.
func loopCommand(pkg, output string, pl Platform, ldflags []string, base []string) (args, env []string, err error) {
	for _, a := range ldflags {
		if a == "" || strings.ContainsAny(a, " \t\r\n'\"") {
			return nil, nil, fmt.Errorf("linker argument %q: the loop passes only plain words", a)
		}
	}
	args = []string{"build", "-o", output, "-trimpath", "-buildvcs=true", "-tags=", "-ldflags=" + strings.Join(ldflags, " "), pkg}
	drop := append([]string{"GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED"}, variantVars()...)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	env = append(env, "GOFLAGS=-trimpath", "GIT_OPTIONAL_LOCKS=0")
	env = append(env, pl.Env()...)
	return args, append(env, "CGO_ENABLED=0"), nil
}

// goPorts lists the platforms of "go tool dist list -json", run with env.
func goPorts(ctx context.Context, env []string) ([]struct {
	GOOS, GOARCH string
	FirstClass   bool
}, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "dist", "list", "-json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("go tool dist list -json: %w", err)
	}
	var ports []struct {
		GOOS, GOARCH string
		FirstClass   bool
	}
	if err := json.Unmarshal(out, &ports); err != nil {
		return nil, fmt.Errorf("reading go tool dist list -json: %w", err)
	}
	return ports, nil
}
