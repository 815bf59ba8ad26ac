//go:build unix

package staticbuild

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// check tests the invariants of the output directory after an operation
// and returns what is wrong. wrote is true when the operation was a
// successful run that writes dist/ (release, cross, build, merge).
//
//   - artifacts.json reads, and every file it lists exists with its
//     SHA-256, all of one version;
//   - sha256sum -c SHA256SUMS passes in dist/ when the manifest lists it;
//   - every file a version was released with keeps its bytes whenever a
//     manifest lists it again, and its checksum file is one the version
//     was released with, unless it lists none of the version's files (the
//     version released under other archive names);
//   - a binary of a version, commit and path always has the same bytes,
//     unless the version says the tree had uncommitted changes, which it
//     does not name;
//   - a file the manifest does not list is a file of the last complete
//     release, with its bytes, or a binary seen before;
//   - no temporary (.tmp-) name is left after a successful run;
//   - Verify passes on the binaries the manifest lists.
//
// While a corruption the test made has not yet been met by a successful
// release, the checks of files' contents are left out: the next release
// must repair or refuse, and the checks after it hold it to that.
func (s *seq) check(wrote bool) []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	list, err := artifact.Read(filepath.Join(s.dist, manifestName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if s.hadManifest && !s.tainted {
			add("dist/artifacts.json is gone")
		}
	case err != nil:
		if !s.tainted {
			add("dist/artifacts.json does not read: %v", err)
		}
		list = nil
	}
	if list != nil {
		s.hadManifest = true
	}
	listed := map[string]bool{}
	for _, a := range list {
		listed[a.Path] = true
	}
	if !s.tainted || wrote {
		errs = append(errs, s.checkListed(list)...)
	}
	if !s.tainted {
		errs = append(errs, s.checkUnlisted(listed)...)
	}
	if wrote {
		filepath.WalkDir(s.dist, func(p string, d fs.DirEntry, err error) error {
			if err == nil && atomicfile.IsTemp(d.Name()) {
				add("%s is left after a successful run", s.rel(p))
			}
			return nil
		})
	}
	if len(errs) == 0 && (!s.tainted || wrote) && len(list.Of(artifact.Binary)) > 0 {
		if r := s.run("verify", s.cfg, ""); !r.ok() {
			add("Verify fails on dist/:\n%s", r.out)
		}
	}
	return errs
}

// checkListed checks the files the manifest lists.
func (s *seq) checkListed(list artifact.List) []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	for _, a := range list {
		name := filepath.Join(s.dist, filepath.FromSlash(a.Path))
		sum, err := archive.SHA256File(name)
		switch {
		case err != nil:
			add("%s is listed in artifacts.json but does not read: %v", a.Path, err)
		case sum != a.SHA256:
			add("%s has SHA-256 %s, artifacts.json says %s", a.Path, sum, a.SHA256)
		}
		if a.Version != list[0].Version {
			add("artifacts.json mixes versions: %s is %s, %s is %s", a.Path, a.Version, list[0].Path, list[0].Version)
		}
		switch a.Kind {
		case artifact.Binary:
			key := a.Version + " " + a.Commit + " " + a.Path
			if before, ok := s.binaries[key]; ok && before != a.SHA256 && !dirty(a.Version) {
				add("binary %s of %s (commit %.12s) had SHA-256 %s, now %s: a build is not reproducible or a corrupted file was shipped", a.Path, a.Version, a.Commit, before, a.SHA256)
			}
		case artifact.Checksums:
			cmd := exec.Command("sha256sum", "--strict", "-c", a.Path)
			cmd.Dir = s.dist
			if out, err := cmd.CombinedOutput(); err != nil {
				add("sha256sum -c %s in dist/: %v\n%s", a.Path, err, out)
			}
			if sums := s.sums[a.Version][a.Path]; len(sums) > 0 && !sums[a.SHA256] {
				add("%s of %s was released with SHA-256 %s, artifacts.json now lists %s, which lists files of the version: a published version changed its bytes", a.Path, a.Version, strings.Join(slices.Sorted(maps.Keys(sums)), " or "), a.SHA256)
			}
		default:
			if before, ok := s.released[a.Version][a.Path]; ok && before != a.SHA256 {
				add("%s of %s was released with SHA-256 %s, artifacts.json now lists %s: a published version changed its bytes", a.Path, a.Version, before, a.SHA256)
			}
		}
	}
	return errs
}

