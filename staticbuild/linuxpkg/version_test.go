package linuxpkg

import (
	"regexp"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, c := range []struct{ in, deb, rpm, apk string }{
		{"v1.2.0", "1.2.0", "1.2.0", "1.2.0"},
		{"1.2.0", "1.2.0", "1.2.0", "1.2.0"},
		{"v1.2.0-rc.1", "1.2.0~rc.1", "1.2.0~rc.1", "1.2.0_rc1"},
		{"v1.2.0-rc1", "1.2.0~rc1", "1.2.0~rc1", "1.2.0_rc1"},
		{"v1.2.0-beta", "1.2.0~beta", "1.2.0~beta", "1.2.0_beta"},
		{"v0.10.3-alpha.2", "0.10.3~alpha.2", "0.10.3~alpha.2", "0.10.3_alpha2"},
		{"v1.2.0-nightly-5", "1.2.0~nightly.5", "1.2.0~nightly.5", ""},
		{"v1.2.0+build.7", "1.2.0+build.7", "1.2.0+build.7", ""},
		{"v1.2.0-rc.1+git-abc", "1.2.0~rc.1+git.abc", "1.2.0~rc.1+git.abc", ""},
		{"v1.2", "", "", ""},
		{"v01.2.0", "", "", ""},
		{"v1.2.0-", "", "", ""},
		{"v1.2.0-rc..1", "", "", ""},
		{"v1.2.0--", "", "", ""},
		{"release-7", "", "", ""},
		{"", "", "", ""},
	} {
		for _, f := range []struct{ format, want string }{{"deb", c.deb}, {"rpm", c.rpm}, {"apk", c.apk}} {
			got, err := formatVersion(c.in, f.format)
			if f.want == "" {
				if err == nil || !strings.Contains(err.Error(), "version") {
					t.Errorf("formatVersion(%q, %s) = %q, %v: want an error about the version", c.in, f.format, got, err)
				}
				continue
			}
			if err != nil || got != f.want {
				t.Errorf("formatVersion(%q, %s) = %q, %v: want %q", c.in, f.format, got, err, f.want)
			}
		}
	}
	if _, err := formatVersion("v1.0.0", "pkg"); err == nil || !strings.Contains(err.Error(), `"pkg"`) {
		t.Errorf("an unknown format: %v", err)
	}
}

// The characters each format's version may hold (Debian policy 5.6.12
// without an epoch or revision; rpm's version tag; apk-tools' version).
var (
	debVersion = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)
	rpmVersion = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~^_]*$`)
	apkVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*(_(alpha|beta|pre|rc)[0-9]*)?$`)
)

// FuzzVersion checks that Version never panics and that what it returns
// is a version of the format.
func FuzzVersion(f *testing.F) {
	for _, s := range []string{"v1.2.0", "v1.2.0-rc.1", "v1.0.0-a-b.c+d-e", "v1.2.0--", "1.0.0-rc.1.2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for format, re := range map[string]*regexp.Regexp{"deb": debVersion, "rpm": rpmVersion, "apk": apkVersion} {
			got, err := formatVersion(v, format)
			if err == nil && (!re.MatchString(got) || strings.Contains(got, "..")) {
				t.Errorf("formatVersion(%q, %s) = %q, not a %s version", v, format, got, format)
			}
		}
	})
}
