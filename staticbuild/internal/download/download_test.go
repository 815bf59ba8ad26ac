package download

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tmpl, err := ParseURL("x.URL", "https://example.com/{{.Tag}}/{{.Version}}/{{.Name}}")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Execute(tmpl, Fields{Tag: "services/api/v1.0.0", Version: "1.0.0", Name: "a.zip"}); got != "https://example.com/services/api/v1.0.0/1.0.0/a.zip" {
		t.Errorf("Execute = %q", got)
	}
	for text, want := range map[string]string{
		"":                            "x.URL is empty",
		"https://x/{{.Name":           "x.URL: template",
		"https://x/{{.Nme}}":          "can't evaluate field Nme",
		"ftp://x/{{.Name}}":           "want an absolute https URL",
		"{{.Name}}":                   "want an absolute https URL",
		"https://x/{{.Tag}}":          "for every archive: use {{.Name}}",
		"https://x/a b/{{.Name}}":     "white space",
		`https://x/"{{.Name}}`:        "a quote",
		"https://x/{{index .Name 0}}": "for every archive",
	} {
		if _, err := ParseURL("x.URL", text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%q) = %v, want an error saying %q", text, err, want)
		}
	}
}

func TestTopDirAndBinaryPath(t *testing.T) {
	e := func(names ...string) []entry {
		var out []entry
		for _, n := range names {
			out = append(out, newEntry(n, strings.HasSuffix(n, "/")))
		}
		return out
	}
	for _, c := range []struct {
		entries  []entry
		dir, bin string
	}{
		{e("app", "README.md"), "", "app"},
		{e("d/", "d/app", "d/README.md"), "d", "d/app"},
		{e("d/app", "d/sub/app"), "d", "d/app"},
		{e("d/app", "e/README.md"), "", "d/app"},
		{e("./d/app", "d/x/../README.md"), "d", "d/app"},
		{e("README.md"), "", ""},
	} {
		if got := topDir(c.entries); got != c.dir {
			t.Errorf("topDir(%v) = %q, want %q", c.entries, got, c.dir)
		}
		got, ok := binaryPath(c.entries, "app", "linux")
		if got != c.bin || ok != (c.bin != "") {
			t.Errorf("binaryPath(%v) = %q, %v, want %q", c.entries, got, ok, c.bin)
		}
	}
	if got, ok := binaryPath(e("app", "app.exe"), "app", "windows"); got != "app.exe" || !ok {
		t.Errorf("windows binary: %q %v", got, ok)
	}
}

func TestPick(t *testing.T) {
	as := []Archive{}
	for _, v := range []string{"v3", "", "v2"} {
		a := Archive{}
		a.OS, a.Arch, a.Variant, a.Name = "windows", "amd64", v, "n"+v
		as = append(as, a)
	}
	if a, ok := Pick(as, "windows", "amd64"); !ok || a.Variant != "" {
		t.Errorf("Pick = %+v, %v, want the archive without a variant", a, ok)
	}
	if _, ok := Pick(as, "windows", "arm64"); ok {
		t.Error("Pick found an arm64 archive")
	}
	if a, _ := Pick(as[:1], "windows", "amd64"); a.Variant != "v3" {
		t.Errorf("Pick of one variant = %+v", a)
	}
}
