package sbom

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestPackageURL(t *testing.T) {
	tests := []struct{ path, version, want string }{
		{"github.com/CycloneDX/cyclonedx-go", "v0.11.0", "pkg:golang/github.com/CycloneDX/cyclonedx-go@v0.11.0"},
		{"gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1"},
		{"github.com/a/b", "v2.0.0+incompatible", "pkg:golang/github.com/a/b@v2.0.0+incompatible"},
		{"example.com/local", "", "pkg:golang/example.com/local"},
		{"example.com/we ird", "(devel)", "pkg:golang/example.com/we%20ird@%28devel%29"},
	}
	for _, tt := range tests {
		if got := packageURL(tt.path, tt.version); got != tt.want {
			t.Errorf("packageURL(%q, %q) = %q, want %q", tt.path, tt.version, got, tt.want)
		}
	}
}

func TestGoSumHash(t *testing.T) {
	h, err := goSumHash("h1:H5DkEtf6CXdFp0N0Em5UCwQpXMWke8IA0+lD48awMYo=")
	if err != nil || h.Algorithm != "SHA-256" || h.Value != "1f90e412d7fa097745a74374126e540b04295cc5a47bc200d3e943e3c6b0318a" {
		t.Errorf("goSumHash = %+v, %v", h, err)
	}
	for sum, want := range map[string]string{
		"h2:H5DkEtf6CXdFp0N0Em5UCwQpXMWke8IA0+lD48awMYo=": "only h1",
		"h1:not base64!": "not a base64 SHA-256",
		"h1:AAAA":        "not a base64 SHA-256",
	} {
		if _, err := goSumHash(sum); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("goSumHash(%q): %v, want an error with %q", sum, err, want)
		}
	}
}

func TestDepComponentsRejectMalformedBuildInfo(t *testing.T) {
	tests := map[string]struct {
		deps []*debug.Module
		want string
	}{
		"bad sum":   {[]*debug.Module{{Path: "example.com/a", Version: "v1.0.0", Sum: "h1:xyz"}}, "example.com/a@v1.0.0"},
		"empty":     {[]*debug.Module{{Version: "v1.0.0"}}, "empty module path"},
		"twice":     {[]*debug.Module{{Path: "example.com/a", Version: "v1.0.0"}, {Path: "example.com/a", Version: "v1.0.0"}}, "listed twice"},
		"bad repl.": {[]*debug.Module{{Path: "example.com/a", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/b", Version: "v1.0.1", Sum: "sha1:x"}}}, "only h1"},
	}
	for name, tt := range tests {
		if _, err := depComponents(tt.deps); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, tt.want)
		}
	}
}

func TestSerialNumber(t *testing.T) {
	// Known answer from RFC 4122's DNS name space (Python's uuid.uuid5).
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	u := uuid5(dns, []byte("www.example.com"))
	if got := serialNumber(nil); !serialRE.MatchString(got) {
		t.Errorf("serialNumber(nil) = %q", got)
	}
	want := [16]byte{0x2e, 0xd6, 0x65, 0x7d, 0xe9, 0x27, 0x56, 0x8b, 0x95, 0xe1, 0x26, 0x65, 0xa8, 0xae, 0xa6, 0xa2}
	if u != want {
		t.Errorf("uuid5(DNS, www.example.com) = %x, want %x", u, want)
	}
	if serialNumber([]byte("a")) == serialNumber([]byte("b")) {
		t.Error("different documents, same serial number")
	}
}

// TestAbsoluteReplaceLeftOut checks that a directory replacement given as
// an absolute path, a path of the build machine, is not recorded.
func TestAbsoluteReplaceLeftOut(t *testing.T) {
	for _, dir := range []string{"/home/dev/src/localdep", `C:\src\localdep`, "../localdep"} {
		c, err := depComponent(&debug.Module{Path: "example.com/localdep", Version: "v0.0.0",
			Replace: &debug.Module{Path: dir}})
		if err != nil {
			t.Fatal(err)
		}
		recorded := ""
		for _, p := range *c.Properties {
			if p.Name == "magestatic:replace:dir" {
				recorded = p.Value
			}
		}
		if want := map[bool]string{true: "", false: dir}[dir != "../localdep"]; recorded != want {
			t.Errorf("replace %s: recorded %q, want %q", dir, recorded, want)
		}
	}
}
