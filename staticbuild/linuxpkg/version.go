package linuxpkg

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/magestatic/magestatic/staticbuild"
)

var (
	semver = regexp.MustCompile(`^v?((?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*))(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$`)
	// apkPre is the pre-release an apk version can hold: a suffix of
	// apk-tools' with an optional number.
	apkPre = regexp.MustCompile(`^(alpha|beta|pre|rc)\.?([0-9]*)$`)
)

// formatVersion converts a release's version, a semantic version such as
// v1.2.0-rc.1, to a format's rules:
//
//	deb  1.2.0~rc.1        (~ sorts before the release; "-" becomes ".")
//	rpm  1.2.0~rc.1        (the same: rpm 4.10 and later sort ~ first)
//	apk  1.2.0_rc1         (apk-tools' suffixes _alpha, _beta, _pre, _rc)
//
// Build metadata (+build.5) is kept as +build.5 for deb and rpm; apk has
// no place for it. A version that does not convert is an error that says
// why and what to do.
func formatVersion(v, format string) (string, error) {
	m := semver.FindStringSubmatch(v)
	if m == nil || emptyIdentifier(m[2]) || emptyIdentifier(m[3]) {
		return "", fmt.Errorf("version %q is not a semantic version such as v1.2.0 or v1.2.0-rc.1, which %s packages need: tag the release so", v, format)
	}
	core, pre, meta := m[1], m[2], m[3]
	if (pre != "" && dots(pre) == "") || (meta != "" && dots(meta) == "") {
		return "", fmt.Errorf("version %q: its pre-release or build metadata is only hyphens, which %s versions cannot hold: tag a version such as v1.2.0-rc.1", v, format)
	}
	switch format {
	case "deb", "rpm":
		out := core
		if pre != "" {
			out += "~" + dots(pre)
		}
		if meta != "" {
			out += "+" + dots(meta)
		}
		return out, nil
	case "apk":
		if meta != "" {
			return "", fmt.Errorf("version %q: apk versions have no place for build metadata (+%s): tag a version without it, or drop apk from Formats", v, meta)
		}
		if pre == "" {
			return core, nil
		}
		pm := apkPre.FindStringSubmatch(pre)
		if pm == nil {
			return "", fmt.Errorf("version %q: apk allows only the pre-releases alpha, beta, pre and rc, with a number (such as v1.2.0-rc.1), not %q: tag such a version, or drop apk from Formats", v, pre)
		}
		return core + "_" + pm[1] + pm[2], nil
	}
	return "", fmt.Errorf("unknown format %q: want deb, rpm or apk", format)
}

// emptyIdentifier reports whether a pre-release or build metadata has an
// empty dot-separated identifier, which semantic versions forbid.
func emptyIdentifier(s string) bool {
	return strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..")
}

// dots replaces the hyphens of s, which deb and rpm versions cannot
// hold, with dots, one for each run of them and their neighbouring dots.
func dots(s string) string {
	var b strings.Builder
	for i, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '.' }) {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(f)
	}
	return b.String()
}

// packageVersion returns the version of r's packages in format: the
// release's version converted by Version, or in a snapshot run, whose
// version need not be a semantic one, snapshotVersion's.
func packageVersion(r *staticbuild.Run, format string) (string, error) {
	if r.Config.Snapshot {
		return snapshotVersion(r.Version, r.Time, format)
	}
	return formatVersion(r.Version, format)
}

// snapshotVersion converts a snapshot's version (the tag, git describe's
// form or a short commit hash, with "-dirty" and "-snapshot") to one that
// sorts below the release it precedes and says what it is:
//
//	deb, rpm  1.2.0~snapshot.3.gabc1234.dirty   (0.0.0~snapshot.abc1234def56 without a tag)
//	apk       1.2.0_git20260102030405            (apk's post-release suffix, dated t)
//
// The number is the tag's, or 0.0.0 without one.
func snapshotVersion(v string, t time.Time, format string) (string, error) {
	base := strings.TrimSuffix(v, "-snapshot")
	core, rest := "0.0.0", base
	if m := semver.FindStringSubmatch(base); m != nil {
		core, rest = m[1], m[2]+"."+m[3]
	}
	words := strings.FieldsFunc(rest, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	switch format {
	case "deb", "rpm":
		return strings.Join(append([]string{core + "~snapshot"}, words...), "."), nil
	case "apk":
		if t.IsZero() {
			return "", fmt.Errorf("snapshot version %q: apk needs the build time for a snapshot's version: set SOURCE_DATE_EPOCH", v)
		}
		return core + "_git" + t.UTC().Format("20060102150405"), nil
	}
	return "", fmt.Errorf("unknown format %q: want deb, rpm or apk", format)
}
