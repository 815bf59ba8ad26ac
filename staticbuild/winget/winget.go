// Package winget writes the winget manifests of a release, the three
// YAML files (version, installer, default locale) of a package version
// in a winget source such as microsoft/winget-pkgs, from the release's
// windows zip archives, and on request commits them to a git repository.
// Add its step to the release:
//
//	func init() {
//		staticbuild.Project.Steps = []staticbuild.Step{
//			winget.Step(winget.Package{
//				PackageIdentifier: "Acme.App",
//				Publisher:         "Acme",
//				License:           "MIT",
//				ShortDescription:  "Serves things",
//				URL:               "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}",
//			}),
//		}
//	}
//
// "mage release" then writes dist/winget/manifests/a/Acme/App/1.2.3/
// with Acme.App.yaml, Acme.App.installer.yaml and
// Acme.App.locale.en-US.yaml, in the layout of winget-pkgs, and lists
// them in artifacts.json (kind "winget-manifest"). The installer is the
// zip archive with its binaries as portable nested installers, one per
// architecture (x64, x86, arm64, arm). The manifests follow winget's schema 1.10.0.
package winget

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hashicorp/go-multierror"
	"go.yaml.in/yaml/v3"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/download"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/gitpush"
	"github.com/magestatic/magestatic/staticbuild/tap"
)

// kindManifest is the kind of the manifests in artifacts.json.
const kindManifest artifact.Kind = "winget-manifest"

// manifestVersion is the version of winget's manifest schema the
// manifests follow.
const manifestVersion = "1.10.0"

// Package configures the winget manifests.
type Package struct {
	// PackageIdentifier is the package's identifier, "Publisher.Package"
	// such as "Acme.App": two to eight parts separated by ".", each of
	// 1 to 32 characters without white space or \/:*?"<>|. Required.
	PackageIdentifier string
	// Publisher (2 to 256 characters), License (3 to 512, such as
	// "MIT") and ShortDescription (3 to 256) are required.
	Publisher, License, ShortDescription string
	// PackageName is the package's name. Default: the project's name.
	PackageName string `json:",omitempty"`
	// Description is a longer description. Optional.
	Description string `json:",omitempty"`
	// PackageURL, PublisherURL and LicenseURL are http or https URLs.
	// Optional.
	PackageURL, PublisherURL, LicenseURL string `json:",omitempty"`
	// Tags are search terms (up to 16, each 1 to 40 characters).
	// Optional.
	Tags []string `json:",omitempty"`
	// Locale is the default locale of the texts. Default: "en-US".
	Locale string `json:",omitempty"`
	// URL is a text/template for the URL an archive is downloaded from,
	// with the fields .Tag (v1.2.3), .Version (1.2.3) and .Name (the
	// archive's file name), such as
	// "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}".
	// Required.
	URL string
	// Binaries are the binaries installed as commands. Default: every
	// binary in the archive.
	Binaries []string `json:",omitempty"`
	// Repo, when set, is the repository the manifests are committed to,
	// below Repo.Dir, with the message "IDENTIFIER VERSION". winget-pkgs
	// itself takes pull requests only: push to a fork, and open the pull
	// request there.
	Repo *tap.Repo `json:",omitempty"`
}

// arches maps a GOARCH to winget's name of the architecture.
var arches = []struct{ goarch, winget string }{
	{"amd64", "x64"},
	{"386", "x86"},
	{"arm64", "arm64"},
	{"arm", "arm"},
}

// The patterns of winget's schema 1.10.0.
var (
	validIdentifier = regexp.MustCompile(`^[^.\s\\/:*?"<>|\x01-\x1f]{1,32}(\.[^.\s\\/:*?"<>|\x01-\x1f]{1,32}){1,7}$`)
	validVersion    = regexp.MustCompile(`^[^\\/:*?"<>|\x01-\x1f]+$`)
	validLocale     = regexp.MustCompile(`^([a-zA-Z]{2,3}|[iI]-[a-zA-Z]+|[xX]-[a-zA-Z]{1,8})(-[a-zA-Z]{1,8})*$`)
	validURL        = regexp.MustCompile(`^([Hh][Tt][Tt][Pp][Ss]?)://.+$`)
)

// Step returns the release step that writes the manifests, after the
// checksums (in Merge for a release built in shards). Its Check refuses
// a bad setting, and a matrix without a windows zip archive, before
// anything builds. List it after the step that publishes the archives,
// so that a repository is pushed only once they can be downloaded.
func Step(p Package) staticbuild.Step {
	settings, _ := json.Marshal(p)
	return staticbuild.Step{
		Name: "winget", After: "checksums", Whole: true,
		Key:   "winget 1 " + manifestVersion + " " + string(settings),
		Check: func(ctx context.Context, r *staticbuild.Run) error { return p.check(r) },
		Run:   p.run,
	}
}

func (p Package) name(r *staticbuild.Run) string {
	if p.PackageName != "" {
		return p.PackageName
	}
	return r.Project()
}

