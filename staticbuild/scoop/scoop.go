// Package scoop writes the Scoop manifest of a release, the JSON file a
// Scoop bucket holds, from the release's windows zip archives, and on
// request commits it to the bucket's git repository. Add its step to the
// release:
//
//	func init() {
//		staticbuild.Project.Steps = []staticbuild.Step{
//			scoop.Step(scoop.Manifest{
//				URL:      "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}",
//				Homepage: "https://github.com/acme/app",
//				License:  "MIT",
//			}),
//		}
//	}
//
// "mage release" then writes dist/scoop/app.json and lists it in
// artifacts.json (kind "scoop-manifest"). The file holds the version, and
// per architecture (64bit, 32bit, arm64) the archive's URL and SHA-256;
// its bytes depend on the release and the settings only.
package scoop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/download"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/gitpush"
	"github.com/magestatic/magestatic/staticbuild/tap"
)

// kindManifest is the kind of the manifest in artifacts.json.
const kindManifest artifact.Kind = "scoop-manifest"

// Manifest configures the Scoop manifest.
type Manifest struct {
	// Name is the app's name in Scoop, the manifest's file name without
	// ".json": letters, digits, ".", "_" and "-". Default: the project's
	// name.
	Name string `json:",omitempty"`
	// URL is a text/template for the URL an archive is downloaded from,
	// with the fields .Tag (v1.2.3), .Version (1.2.3) and .Name (the
	// archive's file name), such as
	// "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}".
	// Required.
	URL string
	// Homepage (an http or https URL) and License (an SPDX identifier,
	// such as "MIT") are required, as Scoop's schema requires them.
	Homepage, License string
	// Description is one line saying what the app does. Optional.
	Description string `json:",omitempty"`
	// Binaries are the binaries Scoop puts on PATH. Default: every
	// binary in the archive.
	Binaries []string `json:",omitempty"`
	// CheckVer, the URL of the project's GitHub repository, adds
	// "checkver" and "autoupdate" to the manifest, so that Scoop's
	// tools find later releases by themselves, with their SHA-256 read
	// from the release's checksum file. Optional.
	CheckVer string `json:",omitempty"`
	// Bucket, when set, is the bucket the manifest is committed to, as
	// NAME.json in Bucket.Dir (set "bucket" for the layout of Scoop's
	// bucket template), with the message "NAME VERSION".
	Bucket *tap.Repo `json:",omitempty"`
}

