package linuxpkg

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// binDir is where the binaries are installed; unitDir the systemd units.
const (
	binDir  = "/usr/bin"
	unitDir = "/usr/lib/systemd/system"
)

var (
	validName = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	// validSection is a deb section, with an optional archive area.
	validSection = regexp.MustCompile(`^([a-z0-9][a-z0-9+.-]*/)?[a-z0-9][a-z0-9+.-]*$`)
	unitTypes    = []string{".service", ".socket", ".timer", ".target", ".path", ".mount", ".automount", ".slice", ".swap"}
)

// check refuses the packages' bad fields, each error naming its field,
// before anything builds. The packages are checked in turn, each by the
// validators below in the order they are called.
func check(r *staticbuild.Run, pkgs []Package) error {
	if len(pkgs) == 0 {
		return errors.New("linuxpkg.Step has no Package: give it linuxpkg.Package{Maintainer: ...}")
	}
	var errs *multierror.Error
	files := map[string]maker{} // package file -> the package and format that make it
	for i, p := range pkgs {
		field := fmt.Sprintf("Package[%d] (%s)", i, p.name(r))
		msgs := p.checkControl(r)
		msgs = append(msgs, p.checkFormats(r)...)
		msgs = append(msgs, p.checkBinaries(r)...)
		platforms, perrs := p.platforms(r)
		msgs = append(msgs, perrs...)
		msgs = append(msgs, p.checkInstalls(r)...)
		msgs = append(msgs, p.checkScripts(r)...)
		msgs = append(msgs, p.checkRelations()...)
		msgs = append(msgs, p.checkFiles(r, field, platforms, files)...)
		for _, m := range msgs {
			errs = multierror.Append(errs, errors.New(field+m))
		}
	}
	return errlist.Lines(errs)
}

// faults is what is wrong with a package: messages that each follow the
// field that names the package, such as ".Maintainer is empty: ...".
type faults []string

// add adds the message about one of the package's fields, after ".".
func (f *faults) add(format string, args ...any) {
	*f = append(*f, "."+fmt.Sprintf(format, args...))
}

// checkControl checks the fields that name and describe the package:
// Name, Maintainer, License, Vendor, Homepage, Group and Section.
func (p Package) checkControl(r *staticbuild.Run) faults {
	var f faults
	if name := p.name(r); !validName.MatchString(name) {
		what := "Name"
		if p.Name == "" {
			what = "Name (the project's name by default)"
		}
		f.add("%s %q: want lower-case letters, digits, \"+\", \"-\" and \".\", two or more, starting with a letter or digit (what deb, rpm and apk all accept): set Package.Name", what, name)
	}
	if strings.TrimSpace(p.Maintainer) == "" {
		f.add(`Maintainer is empty: deb packages require one, such as "Acme <ops@acme.example>"`)
	} else if strings.ContainsAny(p.Maintainer, "\n\r") {
		f.add("Maintainer %q: want one line", p.Maintainer)
	}
	for _, v := range []struct{ name, value string }{{"License", p.License}, {"Vendor", p.Vendor}, {"Homepage", p.Homepage}, {"Group", p.Group}} {
		if strings.ContainsAny(v.value, "\n\r") {
			f.add("%s %q: want one line", v.name, v.value)
		}
	}
	if p.Homepage != "" {
		if u, err := url.Parse(p.Homepage); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			f.add("Homepage %q: want an http or https URL, such as https://example.com/app", p.Homepage)
		}
	}
	if p.Section != "" && !validSection.MatchString(p.Section) {
		f.add("Section %q: want a deb section, such as \"utils\" or \"contrib/net\"", p.Section)
	}
	return f
}

// checkFormats checks that each of the package's formats is known, listed
// once, and can carry the release's version.
func (p Package) checkFormats(r *staticbuild.Run) faults {
	var f faults
	formats := p.formats()
	for j, format := range formats {
		if !slices.Contains(allFormats, format) {
			f.add("Formats[%d]: unknown format %q: want deb, rpm or apk", j, format)
		} else if slices.Index(formats, format) != j {
			f.add("Formats[%d]: %q is listed twice", j, format)
		} else if _, err := packageVersion(r, format); err != nil {
			f.add("Formats[%d] (%s): %v", j, format, err)
		}
	}
	return f
}

// checkBinaries checks that each of the package's Binaries is one of the
// project's, listed once.
func (p Package) checkBinaries(r *staticbuild.Run) faults {
	var f faults
	names := r.BinaryNames()
	for j, b := range p.Binaries {
		if !slices.Contains(names, b) {
			f.add("Binaries[%d]: the project has no binary named %q (it has %s)", j, b, strings.Join(names, ", "))
		} else if slices.Index(p.Binaries, b) != j {
			f.add("Binaries[%d]: %q is listed twice", j, b)
		}
	}
	return f
}

