// Package linuxpkg builds deb, rpm and apk packages from the very binaries
// a release verified, with nfpm as a library: one package per format and
// linux platform, dated with the build time so that two clones give the
// same bytes. Add its step to the release:
//
//	func init() {
//		staticbuild.Project.Steps = []staticbuild.Step{
//			linuxpkg.Step(linuxpkg.Package{
//				Maintainer: "Acme <ops@acme.example>",
//				Systemd:    []string{"packaging/app.service"},
//			}),
//		}
//	}
//
// "mage release" then writes dist/app_1.2.3_amd64.deb,
// dist/app-1.2.3-1.x86_64.rpm, dist/app_1.2.3-r0_x86_64.apk and the
// others, and lists them in artifacts.json (kinds "deb", "rpm" and "apk")
// and in the checksum file. A bad field fails the release before anything
// builds. A magefile that does not import the package compiles none of
// nfpm.
package linuxpkg

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// The kinds of the artifacts the step adds.
const (
	kindDeb artifact.Kind = "deb"
	kindRPM artifact.Kind = "rpm"
	kindAPK artifact.Kind = "apk"
)

// allFormats are the package formats the step builds, by default all.
var allFormats = []string{"deb", "rpm", "apk"}

// Package configures the packages of one name: one per format and linux
// platform.
type Package struct {
	// Name is the package's name: lower-case letters, digits, "+", "-"
	// and ".". Default: the project's name.
	Name string
	// Binaries are the binaries installed in /usr/bin, with mode 0755.
	// Default: every binary.
	Binaries []string
	// Platforms are the linux platforms to package, such as
	// "linux/amd64". Default: every linux platform of the matrix.
	Platforms []string
	// Formats are some of "deb", "rpm" and "apk". Default: all three.
	Formats []string
	// Maintainer, such as "Acme <ops@acme.example>", is required: deb
	// requires it, and rpm names it as the packager.
	Maintainer string
	// Description is the package's description; its first line is the
	// summary. Default: the package's name.
	Description string
	// License (such as "MIT"), Homepage (a URL) and Vendor are optional.
	License, Homepage, Vendor string
	// Contents are the extra files and configuration files. An rpm owns
	// the directories they create under the package's own paths: a
	// parent directory named after the package (such as /etc/app or
	// /usr/share/doc/app) and those below it, never a shared one such as
	// /etc/bash_completion.d or /usr/share/fish, which other packages own.
	// A deb and an apk own no directory: dpkg and apk count the packages
	// that use one.
	Contents []Content
	// Dirs are directories the package creates and owns in every format,
	// such as /var/lib/app (created empty) or /opt/acme: those that are
	// not named after the package. Optional.
	Dirs []string `json:",omitempty"`
	// Systemd are systemd unit files of the project (such as
	// "packaging/app.service"), installed in /usr/lib/systemd/system with
	// mode 0644. The package does not enable them: a PostInstall script
	// can ("systemctl daemon-reload").
	Systemd []string
	// Scripts are the package manager's maintainer scripts.
	Scripts Scripts
	// Relations to other packages, one per element, such as "libc6" or
	// "ca-certificates"; the names are the target distribution's.
	Depends, Recommends, Suggests, Conflicts, Provides, Replaces []string
	// Section is the deb's section, such as "utils" or "contrib/net".
	// Default: "misc".
	Section string `json:",omitempty"`
	// Group is the rpm's group, such as "Applications/System". Optional.
	Group string `json:",omitempty"`
	// FileName is a text/template for the name of each package file in
	// the output directory. Its fields are .Name, .Version and .Release
	// (the package's, in the format's rules), .Arch (the format's name for
	// the architecture, such as x86_64 in an rpm), .OS ("linux"),
	// .Platform (as archives name it, such as linux_amd64 or
	// linux_armv7), .Tag (the release's version, such as v1.2.0), .Format
	// ("deb", "rpm" or "apk") and .Ext (".deb", ".rpm" or ".apk"), such as
	// "{{.Name}}_{{.Version}}_{{.Platform}}{{.Ext}}". Default: each
	// format's conventional name, such as app_1.2.0_amd64.deb,
	// app-1.2.0-1.x86_64.rpm and app_1.2.0-r0_x86_64.apk.
	FileName string `json:",omitempty"`
}

// Content is one extra file of a package.
type Content struct {
	// Source is a file of the project, relative to its root.
	Source string
	// Destination is the file's absolute path once installed, such as
	// "/etc/app/app.conf".
	Destination string
	// Config marks a configuration file: an upgrade keeps the user's
	// changes to it (a deb conffile, an rpm %config(noreplace)).
	Config bool
	// Mode is the file's permissions. Default: 0644.
	Mode fs.FileMode
}

// Scripts are the maintainer scripts, files of the project run by the
// package manager with /bin/sh unless they start with another #! line.
type Scripts struct {
	PreInstall, PostInstall, PreRemove, PostRemove string
}

// Step returns the release step that builds the packages after the SBOMs,
// so that the checksum file lists them. Its Check refuses a bad field
// before anything builds, naming it. Each package needs the binaries of
// one platform only, so in a release built in shards each shard builds
// the packages of its platforms, and Merge copies them as it copies the
// binaries: the same bytes a single release writes.
func Step(pkgs ...Package) staticbuild.Step {
	settings, _ := json.Marshal(pkgs)
	return staticbuild.Step{
		Name: "linuxpkg", After: "sbom",
		Key:   "linuxpkg 2 " + string(settings),
		Check: func(ctx context.Context, r *staticbuild.Run) error { return checkAll(r, pkgs) },
		Run: func(ctx context.Context, r *staticbuild.Run) error {
			for i, p := range pkgs {
				if err := build(ctx, r, i, p); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// checkAll checks every package and adds the contents of the files they
// install to the release's key.
func checkAll(r *staticbuild.Run, pkgs []Package) error {
	if err := check(r, pkgs); err != nil {
		return err
	}
	for _, p := range pkgs {
		for _, f := range p.sources() {
			data, err := os.ReadFile(absPath(r, f))
			if err != nil {
				return err
			}
			r.AddKey(fmt.Sprintf("linuxpkg file %q %x", f, sha256.Sum256(data)))
		}
	}
	return nil
}
