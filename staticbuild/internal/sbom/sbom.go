// Package sbom writes a CycloneDX software bill of materials for a Go
// binary from the build information the Go toolchain embeds in it.
//
// The document lists what was linked into the binary, not what a go.mod
// file allows: the main module, as the application, and every module
// dependency with its version, its go.sum hash and any replacement, read
// with debug/buildinfo without running the binary or any tool. Build
// settings (GOOS, GOARCH, CGO_ENABLED, -ldflags, ...) become properties of
// the application.
//
// The output is deterministic: the same binary and Options give the same
// bytes. The timestamp is Options.Time, components and properties are
// sorted, and the serial number is a name-based (version 5) UUID derived
// from the rest of the document rather than a random one.
//
// Property names follow the cdx:gomod taxonomy of cyclonedx-gomod where it
// has a name (cdx:gomod:build:env:GOOS, ...); the others are in the
// magestatic namespace:
//
//	magestatic:build:<key>   every build setting, verbatim, as "go version -m" shows it
//	magestatic:platform      Options.Platform
//	magestatic:replaces      on a replacement module: the module path@version it replaces
//	magestatic:replace:dir   on a directory replacement: the directory
package sbom

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Options describes the release a binary belongs to.
type Options struct {
	// Version is the release version recorded for the main module, as in
	// "v1.2.3". When empty, the main module version in the build info is
	// used, which is "(devel)" for most local builds.
	Version string

	// Time is the document's timestamp, usually the release's build time.
	// It is required and recorded in whole seconds, in UTC.
	Time time.Time

	// Name is the binary's file name as released, when the file at path
	// has another (a temporary name). Default: the base of path.
	Name string

	// Platform, when not empty, is the target as "goos/goarch" or
	// "goos/goarch/variant" (for example "linux/arm/7" or
	// "linux/amd64/v3"). FromBinary fails if the binary was built for
	// another target, so that a misnamed artifact cannot get a wrong SBOM.
	Platform string
}

// SpecVersion is the CycloneDX specification version of the documents.
const SpecVersion = cdx.SpecVersion1_6

// FromBinary returns the CycloneDX JSON document for the Go binary at path.
//
// A file that is not a Go binary, a binary without module information
// (built with "go build file.go" or outside module mode), a malformed
// go.sum hash in the build info or a Platform that does not match the
// binary is an error.
func FromBinary(path string, o Options) ([]byte, error) {
	if o.Time.IsZero() {
		return nil, fmt.Errorf("sbom: %s: no time given", path)
	}
	if fi, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("sbom: %s is not a regular file (mode %s)", path, fi.Mode())
	}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err) // names the file
	}
	if bi.Main.Path == "" {
		return nil, fmt.Errorf("sbom: %s: build info has no main module (package %q was built outside a module)", path, bi.Path)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	name := o.Name
	if name == "" {
		name = filepath.Base(path)
	}
	bom, err := newBOM(bi, name, sum, o)
	if err != nil {
		return nil, fmt.Errorf("sbom: %s: %w", path, err)
	}
	out, err := encode(bom)
	if err != nil {
		return nil, fmt.Errorf("sbom: %s: %w", path, err)
	}
	return out, nil
}

// newBOM builds the document for the build info of the binary named name,
// whose SHA-256 is sum. Its serial number is left empty.
func newBOM(bi *buildinfo.BuildInfo, name, sum string, o Options) (*cdx.BOM, error) {
	settings := make(map[string]string, len(bi.Settings))
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	goos, goarch, err := target(settings, o.Platform)
	if err != nil {
		return nil, err
	}
	version := o.Version
	if version == "" {
		version = bi.Main.Version
	}

	app := mainComponent(bi, version, goos, goarch)
	props := []cdx.Property{
		{Name: "cdx:gomod:binary:name", Value: name},
		{Name: "cdx:gomod:binary:hash:SHA-256", Value: sum},
		{Name: "cdx:gomod:build:env:GOOS", Value: goos},
		{Name: "cdx:gomod:build:env:GOARCH", Value: goarch},
		{Name: "cdx:gomod:build:env:GOVERSION", Value: bi.GoVersion},
	}
	if v, ok := settings["CGO_ENABLED"]; ok {
		props = append(props, cdx.Property{Name: "cdx:gomod:build:env:CGO_ENABLED", Value: v})
	}
	if o.Platform != "" {
		props = append(props, cdx.Property{Name: "magestatic:platform", Value: o.Platform})
	}
	for _, s := range bi.Settings {
		props = append(props, cdx.Property{Name: "magestatic:build:" + s.Key, Value: s.Value})
	}
	sortProperties(props)
	app.Properties = &props

	components, err := depComponents(bi.Deps)
	if err != nil {
		return nil, err
	}
	refs := make([]string, len(components))
	for i, c := range components {
		refs[i] = c.BOMRef
	}

	bom := cdx.NewBOM()
	bom.Metadata = &cdx.Metadata{
		Timestamp: o.Time.UTC().Truncate(time.Second).Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{
			{Type: cdx.ComponentTypeApplication, Name: "magestatic"},
		}},
		Component: app,
	}
	bom.Components = &components
	bom.Dependencies = &[]cdx.Dependency{{Ref: app.BOMRef, Dependencies: &refs}}
	return bom, nil
}

// mainComponent returns the application component for the main module.
// Its package URL carries the target as qualifiers and, when the main
// package is not at the module root, its directory as subpath.
func mainComponent(bi *buildinfo.BuildInfo, version, goos, goarch string) *cdx.Component {
	purl := packageURL(bi.Main.Path, version) + "?goarch=" + url.QueryEscape(goarch) + "&goos=" + url.QueryEscape(goos)
	if sub, ok := subpath(bi.Main.Path, bi.Path); ok {
		purl += "#" + sub
	}
	return &cdx.Component{
		BOMRef:     purl,
		Type:       cdx.ComponentTypeApplication,
		Name:       bi.Main.Path,
		Version:    version,
		PackageURL: purl,
	}
}

// encode returns bom as indented JSON in SpecVersion, with a serial number
// derived from the document without one.
func encode(bom *cdx.BOM) ([]byte, error) {
	bom.SerialNumber = ""
	unsigned, err := encodeJSON(bom)
	if err != nil {
		return nil, err
	}
	bom.SerialNumber = serialNumber(unsigned)
	return encodeJSON(bom)
}

func encodeJSON(bom *cdx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, SpecVersion); err != nil {
		return nil, fmt.Errorf("encode CycloneDX: %w", err)
	}
	return buf.Bytes(), nil
}