// checkInstalls checks what the package installs: the binaries, Contents,
// Systemd units and Dirs, each a source of the project (checkSource) and
// a destination of its own, no two at one path.
func (p Package) checkInstalls(r *staticbuild.Run) faults {
	var f faults
	dests := map[string]string{}
	dest := func(d, what string) {
		if other, ok := dests[d]; ok {
			f.add("%s: %s also installs %s: give each file its own Destination", what, other, d)
		}
		dests[d] = what
	}
	for _, b := range p.bins(r.BinaryNames()) {
		dest(path.Join(binDir, b), "binary "+b)
	}
	for j, c := range p.Contents {
		what := fmt.Sprintf("Contents[%d]", j)
		if err := checkSource(r, c.Source); err != nil {
			f.add("%s.Source: %v", what, err)
		}
		if clean := path.Clean(c.Destination); !path.IsAbs(c.Destination) || clean != c.Destination || clean == "/" || strings.HasSuffix(c.Destination, "/") {
			f.add("%s.Destination %q: want the clean absolute path of a file, such as /etc/app/app.conf", what, c.Destination)
		} else {
			dest(c.Destination, what)
		}
		if c.Mode&^0o7777 != 0 {
			f.add("%s.Mode %v: want permissions only, such as 0644", what, c.Mode)
		}
	}
	for j, u := range p.Systemd {
		what := fmt.Sprintf("Systemd[%d]", j)
		if err := checkSource(r, u); err != nil {
			f.add("%s: %v", what, err)
		}
		if !slices.Contains(unitTypes, path.Ext(u)) {
			f.add("%s %q: want a unit file, named NAME.service, .socket, .timer or another unit type", what, u)
		}
		dest(path.Join(unitDir, path.Base(filepath.ToSlash(u))), what)
	}
	for j, d := range p.Dirs {
		what := fmt.Sprintf("Dirs[%d]", j)
		switch {
		case !path.IsAbs(d) || path.Clean(d) != d || d == "/":
			f.add("%s %q: want the clean absolute path of a directory, such as /var/lib/%s", what, d, p.name(r))
		case slices.Contains(systemDirs, d):
			f.add("%s %q is a directory of the system, which the distribution's own packages own: leave it out", what, d)
		case slices.Index(p.Dirs, d) != j:
			f.add("%s: %q is listed twice", what, d)
		default:
			dest(d, what)
		}
	}
	return f
}

// checkScripts checks that each of the package's Scripts that is set is a
// file of the project (checkSource).
func (p Package) checkScripts(r *staticbuild.Run) faults {
	var f faults
	for _, s := range p.Scripts.list() {
		if err := checkSource(r, s.file); err != nil {
			f.add("Scripts.%s: %v", s.name, err)
		}
	}
	return f
}

// checkRelations checks that each element of the package's relations
// (Depends, Recommends, Suggests, Conflicts, Provides, Replaces) names one
// package.
func (p Package) checkRelations() faults {
	var f faults
	for _, rel := range []struct {
		name string
		list []string
	}{{"Depends", p.Depends}, {"Recommends", p.Recommends}, {"Suggests", p.Suggests}, {"Conflicts", p.Conflicts}, {"Provides", p.Provides}, {"Replaces", p.Replaces}} {
		for j, d := range rel.list {
			if strings.TrimSpace(d) == "" || strings.ContainsAny(d, ",\n\r") {
				f.add("%s[%d] %q: want one package per element, such as \"libc6\" or \"foo (>= 1.2)\"", rel.name, j, d)
			}
		}
	}
	return f
}

// checkFiles checks the file of each of the package's platforms and
// formats, recording it in files, which holds the files of the packages
// checked before: a platform a format has no architecture for is reported
// once, as are FileName's mistakes, and two that make one file are
// refused. A platform that is none of Go's linux ports is the release's to
// report. field names the package.
func (p Package) checkFiles(r *staticbuild.Run, field string, platforms []string, files map[string]maker) faults {
	var f faults
	name, formats := p.name(r), p.formats()
	_, err := p.file("deb", name, "1.2.0", "amd64", "linux/amd64", "v1.2.0")
	fileErr := err != nil
	if fileErr {
		f.add("%v", err)
	}
	for _, pl := range platforms {
		if !linuxPort(pl) {
			continue
		}
		var lacking []string
		for _, format := range formats {
			version, err := packageVersion(r, format)
			if err != nil || !slices.Contains(allFormats, format) {
				continue
			}
			a, err := arch(format, pl)
			if err != nil {
				lacking = append(lacking, format)
				continue
			}
			file, err := p.file(format, name, version, a, pl, r.Version)
			if err != nil {
				if !fileErr {
					f.add("%v", err)
				}
				fileErr = true
				continue
			}
			this := maker{field + " " + pl, format}
			if other, ok := files[file]; ok && other.format == format {
				sep := ": "
				if len(p.Platforms) > 0 {
					sep = ".Platforms: "
				}
				f = append(f, fmt.Sprintf("%s%s and %s both make %s: list one of them in Package.Platforms", sep, other.what, this.what, file))
			} else if ok && !fileErr {
				fileErr = true
				f.add("FileName: %s's %s and %s's %s both make %s: give each format its own name, such as with {{.Ext}}", other.what, other.format, this.what, format, file)
			}
			files[file] = this
		}
		if len(lacking) > 0 {
			f = append(f, p.noArch(r, pl, lacking))
		}
	}
	return f
}

