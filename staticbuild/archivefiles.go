package staticbuild

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/archive"
)

// extraFiles returns the files every archive of a holds beside the binaries,
// with their SHA-256s: those Config.Archive.Files lists, else the README,
// LICENSE and CHANGELOG files at the module's root, dir. An entry of
// Archive.Files may be a glob (path.Match's syntax, with "**" for any
// number of directories); its matches are taken in order of their paths.
func extraFiles(a Archive, dir string) ([]archive.File, []string, error) {
	var files []archive.File
	if len(a.Files) > 0 {
		var missing []string
		for _, f := range a.Files {
			names := []string{path.Clean(filepath.ToSlash(f))}
			if isGlob(f) {
				var err error
				if names, err = glob(dir, path.Clean(filepath.ToSlash(f))); err != nil {
					return nil, nil, fmt.Errorf("Config.Archive.Files: %s: %w", f, err)
				}
				if len(names) == 0 {
					return nil, nil, fmt.Errorf("Config.Archive.Files: the pattern %s matches no file in %s: correct it or remove it from the list", f, dir)
				}
			}
			for _, rel := range names {
				name := filepath.Join(dir, filepath.FromSlash(rel))
				fi, err := os.Stat(name)
				if err != nil || !fi.Mode().IsRegular() {
					missing = append(missing, f)
					continue
				}
				if real, err := filepath.EvalSymlinks(name); err != nil || !inside(dir, real) {
					return nil, nil, fmt.Errorf("Config.Archive.Files: %s is a link to %s, outside the module %s: copy the file into the module", rel, real, dir)
				}
				files = append(files, archive.File{Name: rel, Source: name})
			}
		}
		if len(missing) > 0 {
			verb := " is"
			if len(missing) > 1 {
				verb = " are"
			}
			return nil, nil, fmt.Errorf("Config.Archive.Files: %s not a file in %s: create it or remove it from the list", strings.Join(missing, ", ")+verb, dir)
		}
	} else {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range entries {
			upper := strings.ToUpper(e.Name())
			if !e.Type().IsRegular() {
				continue
			}
			for _, prefix := range []string{"README", "LICENSE", "LICENCE", "CHANGELOG"} {
				if strings.HasPrefix(upper, prefix) {
					files = append(files, archive.File{Name: e.Name(), Source: filepath.Join(dir, e.Name())})
					break
				}
			}
		}
	}
	// The extra files are the same in every archive: hash them once.
	sums := make([]string, len(files))
	for i, f := range files {
		var err error
		if sums[i], err = archive.SHA256File(f.Source); err != nil {
			return nil, nil, fmt.Errorf("archive: %w", err)
		}
	}
	return files, sums, nil
}

// isGlob reports whether an entry of Archive.Files is a pattern.
func isGlob(f string) bool { return strings.ContainsAny(f, "*?[") }

// glob returns the regular files under dir whose slash-separated paths
// relative to dir match pattern, sorted. A "**" element matches any number
// of directories; the others are matched by path.Match. The .git
// directory is never entered.
func glob(dir, pattern string) ([]string, error) {
	if _, err := path.Match(strings.ReplaceAll(pattern, "**", "*"), ""); err != nil {
		return nil, fmt.Errorf("not a valid pattern: %w", err)
	}
	elems := strings.Split(pattern, "/")
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if matchElems(elems, strings.Split(rel, "/")) {
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// matchElems matches a path's elements against a pattern's.
func matchElems(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchElems(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
