package archive

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
)

// entry is one archive member as written: a regular file or a directory.
type entry struct {
	name   string // full path in the archive; directories end in "/"
	source string // file on disk; empty for directories
	mode   fs.FileMode
}

func (e entry) isDir() bool { return strings.HasSuffix(e.name, "/") }

// plan checks files and returns the archive's entries, directories
// included, sorted by name. A directory sorts before its contents because
// its name is a prefix of theirs.
func plan(files []File, wrap string) ([]entry, error) {
	if wrap != "" {
		if err := validName(wrap); err != nil {
			return nil, fmt.Errorf("archive: wrap directory %q: %w", wrap, err)
		}
	}
	var entries []entry
	byName := make(map[string]string) // full name -> File.Name
	byFold := make(map[string]string) // lower-cased full name -> full name
	dirs := make(map[string]struct{}) // directory names, without trailing slash
	for i, f := range files {
		if err := validName(f.Name); err != nil {
			if f.Name == "" {
				return nil, fmt.Errorf("archive: entry %d (source %q): %w", i, f.Source, err)
			}
			return nil, fmt.Errorf("archive: entry %q: %w", f.Name, err)
		}
		full := path.Join(wrap, f.Name)
		if _, dup := byName[full]; dup {
			return nil, fmt.Errorf("archive: entry %q: duplicate name", f.Name)
		}
		if other, dup := byFold[strings.ToLower(full)]; dup {
			return nil, fmt.Errorf("archive: entry %q: same name as %q on case-insensitive file systems", f.Name, other)
		}
		if err := checkSource(f.Source); err != nil {
			return nil, fmt.Errorf("archive: entry %q: %w", f.Name, err)
		}
		byName[full] = f.Name
		byFold[strings.ToLower(full)] = full
		mode := fs.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		entries = append(entries, entry{name: full, source: f.Source, mode: mode})
		for d := path.Dir(full); d != "."; d = path.Dir(d) {
			dirs[d] = struct{}{}
		}
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if name, ok := byName[d]; ok {
			return nil, fmt.Errorf("archive: entry %q: name is also a directory of other entries", name)
		}
		if other, ok := byFold[strings.ToLower(d)]; ok && other != d {
			return nil, fmt.Errorf("archive: directory %q: same name as %q on case-insensitive file systems", d, other)
		}
		byFold[strings.ToLower(d)] = d
		entries = append(entries, entry{name: d + "/", mode: fs.ModeDir | 0o755})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return entries, nil
}

// checkSource reports why src cannot be archived as a regular file.
func checkSource(src string) error {
	if src == "" {
		return fmt.Errorf("no source file")
	}
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if fi.IsDir() {
		return fmt.Errorf("source %s is a directory, not a file", src)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("source %s is not a regular file (mode %s)", src, fi.Mode())
	}
	return nil
}

// openSource opens an entry's source file, which must still be a regular
// file when it is read.
func openSource(name string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("source %s is not a regular file", name)
	}
	return f, fi, nil
}