// arches maps a GOARCH to Scoop's name of the architecture.
var arches = []struct{ goarch, scoop string }{
	{"amd64", "64bit"},
	{"386", "32bit"},
	{"arm64", "arm64"},
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Step returns the release step that writes the manifest, after the
// checksums (in Merge for a release built in shards). Its Check refuses a
// bad setting, and a matrix without a windows zip archive Scoop can use,
// before anything builds. List it after the step that publishes the
// archives, so that a bucket is pushed only once they can be downloaded.
func Step(m Manifest) staticbuild.Step {
	settings, _ := json.Marshal(m)
	return staticbuild.Step{
		Name: "scoop", After: "checksums", Whole: true,
		Key:   "scoop 1 " + string(settings),
		Check: func(ctx context.Context, r *staticbuild.Run) error { return m.check(r) },
		Run:   m.run,
	}
}

// name returns the app's name.
func (m Manifest) name(r *staticbuild.Run) string {
	if m.Name != "" {
		return m.Name
	}
	return r.Project()
}

// check returns every mistake in the settings at once.
func (m Manifest) check(r *staticbuild.Run) error {
	var errs *multierror.Error
	add := func(format string, args ...any) {
		errs = multierror.Append(errs, fmt.Errorf("scoop.Manifest."+format, args...))
	}
	if n := m.name(r); !validName.MatchString(n) {
		add("Name %q: want letters, digits, \".\", \"_\" and \"-\", the name of the manifest file", n)
	}
	if _, err := download.ParseURL("URL", m.URL); err != nil {
		add("%v", err)
	}
	if !httpURL(m.Homepage) {
		add("Homepage %q: want an http or https URL, which Scoop requires", m.Homepage)
	}
	if strings.TrimSpace(m.License) == "" || strings.ContainsAny(m.License, "\r\n") {
		add("License %q: want the license's SPDX identifier, such as MIT, which Scoop requires", m.License)
	}
	if strings.ContainsAny(m.Description, "\r\n") {
		add("Description %q: want one line", m.Description)
	}
	if m.CheckVer != "" && !httpURL(m.CheckVer) {
		add("CheckVer %q: want the URL of the project's GitHub repository, such as https://github.com/acme/app", m.CheckVer)
	}
	for i, b := range m.Binaries {
		if b == "" || strings.ContainsAny(b, `/\`) {
			add("Binaries[%d] %q: want the name of a binary", i, b)
		}
	}
	if m.Bucket != nil {
		if err := gitpush.Check(*m.Bucket, "Bucket", r.Getenv); err != nil {
			add("%v", err)
		}
	}
	// A shard's matrix may lack windows: the merge checks it.
	if r.Config.Shard == "" {
		var ps []string
		for _, a := range arches {
			ps = append(ps, "windows/"+a.goarch)
		}
		if len(download.Matrix(r, "windows", "amd64", "386", "arm64")) == 0 {
			errs = multierror.Append(errs, fmt.Errorf("scoop: %s has none of %s, whose zip archives Scoop installs: add windows/amd64", r.MatrixFrom(), strings.Join(ps, ", ")))
		} else if f := download.Format(r, "windows"); f != "zip" {
			errs = multierror.Append(errs, fmt.Errorf("scoop: Config.Archive.Formats[\"windows\"] is %q: Scoop installs zip archives, the default for windows", f))
		}
	}
	return errlist.List(errs, "scoop", "mistakes")
}

// httpURL reports whether s is an absolute http or https URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(s, " \t\r\n")
}

// run writes the manifest and pushes it to the bucket.
func (m Manifest) run(ctx context.Context, r *staticbuild.Run) error {
	data, err := m.manifest(r)
	if err != nil {
		return err
	}
	name := m.name(r) + ".json"
	if err := r.WriteFile(artifact.Artifact{Path: path.Join("scoop", name), Kind: kindManifest}, data); err != nil {
		return err
	}
	return gitpush.Publish(ctx, r, "scoop", m.Bucket, map[string][]byte{name: data}, m.name(r)+" "+download.Version(r))
}

// manifest returns the manifest's bytes.
func (m Manifest) manifest(r *staticbuild.Run) ([]byte, error) {
	tmpl, err := download.ParseURL("scoop.Manifest.URL", m.URL)
	if err != nil {
		return nil, err
	}
	all, err := download.Find(r, tmpl, m.Binaries, "windows")
	if err != nil {
		return nil, fmt.Errorf("scoop: %w", err)
	}
	version := download.Version(r)
	doc := manifest{Version: version, Description: m.Description, Homepage: m.Homepage, License: m.License, Architecture: map[string]arch{}}
	bins := map[string][]string{} // Scoop's architecture -> the paths of its binaries
	same := true
	var first []string
	for _, a := range arches {
		arc, ok := download.Pick(all, "windows", a.goarch)
		if !ok || !strings.HasSuffix(arc.Name, ".zip") {
			continue
		}
		var bin []string
		for _, b := range arc.Binaries {
			bin = append(bin, arc.InDir(b))
		}
		if first == nil {
			first = bin
		}
		same = same && slices.Equal(bin, first)
		bins[a.scoop] = bin
		doc.Architecture[a.scoop] = arch{URL: arc.URL, Hash: arc.SHA256, ExtractDir: arc.Dir}
		if m.CheckVer != "" {
			if doc.Autoupdate == nil {
				doc.Autoupdate = &autoupdate{Architecture: map[string]arch{}}
			}
			doc.Autoupdate.Architecture[a.scoop] = arch{URL: strings.ReplaceAll(arc.URL, version, "$version"), ExtractDir: strings.ReplaceAll(arc.Dir, version, "$version")}
		}
	}
	if len(doc.Architecture) == 0 {
		return nil, errors.New("scoop: the release has no windows zip archive of amd64, 386 or arm64: it has " + download.Describe(all))
	}
	if same {
		doc.Bin = one(first)
	} else { // the architectures install different paths
		for s, a := range doc.Architecture {
			a.Bin = one(bins[s])
			doc.Architecture[s] = a
		}
	}
	if m.CheckVer != "" {
		doc.CheckVer = &checkver{GitHub: m.CheckVer}
		sums := r.Config.Archive.Checksums
		if sums == "" {
			sums = "SHA256SUMS"
		}
		doc.Autoupdate.Hash = &hashFrom{URL: "$baseurl/" + sums}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// one returns a single path as a string and several as a list, as Scoop's
// manifests conventionally give "bin".
func one(paths []string) any {
	if len(paths) == 1 {
		return paths[0]
	}
	return paths
}

// manifest is the JSON of a Scoop manifest, in the order of Scoop's own
// manifests. encoding/json writes a map's keys sorted.
type manifest struct {
	Version      string          `json:"version"`
	Description  string          `json:"description,omitempty"`
	Homepage     string          `json:"homepage"`
	License      string          `json:"license"`
	Architecture map[string]arch `json:"architecture"`
	Bin          any             `json:"bin,omitempty"`
	CheckVer     *checkver       `json:"checkver,omitempty"`
	Autoupdate   *autoupdate     `json:"autoupdate,omitempty"`
}

type arch struct {
	URL        string `json:"url"`
	Hash       string `json:"hash,omitempty"`
	ExtractDir string `json:"extract_dir,omitempty"`
	Bin        any    `json:"bin,omitempty"`
}

type checkver struct {
	GitHub string `json:"github"`
}

type autoupdate struct {
	Architecture map[string]arch `json:"architecture"`
	Hash         *hashFrom       `json:"hash,omitempty"`
}

type hashFrom struct {
	URL string `json:"url"`
}
