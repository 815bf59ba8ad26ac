// Package downloadtest makes release runs for the tests of the package
// manager steps: real archives, written by the release's own archive
// writer, listed as a release lists them, without building.
package downloadtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
)

// Release returns a run of the release tag of the project "app" whose
// dist/ holds, for each platform, an archive named as a release names it
// (app_1.2.3_windows_amd64.zip) holding the binaries named (with .exe on
// windows) and a README, inside a directory named after the archive when
// wrap is set, and
// lists the archives and binaries in Artifacts.
func Release(t testing.TB, tag string, wrap bool, binaries []string, platforms ...string) *staticbuild.Run {
	t.Helper()
	dist := t.TempDir()
	src := t.TempDir()
	version := tag[strings.LastIndex(tag, "/")+1:]
	r := &staticbuild.Run{Dist: dist, Version: version, Tag: tag, Commit: strings.Repeat("ab", 20)}
	r.Config.Archive.Checksums = "SHA256SUMS"
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r.Time = mtime
	readme := filepath.Join(src, "README.md")
	if err := os.WriteFile(readme, []byte("the app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, pl := range platforms {
		p, err := platform.Parse(pl)
		if err != nil {
			t.Fatal(err)
		}
		r.Config.Platforms = append(r.Config.Platforms, pl)
		files := []archive.File{{Name: "README.md", Source: readme}}
		for _, b := range binaries {
			bin := filepath.Join(src, p.Suffix()+"_"+b+p.Ext())
			// Not a program: the steps read the archives' names and
			// checksums, never run what is inside.
			if err := os.WriteFile(bin, []byte(pl+" "+b+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			files = append(files, archive.File{Name: b + p.Ext(), Source: bin, Executable: true})
			r.Artifacts = append(r.Artifacts, artifact.Artifact{
				Name: b + p.Ext(), Path: p.Suffix() + "/" + b + p.Ext(), Kind: artifact.Binary, Binary: b,
				Platform: p.String(), OS: p.OS, Arch: p.Arch, Variant: p.Variant, Version: version,
			})
		}
		format := archive.FormatFor(p.OS)
		name := "app_" + strings.TrimPrefix(version, "v") + "_" + p.ArchiveSuffix() + "." + string(format)
		w := ""
		if wrap {
			w = strings.TrimSuffix(name, "."+string(format))
		}
		dst := filepath.Join(dist, name)
		if err := archive.Write(dst, files, archive.Options{Format: format, Time: mtime, Wrap: w}); err != nil {
			t.Fatal(err)
		}
		sum, err := archive.SHA256File(dst)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(dst)
		r.Artifacts = append(r.Artifacts, artifact.Artifact{
			Name: name, Path: name, Kind: artifact.Archive, Platform: p.String(), OS: p.OS, Arch: p.Arch,
			Variant: p.Variant, Size: fi.Size(), SHA256: sum, Version: version,
		})
	}
	r.Artifacts.Sort()
	return r
}
