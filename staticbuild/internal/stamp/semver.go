package stamp

import (
	"cmp"
	"strings"
)

// semver is a parsed semantic version "vMAJOR[.MINOR[.PATCH[-PRE][+BUILD]]]",
// read the way golang.org/x/mod/semver reads it, so that the versions
// computed here are the ones the go command computes.
type semver struct {
	major, minor, patch string
	short               string // ".0.0" or ".0" when minor or patch were left out
	pre                 string // "-rc.1", or ""
	build               string // "+meta", or ""
}

// parseSemver parses v, which must start with "v".
func parseSemver(v string) (semver, bool) {
	var p semver
	if v == "" || v[0] != 'v' {
		return p, false
	}
	var ok bool
	if p.major, v, ok = semverInt(v[1:]); !ok {
		return p, false
	}
	if v == "" {
		p.minor, p.patch, p.short = "0", "0", ".0.0"
		return p, true
	}
	if v[0] != '.' {
		return p, false
	}
	if p.minor, v, ok = semverInt(v[1:]); !ok {
		return p, false
	}
	if v == "" {
		p.patch, p.short = "0", ".0"
		return p, true
	}
	if v[0] != '.' {
		return p, false
	}
	if p.patch, v, ok = semverInt(v[1:]); !ok {
		return p, false
	}
	if v != "" && v[0] == '-' {
		end := strings.IndexByte(v, '+')
		if end < 0 {
			end = len(v)
		}
		if p.pre, v = v[:end], v[end:]; !semverIdents(p.pre[1:], true) {
			return p, false
		}
	}
	if v != "" && v[0] == '+' {
		if p.build, v = v, ""; !semverIdents(p.build[1:], false) {
			return p, false
		}
	}
	return p, v == ""
}

// semverInt splits a decimal number without leading zeros off the front of v.
func semverInt(v string) (n, rest string, ok bool) {
	i := 0
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	if i == 0 || (v[0] == '0' && i > 1) {
		return "", v, false
	}
	return v[:i], v[i:], true
}

// semverIdents reports whether s is a dot-separated list of non-empty
// identifiers of [0-9A-Za-z-]; numeric ones in a pre-release may not have
// leading zeros.
func semverIdents(s string, pre bool) bool {
	for id := range strings.SplitSeq(s, ".") {
		if id == "" || strings.Trim(id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") != "" {
			return false
		}
		if pre && len(id) > 1 && id[0] == '0' && isDecimal(id) {
			return false
		}
	}
	return true
}

func isDecimal(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// canonicalSemver returns v as "vMAJOR.MINOR.PATCH[-PRE]" without build
// metadata, or "" when v is not a semantic version.
func canonicalSemver(v string) string {
	p, ok := parseSemver(v)
	if !ok {
		return ""
	}
	return "v" + p.major + "." + p.minor + "." + p.patch + p.pre
}

// semverMajor returns the major version of v ("v2"), or "" when v is not a
// semantic version.
func semverMajor(v string) string {
	p, ok := parseSemver(v)
	if !ok {
		return ""
	}
	return "v" + p.major
}

// compareSemver compares two versions by precedence; build metadata does
// not count, and an invalid version sorts before every valid one.
func compareSemver(a, b string) int {
	pa, oka := parseSemver(a)
	pb, okb := parseSemver(b)
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return -1
	case !okb:
		return +1
	}
	for _, c := range []int{compareNum(pa.major, pb.major), compareNum(pa.minor, pb.minor), compareNum(pa.patch, pb.patch)} {
		if c != 0 {
			return c
		}
	}
	return comparePre(pa.pre, pb.pre)
}

// compareNum compares two decimal numbers without leading zeros.
func compareNum(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// comparePre compares pre-releases ("-rc.1") as semantic versioning says:
// a release sorts after its pre-releases, identifiers compare one by one,
// numbers numerically and before words, and a longer list wins a tie.
func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return +1
	case b == "":
		return -1
	}
	x, y := strings.Split(a[1:], "."), strings.Split(b[1:], ".")
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] == y[i] {
			continue
		}
		nx, ny := isDecimal(x[i]), isDecimal(y[i])
		switch {
		case nx && ny:
			return compareNum(x[i], y[i])
		case nx:
			return -1
		case ny:
			return +1
		}
		return strings.Compare(x[i], y[i])
	}
	return cmp.Compare(len(x), len(y))
}