// checkUnlisted checks the files in dist/ that the manifest does not list.
func (s *seq) checkUnlisted(listed map[string]bool) []string {
	var errs []string
	filepath.WalkDir(s.dist, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel := s.rel(p)
		switch d.Name() {
		case stateName, lockName, ".gitignore", manifestName:
			return nil
		}
		if listed[rel] || atomicfile.IsTemp(d.Name()) {
			return nil
		}
		sum, err := archive.SHA256File(p)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s does not read: %v", rel, err))
			return nil
		}
		if want, ok := s.lastRelease[rel]; ok {
			if want != sum {
				errs = append(errs, fmt.Sprintf("%s of the last release changed: SHA-256 %s, released as %s", rel, sum, want))
			}
			return nil
		}
		if !s.seenBinary[sum] {
			errs = append(errs, fmt.Sprintf("%s is in dist/ but neither in artifacts.json nor of the last release (a file of another run)", rel))
		}
		return nil
	})
	return errs
}

// record notes what a successful run made, as it reported it: the files
// of a release, the binaries' checksums.
func (s *seq) record(r *seqRun) {
	list, err := artifact.Read(r.result)
	if err != nil {
		return
	}
	release := len(list.Of(artifact.Archive)) > 0
	for _, a := range list.Of(artifact.Binary) {
		key := a.Version + " " + a.Commit + " " + a.Path
		if _, ok := s.binaries[key]; !ok {
			s.binaries[key] = a.SHA256
		}
		s.seenBinary[a.SHA256] = true
	}
	if !release {
		return
	}
	s.lastRelease = map[string]string{}
	// A checksum file is released when it is one the version was released
	// with, or lists none of the files the version was released with
	// before. Anything else is not recorded, so that check finds it.
	for _, a := range list.Of(artifact.Checksums) {
		if s.sums[a.Version][a.Path][a.SHA256] || !s.listsReleased(list, a.Version) {
			s.addSum(a.Version, a.Path, a.SHA256)
		}
	}
	for _, a := range list {
		if a.Kind == artifact.Binary {
			continue
		}
		s.lastRelease[a.Path] = a.SHA256
		if a.Kind == artifact.Checksums {
			continue
		}
		if s.released[a.Version] == nil {
			s.released[a.Version] = map[string]string{}
		}
		if _, ok := s.released[a.Version][a.Path]; !ok {
			s.released[a.Version][a.Path] = a.SHA256
		}
	}
}

// listsReleased reports whether the checksum file of list, a release of
// version, lists a file the version was released with before: it lists
// every file of the manifest but binaries and itself, as the sequence's
// steps add none after the checksums.
func (s *seq) listsReleased(list artifact.List, version string) bool {
	for _, a := range list {
		if _, ok := s.released[version][a.Path]; ok && a.Kind != artifact.Binary && a.Kind != artifact.Checksums {
			return true
		}
	}
	return false
}

// addSum records sum as a checksum file released for version at path.
func (s *seq) addSum(version, path, sum string) {
	if s.sums[version] == nil {
		s.sums[version] = map[string]seqSet{}
	}
	if s.sums[version][path] == nil {
		s.sums[version][path] = seqSet{}
	}
	s.sums[version][path][sum] = true
}

// dirty reports whether version is that of a tree with uncommitted
// changes, whose binaries differ as the changes do.
func dirty(version string) bool { return strings.HasSuffix(version, "-dirty") }

// rel returns a path in dist/ relative to it, with slashes.
func (s *seq) rel(p string) string {
	r, _ := filepath.Rel(s.dist, p)
	return filepath.ToSlash(r)
}

// forget drops what the engine cannot know any more once the state file
// is gone: the versions released before, except the files (and the
// checksum file) of the one the manifest in dist/ still lists.
func (s *seq) forget(manifest bool) {
	list, _ := artifact.Read(filepath.Join(s.dist, manifestName))
	keep := map[string]bool{}
	if manifest && len(list.Of(artifact.Archive)) > 0 {
		for _, a := range list {
			keep[a.Version+" "+a.Path] = true
		}
	}
	for v, files := range s.released {
		for p := range files {
			if !keep[v+" "+p] {
				delete(files, p)
			}
		}
		if len(files) == 0 {
			delete(s.released, v)
			s.forgotten++
		}
	}
	sums := s.sums
	s.sums = map[string]map[string]seqSet{}
	for _, a := range list.Of(artifact.Checksums) {
		if keep[a.Version+" "+a.Path] && sums[a.Version][a.Path][a.SHA256] {
			s.addSum(a.Version, a.Path, a.SHA256)
		}
	}
}
