// Package homebrew writes the Homebrew cask of a release, and on request
// a formula, from the release's macOS (and Linux) archives, and on
// request commits them to a tap. Add its step to the release:
//
//	func init() {
//		staticbuild.Project.Steps = []staticbuild.Step{
//			homebrew.Step(homebrew.Package{
//				Description: "Serves things",
//				Homepage:    "https://github.com/acme/app",
//				URL:         "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}",
//			}),
//		}
//	}
//
// "mage release" then writes dist/homebrew/Casks/app.rb (and
// dist/homebrew/Formula/app.rb with Package.Formula), and lists them in
// artifacts.json (kinds "homebrew-cask" and "homebrew-formula"). Their
// bytes depend on the release and the settings only.
package homebrew

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/download"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/gitpush"
	"github.com/magestatic/magestatic/staticbuild/tap"
)

// The kinds of the files in artifacts.json.
const (
	kindCask    artifact.Kind = "homebrew-cask"
	kindFormula artifact.Kind = "homebrew-formula"
)

// Package configures the cask and the formula.
type Package struct {
	// Name is the cask's token and the formula's name: lower-case
	// letters, digits and "-", starting with a letter. Default: the project's name in lower case.
	Name string `json:",omitempty"`
	// DisplayName is the cask's name stanza, the software's full name.
	// Default: Name.
	DisplayName string `json:",omitempty"`
	// Description is one line saying what the software does, the desc
	// stanza. Required.
	Description string
	// Homepage is the software's http or https URL. Required.
	Homepage string
	// License is the formula's SPDX license, such as "MIT". Optional;
	// a cask has none.
	License string `json:",omitempty"`
	// URL is a text/template for the URL an archive is downloaded from,
	// with the fields .Tag (v1.2.3), .Version (1.2.3) and .Name (the
	// archive's file name), such as
	// "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}".
	// Required.
	URL string
	// Binaries are the binaries linked into Homebrew's bin. Default:
	// every binary in the archive.
	Binaries []string `json:",omitempty"`
	// Formula also writes a formula, for macOS and Linux (amd64 and
	// arm64), which installs the binaries from the same archives.
	Formula bool `json:",omitempty"`
	// Test, with Formula, gives the formula a test block that runs the
	// first binary with these arguments, such as []string{"--version"}.
	Test []string `json:",omitempty"`
	// Notarized says that a step of the magefile signs the macOS
	// binaries with an Apple Developer ID and notarises them; without it
	// the release's log says that Gatekeeper may refuse the cask's
	// binaries.
	Notarized bool `json:",omitempty"`
	// Tap, when set, is the tap the files are committed to, as
	// Casks/NAME.rb and Formula/NAME.rb below Tap.Dir, with the message
	// "NAME VERSION". A tap named acme/tap is the repository
	// github.com/acme/homebrew-tap.
	Tap *tap.Repo `json:",omitempty"`
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Step returns the release step that writes the cask and the formula,
// after the checksums (in Merge for a release built in shards). Its
// Check refuses a bad setting, and a matrix without the platforms the
// files need, before anything builds. List it after the step that
// publishes the archives, so that a tap is pushed only once they can be
// downloaded.
func Step(p Package) staticbuild.Step {
	settings, _ := json.Marshal(p)
	return staticbuild.Step{
		Name: "homebrew", After: "checksums", Whole: true,
		Key:   "homebrew 1 " + string(settings),
		Check: func(ctx context.Context, r *staticbuild.Run) error { return p.check(r) },
		Run:   p.run,
	}
}

func (p Package) name(r *staticbuild.Run) string {
	if p.Name != "" {
		return p.Name
	}
	return strings.ToLower(r.Project())
}

// check returns every mistake in the settings at once.
func (p Package) check(r *staticbuild.Run) error {
	var errs *multierror.Error
	add := func(format string, args ...any) {
		errs = multierror.Append(errs, fmt.Errorf("homebrew.Package."+format, args...))
	}
	if n := p.name(r); !validName.MatchString(n) {
		add("Name %q: want lower-case letters, digits and \"-\", starting with a letter, as Homebrew names casks and formulae", n)
	}
	for _, f := range []struct{ name, value string }{{"DisplayName", p.DisplayName}, {"Description", p.Description}, {"License", p.License}} {
		if strings.ContainsAny(f.value, "\r\n") {
			add("%s %q: want one line", f.name, f.value)
		}
	}
	if strings.TrimSpace(p.Description) == "" {
		add("Description is empty: say in one line what the software does, Homebrew's desc")
	}
	if u, err := url.Parse(p.Homepage); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		add("Homepage %q: want an http or https URL, which Homebrew requires", p.Homepage)
	}
	if _, err := download.ParseURL("URL", p.URL); err != nil {
		add("%v", err)
	}
	for i, b := range p.Binaries {
		if b == "" || strings.ContainsAny(b, `/\`) {
			add("Binaries[%d] %q: want the name of a binary", i, b)
		}
	}
	if len(p.Test) > 0 && !p.Formula {
		add("Test is set without Formula: a cask has no test")
	}
	if p.Tap != nil {
		if err := gitpush.Check(*p.Tap, "Tap", r.Getenv); err != nil {
			add("%v", err)
		}
	}
	if r.Config.Shard == "" && len(download.Matrix(r, "darwin", "amd64", "arm64")) == 0 {
		errs = multierror.Append(errs, fmt.Errorf("homebrew: %s has neither darwin/amd64 nor darwin/arm64, whose archives the cask installs: add them", r.MatrixFrom()))
	}
	return errlist.List(errs, "homebrew", "mistakes")
}

// run writes the files and pushes them to the tap.
func (p Package) run(ctx context.Context, r *staticbuild.Run) error {
	tmpl, err := download.ParseURL("homebrew.Package.URL", p.URL)
	if err != nil {
		return err
	}
	all, err := download.Find(r, tmpl, p.Binaries, "darwin", "linux")
	if err != nil {
		return fmt.Errorf("homebrew: %w", err)
	}
	name := p.name(r)
	files := map[string][]byte{}
	cask, err := p.cask(r, all)
	if err != nil {
		return err
	}
	files["Casks/"+name+".rb"] = cask
	if p.Formula {
		files["Formula/"+name+".rb"] = p.formula(r, all)
	}
	for _, f := range []struct {
		path string
		kind artifact.Kind
	}{{"Casks/" + name + ".rb", kindCask}, {"Formula/" + name + ".rb", kindFormula}} {
		if data, ok := files[f.path]; ok {
			if err := r.WriteFile(artifact.Artifact{Path: path.Join("homebrew", f.path), Kind: f.kind}, data); err != nil {
				return err
			}
		}
	}
	if !p.Notarized {
		r.Logf("homebrew: the cask's macOS binaries are not signed with an Apple Developer ID nor notarised (the sign step's signatures are not Apple's): Gatekeeper may refuse to run them once brew installs them; a user can run xattr -d com.apple.quarantine on the binary, or the release can notarise them in a step of its own and set homebrew.Package.Notarized\n")
	}
	return gitpush.Publish(ctx, r, "homebrew", p.Tap, files, name+" "+download.Version(r))
}
