package platform

import (
	"context"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Platform
		env  string
		arch string
	}{
		{"linux/amd64", Platform{OS: "linux", Arch: "amd64"}, "GOOS=linux GOARCH=amd64 GOAMD64=v1", "linux_amd64"},
		{"linux/arm/7", Platform{"linux", "arm", "7"}, "GOOS=linux GOARCH=arm GOARM=7", "linux_armv7"},
		{"linux/amd64/v3", Platform{"linux", "amd64", "v3"}, "GOOS=linux GOARCH=amd64 GOAMD64=v3", "linux_amd64v3"},
		{"linux/amd64/v1", Platform{"linux", "amd64", "v1"}, "GOOS=linux GOARCH=amd64 GOAMD64=v1", "linux_amd64"},
		{"linux/mips/softfloat", Platform{"linux", "mips", "softfloat"}, "GOOS=linux GOARCH=mips GOMIPS=softfloat", "linux_mips_softfloat"},
	} {
		p, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if p != tc.want || p.String() != tc.in {
			t.Errorf("Parse(%q) = %+v (%s), want %+v", tc.in, p, p, tc.want)
		}
		if got := strings.Join(p.Env(), " "); got != tc.env {
			t.Errorf("%s Env = %q, want %q", tc.in, got, tc.env)
		}
		if got := p.ArchiveSuffix(); got != tc.arch {
			t.Errorf("%s ArchiveSuffix = %q, want %q", tc.in, got, tc.arch)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"linux":            "want os/arch",
		"linux/":           "want os/arch",
		"linux/amd64/v3/x": "want os/arch",
		"linux/arm/8":      "GOARM must be one of 7, 6, 5",
		"linux/amd64/v9":   "GOAMD64 must be one of",
		"linux/s390x/z15":  "has no variants",
		"/amd64":           "want os/arch",
	} {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", in, err, want)
		}
	}
	if _, err := ParseList([]string{"linux/amd64", "darwin/arm64", "linux/amd64"}); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("duplicate platform: got %v", err)
	}
}

func TestCheckAgainstToolchain(t *testing.T) {
	ports, err := List(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := ParseList([]string{"linux/amd64", "linux/arm/7", "windows/arm64", "freebsd/amd64"})
	if err := ports.Check(ok); err != nil {
		t.Errorf("Check(valid) = %v", err)
	}
	bad, _ := ParseList([]string{"linux/amd46", "darwin/arm64", "windoze/amd64"})
	err = ports.Check(bad)
	if err == nil {
		t.Fatal("Check accepted linux/amd46")
	}
	for _, want := range []string{`"linux/amd46"`, "did you mean linux/amd64", `"windoze/amd64"`, "windows/amd64"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), `"darwin/arm64"`) {
		t.Errorf("error names a valid platform: %v", err)
	}
	if fc := ports.FirstClass(); len(fc) < 6 {
		t.Errorf("FirstClass = %v, want at least 6", fc)
	}
}