func (p Package) locale() string {
	if p.Locale != "" {
		return p.Locale
	}
	return "en-US"
}

// check returns every mistake in the settings at once.
func (p Package) check(r *staticbuild.Run) error {
	var errs *multierror.Error
	add := func(format string, args ...any) {
		errs = multierror.Append(errs, fmt.Errorf("winget.Package."+format, args...))
	}
	if !validIdentifier.MatchString(p.PackageIdentifier) || len(p.PackageIdentifier) > 128 {
		add("PackageIdentifier %q: want Publisher.Package, such as Acme.App: 2 to 8 parts of 1 to 32 characters without white space or \\/:*?\"<>|, separated by \".\"", p.PackageIdentifier)
	}
	for _, f := range []struct {
		name, value string
		min, max    int
	}{
		{"Publisher", p.Publisher, 2, 256},
		{"PackageName (the project's name by default)", p.name(r), 2, 256},
		{"License", p.License, 3, 512},
		{"ShortDescription", p.ShortDescription, 3, 256},
		{"Description", p.Description, 0, 10000},
	} {
		if n := len([]rune(f.value)); n < f.min || n > f.max {
			add("%s %q: want %d to %d characters, as winget's schema requires", f.name, f.value, f.min, f.max)
		}
	}
	for _, f := range []struct{ name, value string }{{"PackageURL", p.PackageURL}, {"PublisherURL", p.PublisherURL}, {"LicenseURL", p.LicenseURL}} {
		if f.value != "" && (!validURL.MatchString(f.value) || len(f.value) > 2048) {
			add("%s %q: want an http or https URL", f.name, f.value)
		}
	}
	if len(p.Tags) > 16 {
		add("Tags: %d tags, want at most 16", len(p.Tags))
	}
	for i, t := range p.Tags {
		if n := len([]rune(t)); n < 1 || n > 40 {
			add("Tags[%d] %q: want 1 to 40 characters", i, t)
		}
	}
	if !validLocale.MatchString(p.locale()) {
		add("Locale %q: want a locale such as en-US", p.Locale)
	}
	if _, err := download.ParseURL("URL", p.URL); err != nil {
		add("%v", err)
	}
	for i, b := range p.Binaries {
		if b == "" || strings.ContainsAny(b, `/\`) {
			add("Binaries[%d] %q: want the name of a binary", i, b)
		}
	}
	if p.Repo != nil {
		if err := gitpush.Check(*p.Repo, "Repo", r.Getenv); err != nil {
			add("%v", err)
		}
	}
	if v := download.Version(r); !validVersion.MatchString(v) {
		errs = multierror.Append(errs, fmt.Errorf("winget: the version %q cannot be a winget PackageVersion: tag a version without \\/:*?\"<>|", v))
	}
	if r.Config.Shard == "" {
		if len(download.Matrix(r, "windows", "amd64", "386", "arm64", "arm")) == 0 {
			errs = multierror.Append(errs, fmt.Errorf("winget: %s has no windows/amd64, windows/386, windows/arm64 or windows/arm, whose zip archives winget installs: add windows/amd64", r.MatrixFrom()))
		} else if f := download.Format(r, "windows"); f != "zip" {
			errs = multierror.Append(errs, fmt.Errorf("winget: Config.Archive.Formats[\"windows\"] is %q: winget installs zip archives, the default for windows", f))
		}
	}
	return errlist.List(errs, "winget", "mistakes")
}

// dir returns the directory of the manifests of the version, as
// winget-pkgs lays them out: manifests/a/Acme/App/1.2.3.
func (p Package) dir(version string) string {
	parts := strings.Split(p.PackageIdentifier, ".")
	return path.Join(append([]string{"manifests", strings.ToLower(p.PackageIdentifier[:1])}, append(parts, version)...)...)
}

// run writes the manifests and pushes them.
func (p Package) run(ctx context.Context, r *staticbuild.Run) error {
	files, err := p.manifests(r)
	if err != nil {
		return err
	}
	push := map[string][]byte{}
	for _, f := range files {
		if err := r.WriteFile(artifact.Artifact{Path: path.Join("winget", f.path), Kind: kindManifest}, f.data); err != nil {
			return err
		}
		push[f.path] = f.data
	}
	return gitpush.Publish(ctx, r, "winget", p.Repo, push, p.PackageIdentifier+" "+download.Version(r))
}

// file is a manifest's path (below winget/ in dist/, and below Repo.Dir)
// and bytes.
type file struct {
	path string
	data []byte
}

// manifests returns the three manifests.
func (p Package) manifests(r *staticbuild.Run) ([]file, error) {
	tmpl, err := download.ParseURL("winget.Package.URL", p.URL)
	if err != nil {
		return nil, err
	}
	all, err := download.Find(r, tmpl, p.Binaries, "windows")
	if err != nil {
		return nil, fmt.Errorf("winget: %w", err)
	}
	version := download.Version(r)
	inst := installerManifest{
		PackageIdentifier: p.PackageIdentifier, PackageVersion: version,
		InstallerType: "zip", NestedInstallerType: "portable",
		ManifestType: "installer", ManifestVersion: manifestVersion,
	}
	if !r.Time.IsZero() {
		inst.ReleaseDate = r.Time.UTC().Format("2006-01-02")
	}
	for _, a := range arches {
		arc, ok := download.Pick(all, "windows", a.goarch)
		if !ok || !strings.HasSuffix(arc.Name, ".zip") {
			continue
		}
		in := installer{Architecture: a.winget, InstallerURL: arc.URL, InstallerSha256: strings.ToUpper(arc.SHA256)}
		for _, b := range arc.Binaries {
			in.NestedInstallerFiles = append(in.NestedInstallerFiles, nestedFile{RelativeFilePath: strings.ReplaceAll(b.Path, "/", `\`), PortableCommandAlias: b.Name})
		}
		inst.Installers = append(inst.Installers, in)
	}
	if len(inst.Installers) == 0 {
		return nil, errors.New("winget: the release has no windows zip archive of amd64, 386, arm64 or arm: it has " + download.Describe(all))
	}
	loc := localeManifest{
		PackageIdentifier: p.PackageIdentifier, PackageVersion: version, PackageLocale: p.locale(),
		Publisher: p.Publisher, PublisherURL: p.PublisherURL, PackageName: p.name(r), PackageURL: p.PackageURL,
		License: p.License, LicenseURL: p.LicenseURL, ShortDescription: p.ShortDescription, Description: p.Description,
		Tags: p.Tags, ManifestType: "defaultLocale", ManifestVersion: manifestVersion,
	}
	ver := versionManifest{PackageIdentifier: p.PackageIdentifier, PackageVersion: version, DefaultLocale: p.locale(), ManifestType: "version", ManifestVersion: manifestVersion}
	dir := p.dir(version)
	var out []file
	for _, m := range []struct {
		name, schema string
		doc          any
	}{
		{p.PackageIdentifier + ".yaml", "version", ver},
		{p.PackageIdentifier + ".installer.yaml", "installer", inst},
		{p.PackageIdentifier + ".locale." + p.locale() + ".yaml", "defaultLocale", loc},
	} {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "# Created by magestatic.\n# yaml-language-server: $schema=https://aka.ms/winget-manifest.%s.%s.schema.json\n\n", m.schema, manifestVersion)
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(m.doc); err != nil {
			return nil, fmt.Errorf("winget: %s: %w", m.name, err)
		}
		enc.Close()
		out = append(out, file{path: path.Join(dir, m.name), data: buf.Bytes()})
	}
	return out, nil
}

type versionManifest struct {
	PackageIdentifier string `yaml:"PackageIdentifier"`
	PackageVersion    string `yaml:"PackageVersion"`
	DefaultLocale     string `yaml:"DefaultLocale"`
	ManifestType      string `yaml:"ManifestType"`
	ManifestVersion   string `yaml:"ManifestVersion"`
}

type installerManifest struct {
	PackageIdentifier   string      `yaml:"PackageIdentifier"`
	PackageVersion      string      `yaml:"PackageVersion"`
	InstallerType       string      `yaml:"InstallerType"`
	NestedInstallerType string      `yaml:"NestedInstallerType"`
	ReleaseDate         string      `yaml:"ReleaseDate,omitempty"`
	Installers          []installer `yaml:"Installers"`
	ManifestType        string      `yaml:"ManifestType"`
	ManifestVersion     string      `yaml:"ManifestVersion"`
}

type installer struct {
	Architecture         string       `yaml:"Architecture"`
	NestedInstallerFiles []nestedFile `yaml:"NestedInstallerFiles"`
	InstallerURL         string       `yaml:"InstallerUrl"`
	InstallerSha256      string       `yaml:"InstallerSha256"`
}

type nestedFile struct {
	RelativeFilePath     string `yaml:"RelativeFilePath"`
	PortableCommandAlias string `yaml:"PortableCommandAlias"`
}

type localeManifest struct {
	PackageIdentifier string   `yaml:"PackageIdentifier"`
	PackageVersion    string   `yaml:"PackageVersion"`
	PackageLocale     string   `yaml:"PackageLocale"`
	Publisher         string   `yaml:"Publisher"`
	PublisherURL      string   `yaml:"PublisherUrl,omitempty"`
	PackageName       string   `yaml:"PackageName"`
	PackageURL        string   `yaml:"PackageUrl,omitempty"`
	License           string   `yaml:"License"`
	LicenseURL        string   `yaml:"LicenseUrl,omitempty"`
	ShortDescription  string   `yaml:"ShortDescription"`
	Description       string   `yaml:"Description,omitempty"`
	Tags              []string `yaml:"Tags,omitempty"`
	ManifestType      string   `yaml:"ManifestType"`
	ManifestVersion   string   `yaml:"ManifestVersion"`
}
