package linuxpkg

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/apk"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/goreleaser/nfpm/v2/rpm"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// buildHost is the build host rpm packages name: a fixed one, so that
// two machines write the same bytes.
const buildHost = "reproducible"

// build builds package i's files for the linux platforms of this run: in
// a shard, those of the shard.
func build(ctx context.Context, r *staticbuild.Run, i int, p Package) error {
	name := p.name(r)
	field := fmt.Sprintf("Package[%d] (%s)", i, name)
	platforms, errs := p.platforms(r)
	if len(errs) > 0 {
		return errors.New(field + errs[0])
	}
	want := p.bins(r.BinaryNames())
	scripts, cleanup, err := copyScripts(r, p.Scripts)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	defer cleanup()
	start := time.Now()
	n := 0
	for _, pl := range platforms {
		var bins []artifact.Artifact
		for _, b := range r.Artifacts.Of(artifact.Binary) {
			if b.Platform == pl && slices.Contains(want, b.Binary) {
				bins = append(bins, b)
			}
		}
		if len(bins) == 0 {
			continue // another shard's platform, or no binary of the package is built for it
		}
		if len(p.Binaries) > 0 && len(bins) != len(p.Binaries) {
			var missing []string
			for _, w := range p.Binaries {
				if !slices.ContainsFunc(bins, func(b artifact.Artifact) bool { return b.Binary == w }) {
					missing = append(missing, w)
				}
			}
			return fmt.Errorf("%s.Binaries: %s is not built for %s (Config.Binaries[].Platforms): leave %s out of Package.Platforms", field, strings.Join(missing, ", "), pl, pl)
		}
		for _, f := range p.formats() {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("cancelled: %w", context.Cause(ctx))
			}
			rel, err := buildOne(r, p, name, f, pl, bins, scripts)
			if err != nil {
				return fmt.Errorf("%s: %s for %s: %w", field, f, pl, err)
			}
			r.Logf("linuxpkg: %s\n", rel)
			n++
		}
	}
	if n > 0 {
		r.Logf("linuxpkg: %s: %d packages in %.2fs\n", name, n, time.Since(start).Seconds())
	}
	return nil
}

// buildOne writes the package of one format and platform.
func buildOne(r *staticbuild.Run, p Package, name, format, pl string, bins []artifact.Artifact, scripts Scripts) (string, error) {
	version, err := packageVersion(r, format)
	if err != nil {
		return "", err
	}
	a, err := arch(format, pl)
	if err != nil {
		return "", err
	}
	mtime := r.Time.UTC()
	info := &nfpm.Info{
		Name: name, Arch: a, Platform: "linux", Version: version, VersionSchema: "none",
		Maintainer: p.Maintainer, Description: cmp.Or(p.Description, name), Vendor: p.Vendor,
		Homepage: p.Homepage, License: p.License, MTime: mtime, DisableGlobbing: true,
	}
	info.Depends, info.Recommends, info.Suggests = p.Depends, p.Recommends, p.Suggests
	info.Conflicts, info.Provides, info.Replaces = p.Conflicts, p.Provides, p.Replaces
	info.Umask = 0o022
	info.Section, info.Priority = cmp.Or(p.Section, "misc"), "optional"
	info.RPM.Group = p.Group
	info.Deb.Arch, info.RPM.Arch, info.APK.Arch = a, a, a
	info.RPM.BuildHost = buildHost
	switch format {
	case "rpm":
		info.Release = rpmRelease
	case "apk":
		info.Release = apkRelease
	}
	owner := func(mode fs.FileMode) *files.ContentFileInfo {
		return &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: mtime}
	}
	for _, b := range bins {
		info.Contents = append(info.Contents, &files.Content{Type: files.TypeFile, Source: r.Path(b),
			Destination: path.Join(binDir, path.Base(b.Path)), FileInfo: owner(0o755)})
	}
	for _, c := range p.Contents {
		ct := &files.Content{Type: files.TypeFile, Source: absPath(r, c.Source), Destination: c.Destination, FileInfo: owner(cmp.Or(c.Mode, 0o644))}
		if c.Config {
			ct.Type = files.TypeConfigNoReplace
		}
		info.Contents = append(info.Contents, ct)
	}
	for _, u := range p.Systemd {
		info.Contents = append(info.Contents, &files.Content{Type: files.TypeFile, Source: absPath(r, u),
			Destination: path.Join(unitDir, path.Base(filepath.ToSlash(u))), FileInfo: owner(0o644)})
	}
	dirs := p.Dirs
	if format == "rpm" {
		// rpm removes only the directories a package owns.
		dirs = append(ownDirs(name, p.Contents), dirs...)
	}
	for j, d := range dirs {
		if slices.Index(dirs, d) == j {
			info.Contents = append(info.Contents, &files.Content{Type: files.TypeDir, Destination: d, FileInfo: owner(0o755)})
		}
	}
	info.Scripts = nfpm.Scripts{PreInstall: scripts.PreInstall, PostInstall: scripts.PostInstall, PreRemove: scripts.PreRemove, PostRemove: scripts.PostRemove}
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", err
	}
	var packager nfpm.Packager
	switch format {
	case "deb":
		packager = deb.Default
	case "rpm":
		packager = rpm.DefaultRPM
	default:
		packager = apk.Default
	}
	var buf bytes.Buffer
	if err := packager.Package(info, &buf); err != nil {
		return "", err
	}
	rel, err := p.file(format, name, version, a, pl, r.Version)
	if err != nil {
		return "", err
	}
	b0 := bins[0]
	err = r.WriteFile(artifact.Artifact{Path: rel, Kind: artifact.Kind(format), Platform: b0.Platform, OS: b0.OS, Arch: b0.Arch, Variant: b0.Variant}, buf.Bytes())
	return rel, err
}