// maker is the package, platform and format that make a file.
type maker struct{ what, format string }

// noArch says that the platform pl, from Package.Platforms or else the
// matrix, has no architecture in the formats lacking, after the field
// that names the package.
func (p Package) noArch(r *staticbuild.Run, pl string, lacking []string) string {
	formats := strings.Join(lacking, " or ")
	for j, s := range p.Platforms {
		if parsed, err := platform.Parse(s); err == nil && parsed.String() == pl {
			return fmt.Sprintf(".Platforms[%d]: %s has no %s architecture: leave %s out of Package.Platforms or %s out of Package.Formats", j, s, formats, s, formats)
		}
	}
	return fmt.Sprintf(": %s, a platform of the matrix (%s), has no %s architecture, and Package.Platforms is not set: set it to the linux platforms to package, without %s, or leave %s out of Package.Formats",
		pl, r.MatrixFrom(), formats, pl, formats)
}

// checkSource checks that a file of the project exists, inside it.
func checkSource(r *staticbuild.Run, f string) error {
	if f == "" {
		return errors.New("the file is empty: name a file of the project, relative to its root")
	}
	clean := path.Clean(filepath.ToSlash(f))
	if filepath.IsAbs(f) || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("%q: want a file inside the module, relative to its root, without ..: copy the file into the module", f)
	}
	full := absPath(r, f)
	info, err := os.Stat(full)
	if err != nil {
		return fmt.Errorf("%q: %w: add the file to the module", f, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%q is not a regular file", f)
	}
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return fmt.Errorf("%q: %w", f, err)
	}
	root, err := filepath.EvalSymlinks(r.Dir)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%q is a link to %s, outside the module: copy the file into the module", f, real)
	}
	return nil
}

// platforms returns the linux platforms the package is built for, and
// what is wrong with its Platforms, each after the field that names the
// package (".Platforms[0]: ...", or ": the matrix ..." when Platforms is
// not set).
func (p Package) platforms(r *staticbuild.Run) ([]string, []string) {
	var linux []string
	for _, s := range r.Config.Platforms {
		if strings.HasPrefix(s, "linux/") {
			linux = append(linux, s)
		}
	}
	if len(p.Platforms) == 0 {
		if len(linux) == 0 {
			return nil, []string{fmt.Sprintf(": the matrix (%s, from %s) has no linux platform to package: add one, such as linux/amd64", strings.Join(r.Config.Platforms, ", "), r.MatrixFrom())}
		}
		return linux, nil
	}
	var out, errs []string
	for j, s := range p.Platforms {
		pl, err := platform.Parse(s)
		switch {
		case err != nil:
			errs = append(errs, fmt.Sprintf(".Platforms[%d]: %v", j, err))
		case pl.OS != "linux":
			errs = append(errs, fmt.Sprintf(".Platforms[%d]: %s is not a linux platform", j, s))
		case !slices.Contains(linux, pl.String()):
			errs = append(errs, fmt.Sprintf(".Platforms[%d]: %s is not in the matrix (%s)", j, s, strings.Join(r.Config.Platforms, ", ")))
		case slices.Contains(out, pl.String()):
			errs = append(errs, fmt.Sprintf(".Platforms[%d]: %s is listed twice", j, s))
		default:
			out = append(out, pl.String())
		}
	}
	return out, errs
}

func (p Package) name(r *staticbuild.Run) string {
	if p.Name != "" {
		return p.Name
	}
	return r.Project()
}

func (p Package) formats() []string {
	if len(p.Formats) == 0 {
		return allFormats
	}
	return p.Formats
}

// bins returns the names of the package's binaries.
func (p Package) bins(all []string) []string {
	if len(p.Binaries) > 0 {
		return p.Binaries
	}
	return all
}

// sources returns the project's files the package installs or runs.
func (p Package) sources() []string {
	var out []string
	for _, c := range p.Contents {
		out = append(out, c.Source)
	}
	out = append(out, p.Systemd...)
	for _, s := range p.Scripts.list() {
		out = append(out, s.file)
	}
	return out
}

type script struct{ name, file string }

// list returns the scripts that are set.
func (s Scripts) list() []script {
	var out []script
	for _, sc := range []script{{"PreInstall", s.PreInstall}, {"PostInstall", s.PostInstall}, {"PreRemove", s.PreRemove}, {"PostRemove", s.PostRemove}} {
		if sc.file != "" {
			out = append(out, sc)
		}
	}
	return out
}

// absPath returns the path of a file of the project.
func absPath(r *staticbuild.Run, f string) string {
	return filepath.Join(r.Dir, filepath.FromSlash(f))
}
