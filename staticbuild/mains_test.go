package staticbuild

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestModuleMains checks the rule for a module's binaries on packages as
// go list reports them: the only main package; with several, those under
// cmd/, naming the others; none under cmd/ or none at all is an error.
// Mage's directory never counts.
func TestModuleMains(t *testing.T) {
	dir := t.TempDir()
	pkg := func(rel, name string) listedPkg {
		return listedPkg{dir: filepath.Join(dir, filepath.FromSlash(rel)), name: name, path: "example.com/m/" + rel}
	}
	paths := func(ps []listedPkg) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.path)
		}
		return out
	}
	mage := pkg("magefiles", "main")
	lib := pkg("lib", "lib")

	pick, left, err := moduleMains(dir, []listedPkg{lib, pkg("tool", "main"), mage})
	if err != nil || !slices.Equal(paths(pick), []string{"example.com/m/tool"}) || left != nil {
		t.Errorf("one main package: %q, %q, %v", paths(pick), left, err)
	}
	pick, left, err = moduleMains(dir, []listedPkg{pkg("cmd/a", "main"), pkg("cmd/b", "main"), pkg("internal/gen", "main"), mage})
	if err != nil || !slices.Equal(paths(pick), []string{"example.com/m/cmd/a", "example.com/m/cmd/b"}) || !slices.Equal(left, []string{"example.com/m/internal/gen"}) {
		t.Errorf("several under cmd/: %q, left %q, %v", paths(pick), left, err)
	}
	_, _, err = moduleMains(dir, []listedPkg{pkg("a", "main"), pkg("b", "main")})
	if err == nil || !strings.Contains(err.Error(), "none under cmd/") || !strings.Contains(err.Error(), `{Main: "./a"},`) {
		t.Errorf("several, none under cmd/: %v", err)
	}
	_, _, err = moduleMains(dir, []listedPkg{lib, mage})
	if err == nil || !strings.Contains(err.Error(), "no main package") {
		t.Errorf("no main package: %v", err)
	}
}

// TestResolveThenCheck checks that resolveConfig fills in the defaults and
// that checkConfig, given the resolved configuration, reports every
// mistake at once.
func TestResolveThenCheck(t *testing.T) {
	cfg := Config{Platforms: []string{"linux/amd64"}, Binaries: []Binary{{Name: "a"}, {Name: "a", Main: "./b"}},
		Archive: Archive{Formats: map[string]string{"linux": "rar"}}}
	c, _, _, pls, err := resolveConfig(cfg, environ{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	errs := checkConfig(c, pls, false)
	if len(errs) != 3 {
		t.Errorf("%d mistakes, want 3 (an empty Main, a name twice, a format): %q", len(errs), errs)
	}
	if c.Go != "go" || c.Output != defaultOutput || c.Jobs < 1 || c.Cgo != CgoOff || c.Archive.Name != defaultArchiveName {
		t.Errorf("the defaults are not filled: %+v", c)
	}
}
