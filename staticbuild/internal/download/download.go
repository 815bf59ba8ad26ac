// Package download describes a release's archives as a package manager
// downloads them: where from (a URL made from a template), their SHA-256,
// and where each binary is inside. The homebrew, scoop and winget steps
// share it.
package download

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"text/template"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// Fields are the fields of a URL template.
type Fields struct {
	Tag     string // the release's tag, such as v1.2.3 or services/api/v1.2.3; the version for an untagged snapshot
	Version string // the version without a leading v: 1.2.3
	Name    string // the archive's file name: app_1.2.3_linux_amd64.tar.gz
}

// Archive is one archive of the release.
type Archive struct {
	artifact.Artifact
	URL      string   // where a package manager downloads it from
	Dir      string   // the one directory at the top of the archive that holds every file, or ""
	Binaries []Binary // the binaries it installs, in the order asked for
}

// Binary is a binary inside an archive.
type Binary struct {
	Name string // the binary's name, without .exe: app
	Path string // its path in the archive, slash-separated: app.exe, or app_1.2.3_windows_amd64/app.exe
}

// InDir returns the binary's path below the archive's top directory Dir,
// the path a package manager that enters that directory sees.
func (a Archive) InDir(b Binary) string {
	if a.Dir == "" {
		return b.Path
	}
	return strings.TrimPrefix(b.Path, a.Dir+"/")
}

// ParseURL parses text as the URL template of the setting named field
// (such as "scoop.Manifest.URL"), executed with Fields, and checks that
// it gives an absolute http or https URL that differs from archive to
// archive. An error names field and says what is wrong.
func ParseURL(field, text string) (*template.Template, error) {
	example := `such as "https://github.com/acme/app/releases/download/{{.Tag}}/{{.Name}}"`
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("%s is empty: give the URL each archive is downloaded from, %s", field, example)
	}
	t, err := template.New(field).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	a, err := Execute(t, Fields{Tag: "v1.2.3", Version: "1.2.3", Name: "app_1.2.3_linux_amd64.tar.gz"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w (the fields are .Tag, .Version and .Name)", field, err)
	}
	b, _ := Execute(t, Fields{Tag: "v1.2.3", Version: "1.2.3", Name: "app_1.2.3_darwin_arm64.tar.gz"})
	u, err := url.Parse(a)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, fmt.Errorf("%s gives %q: want an absolute https URL, %s", field, a, example)
	case a == b:
		return nil, fmt.Errorf("%s gives %q for every archive: use {{.Name}}, the archive's file name, %s", field, a, example)
	case strings.ContainsAny(a, " \t\r\n\"'\\"):
		return nil, fmt.Errorf("%s gives %q, which has white space, a quote or a backslash: want a URL", field, a)
	}
	return t, nil
}

// Execute returns the URL t gives for f.
func Execute(t *template.Template, f Fields) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, f); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Tag returns the release's tag for URLs: r.Tag, or the version when the
// release has no tag (a snapshot).
func Tag(r *staticbuild.Run) string { return cmp.Or(r.Tag, r.Version) }

// Version returns the release's version without its leading v, the form
// package managers use: 1.2.3, 1.3.0-rc.1.
func Version(r *staticbuild.Run) string { return strings.TrimPrefix(r.Version, "v") }

