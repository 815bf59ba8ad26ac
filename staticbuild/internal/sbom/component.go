package sbom

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// depComponents returns one library component per module dependency,
// sorted by package URL. A replaced module is described by what replaced
// it, since that is the code in the binary.
func depComponents(deps []*debug.Module) ([]cdx.Component, error) {
	cs := make([]cdx.Component, 0, len(deps))
	for _, d := range deps {
		c, err := depComponent(d)
		if err != nil {
			return nil, fmt.Errorf("module %s@%s: %w", d.Path, d.Version, err)
		}
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b cdx.Component) int { return strings.Compare(a.BOMRef, b.BOMRef) })
	for i := 1; i < len(cs); i++ {
		if cs[i].BOMRef == cs[i-1].BOMRef {
			return nil, fmt.Errorf("module %s listed twice in the build info", cs[i].BOMRef)
		}
	}
	return cs, nil
}

func depComponent(d *debug.Module) (cdx.Component, error) {
	if d.Path == "" {
		return cdx.Component{}, fmt.Errorf("empty module path")
	}
	m := d
	var props []cdx.Property
	if r := d.Replace; r != nil {
		props = append(props, cdx.Property{Name: "magestatic:replaces", Value: d.Path + "@" + d.Version})
		if isDirReplacement(r) {
			// The code comes from a directory: keep the module path, which
			// the code imports, and claim no version or hash. A path
			// relative to the module is recorded; an absolute one names a
			// directory of the build machine, so it is left out.
			if !path.IsAbs(r.Path) && !filepath.IsAbs(r.Path) && !windowsAbs(r.Path) {
				props = append(props, cdx.Property{Name: "magestatic:replace:dir", Value: r.Path})
			}
			m = &debug.Module{Path: d.Path}
		} else {
			m = r
		}
	}
	c := cdx.Component{
		Type:    cdx.ComponentTypeLibrary,
		Name:    m.Path,
		Version: m.Version,
		Scope:   cdx.ScopeRequired,
	}
	c.PackageURL = packageURL(m.Path, m.Version)
	c.BOMRef = c.PackageURL
	if m.Sum != "" {
		h, err := goSumHash(m.Sum)
		if err != nil {
			return cdx.Component{}, err
		}
		c.Hashes = &[]cdx.Hash{h}
	}
	if len(props) > 0 {
		sortProperties(props)
		c.Properties = &props
	}
	return c, nil
}

// isDirReplacement reports whether r replaces a module with a directory,
// which the build info records with the version "(devel)" or none.
func isDirReplacement(r *debug.Module) bool {
	return r.Version == "" || r.Version == "(devel)"
}

// goSumHash converts a go.sum hash to a CycloneDX hash. The "h1:" hash is
// the base64 SHA-256 of the module's file tree manifest (not of its zip
// file); like cyclonedx-gomod, it is recorded as SHA-256 in hexadecimal.
func goSumHash(sum string) (cdx.Hash, error) {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return cdx.Hash{}, fmt.Errorf("go.sum hash %q: only h1 hashes are known", sum)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != 32 {
		return cdx.Hash{}, fmt.Errorf("go.sum hash %q: not a base64 SHA-256", sum)
	}
	return cdx.Hash{Algorithm: cdx.HashAlgoSHA256, Value: hex.EncodeToString(b)}, nil
}

// packageURL returns "pkg:golang/<module path>@<version>", each path
// element percent-encoded, and no "@" part when version is empty. Case is
// kept, as Go module paths are case-sensitive.
func packageURL(path, version string) string {
	elems := strings.Split(path, "/")
	for i, e := range elems {
		elems[i] = url.PathEscape(e)
	}
	p := "pkg:golang/" + strings.Join(elems, "/")
	if version != "" {
		p += "@" + url.PathEscape(version)
	}
	return p
}

// subpath returns the directory of the main package within the main
// module, if it is not the module root.
func subpath(modPath, pkgPath string) (string, bool) {
	sub, ok := strings.CutPrefix(pkgPath, modPath+"/")
	return sub, ok && sub != ""
}

// sortProperties sorts by name, then value.
func sortProperties(ps []cdx.Property) {
	slices.SortFunc(ps, func(a, b cdx.Property) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// windowsAbs reports whether p is an absolute Windows path (C:\x or \\host),
// whatever the machine.
func windowsAbs(p string) bool {
	return strings.HasPrefix(p, `\\`) || (len(p) > 2 && p[1] == ':' && (p[2] == '\\' || p[2] == '/'))
}
