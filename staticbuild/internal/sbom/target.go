package sbom

import (
	"fmt"
	"slices"
	"strings"
)

// archEnv names the build setting that holds each architecture's variant,
// as cmd/go records it (GOARM=7, GOAMD64=v3, ...).
func archEnv(goarch string) string {
	switch goarch {
	case "arm":
		return "GOARM"
	case "arm64":
		return "GOARM64"
	case "386":
		return "GO386"
	case "amd64":
		return "GOAMD64"
	case "mips", "mipsle":
		return "GOMIPS"
	case "mips64", "mips64le":
		return "GOMIPS64"
	case "ppc64", "ppc64le":
		return "GOPPC64"
	case "riscv64":
		return "GORISCV64"
	case "wasm":
		return "GOWASM"
	}
	return ""
}

// target returns the binary's GOOS and GOARCH from its build settings and
// checks them, and the variant if any, against platform when it is set.
// A binary too old to record settings takes them from platform.
func target(settings map[string]string, platform string) (goos, goarch string, err error) {
	goos, goarch = settings["GOOS"], settings["GOARCH"]
	if platform == "" {
		if goos == "" || goarch == "" {
			return "", "", fmt.Errorf("build info records no GOOS/GOARCH and no platform was given")
		}
		return goos, goarch, nil
	}
	elems := strings.Split(platform, "/")
	if (len(elems) != 2 && len(elems) != 3) || slices.Contains(elems, "") {
		return "", "", fmt.Errorf("platform %q: want goos/goarch or goos/goarch/variant", platform)
	}
	if goos == "" && goarch == "" {
		goos, goarch = elems[0], elems[1]
	}
	if elems[0] != goos || elems[1] != goarch {
		return "", "", fmt.Errorf("platform %q does not match the binary, built for %s/%s", platform, goos, goarch)
	}
	if len(elems) == 3 {
		key := archEnv(goarch)
		if key == "" {
			return "", "", fmt.Errorf("platform %q: %s has no variants", platform, goarch)
		}
		if v, ok := settings[key]; ok && v != elems[2] {
			return "", "", fmt.Errorf("platform %q does not match the binary, built with %s=%s", platform, key, v)
		}
	}
	return goos, goarch, nil
}