// Find returns the release's archives for the systems goos (all when
// none is given), sorted by platform, each with its URL, its top
// directory and the binaries named (every binary of its platform when
// none is named), found by reading the archive. An archive that lacks a
// binary named is an error naming both.
func Find(r *staticbuild.Run, urlTmpl *template.Template, binaries []string, goos ...string) ([]Archive, error) {
	var out []Archive
	for _, a := range r.Artifacts.Of(artifact.Archive) {
		if len(goos) > 0 && !slices.Contains(goos, a.OS) {
			continue
		}
		u, err := Execute(urlTmpl, Fields{Tag: Tag(r), Version: Version(r), Name: a.Name})
		if err != nil {
			return nil, fmt.Errorf("the URL of %s: %w", a.Name, err)
		}
		names := binaries
		if len(names) == 0 {
			for _, b := range r.Artifacts.Of(artifact.Binary) {
				if b.Platform == a.Platform && !slices.Contains(names, b.Binary) {
					names = append(names, b.Binary)
				}
			}
			slices.Sort(names)
		}
		entries, err := list(r.Path(a), a.Name)
		if err != nil {
			return nil, err
		}
		arch := Archive{Artifact: a, URL: u, Dir: topDir(entries)}
		for _, n := range names {
			p, ok := binaryPath(entries, n, a.OS)
			if !ok {
				return nil, fmt.Errorf("the archive %s (%s) holds no binary %s: its files are %s", a.Name, a.Platform, n, files(entries))
			}
			arch.Binaries = append(arch.Binaries, Binary{Name: n, Path: p})
		}
		if len(arch.Binaries) == 0 {
			return nil, fmt.Errorf("the archive %s (%s) holds no binary the release lists", a.Name, a.Platform)
		}
		out = append(out, arch)
	}
	slices.SortFunc(out, func(a, b Archive) int { return strings.Compare(a.Platform, b.Platform) })
	return out, nil
}

// files returns the names of the files among entries, for messages.
func files(entries []entry) string {
	var names []string
	for _, e := range entries {
		if !e.dir {
			names = append(names, e.name)
		}
	}
	return fmt.Sprintf("%q", names)
}

// Pick returns the archive for goos/goarch among as: the one without a
// variant, else the one with the lowest variant (GOAMD64=v1 before v3,
// GOARM=6 before 7), which runs on the most machines.
func Pick(as []Archive, goos, goarch string) (Archive, bool) {
	var best Archive
	found := false
	for _, a := range as {
		if a.OS != goos || a.Arch != goarch {
			continue
		}
		if !found || a.Variant < best.Variant {
			best, found = a, true
		}
	}
	return best, found
}

// binaryPath returns the path in the archive of the binary name, built
// for goos: the shallowest regular file named name (name.exe on windows).
func binaryPath(entries []entry, name, goos string) (string, bool) {
	file := name
	if goos == "windows" {
		file += ".exe"
	}
	best, found := "", false
	for _, e := range entries {
		if e.dir || (e.name != file && !strings.HasSuffix(e.name, "/"+file)) {
			continue
		}
		if !found || strings.Count(e.name, "/") < strings.Count(best, "/") {
			best, found = e.name, true
		}
	}
	return best, found
}

// topDir returns the one directory at the top of the archive that every
// entry is inside, or "".
func topDir(entries []entry) string {
	dir := ""
	for _, e := range entries {
		first, _, nested := strings.Cut(e.name, "/")
		if !nested && !e.dir { // a file at the top
			return ""
		}
		if dir != "" && first != dir {
			return ""
		}
		dir = first
	}
	return dir
}

// Describe returns the platforms of as, for messages: "windows/amd64,
// windows/arm64", or "none".
func Describe(as []Archive) string {
	var ps []string
	for _, a := range as {
		ps = append(ps, a.Platform)
	}
	if len(ps) == 0 {
		return "none"
	}
	return strings.Join(ps, ", ")
}

// Format returns the archive format of goos in the run: Config.Archive's
// for it, else zip for windows and tar.gz for the rest.
func Format(r *staticbuild.Run, goos string) string {
	if f, ok := r.Config.Archive.Formats[goos]; ok {
		return f
	}
	if goos == "windows" {
		return "zip"
	}
	return "tar.gz"
}

// Matrix returns the platforms of the run's matrix (Config.Platforms,
// resolved) whose system is goos and whose architecture is one of
// arches (any when none is given).
func Matrix(r *staticbuild.Run, goos string, arches ...string) []string {
	var out []string
	for _, p := range r.Config.Platforms {
		parts := strings.Split(p, "/")
		if len(parts) >= 2 && parts[0] == goos && (len(arches) == 0 || slices.Contains(arches, parts[1])) {
			out = append(out, p)
		}
	}
	return out
}
