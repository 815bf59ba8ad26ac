package image

import (
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ociPlatform returns the platform as an OCI image or index names it:
// GOARM "7" is variant "v7", GOARM64 "v8.x" is "v8", GOAMD64 "v1" is no
// variant and "v3" is "v3"; other architectures have no variant in OCI.
func ociPlatform(p Platform) v1.Platform {
	op := v1.Platform{OS: p.OS, Architecture: p.Arch}
	v, _, _ := strings.Cut(p.Variant, ",") // GOARM=7,softfloat
	switch p.Arch {
	case "arm":
		if v == "" {
			v = "7"
		}
		op.Variant = "v" + v
	case "arm64":
		major, _, _ := strings.Cut(v, ".")
		if major == "" {
			major = "v8"
		}
		op.Variant = major
	case "amd64":
		if v != "" && v != "v1" {
			op.Variant = v
		}
	}
	return op
}

// level returns the number in an OCI variant ("v7" is 7), and 0 for none.
func level(variant string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(variant, "v"))
	if err != nil {
		return 0
	}
	return n
}

// runsOn reports whether a base image of platform b can carry a binary of
// platform want (as ociPlatform gives it): same OS and architecture, and a
// variant that needs no more of the processor than the binary's. A base
// without a variant fits every variant.
func runsOn(b v1.Platform, want v1.Platform) bool {
	if b.OS != want.OS || b.Architecture != want.Architecture {
		return false
	}
	if b.Variant == "" || b.Variant == want.Variant {
		return true
	}
	return level(b.Variant) <= level(want.Variant)
}

// pickPlatform returns the index in ps of the platform that fits want best:
// the same variant, else the highest variant that fits; -1 when none fits.
func pickPlatform(ps []v1.Platform, want v1.Platform) int {
	best := -1
	for i, p := range ps {
		if !runsOn(p, want) {
			continue
		}
		if p.Variant == want.Variant {
			return i
		}
		if best < 0 || level(p.Variant) > level(ps[best].Variant) {
			best = i
		}
	}
	return best
}

// platformString returns "os/arch[/variant]" of an OCI platform.
func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