// copyScripts copies the scripts into a temporary directory, dated with
// the build time: apk packages take a script's time from its file, which
// a clone dates with the time of the checkout.
func copyScripts(r *staticbuild.Run, s Scripts) (Scripts, func(), error) {
	list := s.list()
	if len(list) == 0 {
		return s, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "linuxpkg-scripts-")
	if err != nil {
		return s, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	out := Scripts{}
	set := map[string]*string{"PreInstall": &out.PreInstall, "PostInstall": &out.PostInstall, "PreRemove": &out.PreRemove, "PostRemove": &out.PostRemove}
	for _, sc := range list {
		data, err := os.ReadFile(absPath(r, sc.file))
		if err != nil {
			cleanup()
			return s, nil, fmt.Errorf("Scripts.%s: %w", sc.name, err)
		}
		dst := filepath.Join(dir, sc.name)
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			cleanup()
			return s, nil, err
		}
		if err := os.Chtimes(dst, r.Time, r.Time); err != nil {
			cleanup()
			return s, nil, err
		}
		*set[sc.name] = dst
	}
	return out, cleanup, nil
}

// systemDirs are directories a distribution owns, which a package must
// not, even one named after them.
var systemDirs = []string{"/", "/etc", "/etc/default", "/etc/systemd", "/etc/systemd/system", "/opt", "/usr", "/usr/bin", "/usr/lib",
	"/usr/lib/systemd", "/usr/lib/systemd/system", "/usr/libexec", "/usr/local", "/usr/local/bin", "/usr/local/lib", "/usr/local/share",
	"/usr/sbin", "/usr/share", "/usr/share/doc", "/usr/share/licenses", "/usr/share/man", "/var", "/var/lib", "/var/log"}

// ownDirs returns the directories of the package name's own that the
// contents are in, sorted: each parent directory that is named after the
// package or is below one that is, such as /etc/app and /etc/app/conf.d,
// and not the system's. A shared directory, such as
// /etc/bash_completion.d or /usr/share/fish/vendor_completions.d, is
// another package's.
func ownDirs(name string, contents []Content) []string {
	var dirs []string
	for _, c := range contents {
		for d := path.Dir(c.Destination); d != "/" && d != "."; d = path.Dir(d) {
			if slices.Contains(strings.Split(d, "/"), name) && !slices.Contains(systemDirs, d) && !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
	}
	slices.Sort(dirs)
	return dirs
}
