package sizegate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/verify/pkgsize"
)

// BaselineFormat names the format of baseline files; it is their first
// field, so that a file of another kind is recognized as such.
const BaselineFormat = "magestatic-size-baseline/1"

// Other is the path of the line of an [Entry] that adds up the packages
// below its top N.
const Other = "(other)"

// A Baseline is the sizes of a project's binaries at some commit, that
// later builds are compared with. It is kept in a file committed with the
// project, written by WriteBaseline only when the user asks for it.
type Baseline struct {
	// Project is the module path or name of the project the sizes are of;
	// ReadBaseline refuses the file of another project.
	Project string
	// Platforms holds an entry per platform, keyed by GOOS/GOARCH.
	Platforms map[string]Entry
}

// An Entry is the size of one platform's binary.
type Entry struct {
	// Size is the file size in bytes.
	Size int64 `json:"size"`
	// Packages is the code of the largest packages, as pkgsize.Read
	// reports it, largest first, and a last line, Other, for the rest.
	Packages []pkgsize.Package `json:"packages"`
}

// file is the JSON form of a Baseline.
type file struct {
	Format    string           `json:"format"`
	Project   string           `json:"project"`
	Platforms map[string]Entry `json:"platforms"`
}

// ReadBaseline reads the baseline file at path, which must be of the
// given project. A missing file is an empty baseline, every platform of
// which is new; a file that is corrupt or of another project is an error
// that names the file and what to do.
func ReadBaseline(path, project string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Baseline{Project: project, Platforms: map[string]Entry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading size baseline: %w", err)
	}
	b, err := parseBaseline(data)
	if err != nil {
		return nil, fmt.Errorf("size baseline %s is corrupt: %w; fix it, or delete it and record a new baseline", path, err)
	}
	if b.Project != project {
		return nil, fmt.Errorf("size baseline %s is of project %q, not %q: point the baseline path at this project's file, or record a new baseline", path, b.Project, project)
	}
	return b, nil
}

// parseBaseline decodes and checks the contents of a baseline file.
func parseBaseline(data []byte) (*Baseline, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	switch {
	case f.Format == "":
		return nil, fmt.Errorf("no format field: not a size baseline (want format %q)", BaselineFormat)
	case f.Format != BaselineFormat:
		return nil, fmt.Errorf("format %q, want %q", f.Format, BaselineFormat)
	case f.Project == "":
		return nil, errors.New("no project field")
	}
	if f.Platforms == nil {
		f.Platforms = map[string]Entry{}
	}
	for platform, e := range f.Platforms {
		if err := checkEntry(platform, e); err != nil {
			return nil, err
		}
	}
	return &Baseline{Project: f.Project, Platforms: f.Platforms}, nil
}

// checkEntry checks one platform's entry.
func checkEntry(platform string, e Entry) error {
	goos, goarch, ok := strings.Cut(platform, "/")
	if !ok || goos == "" || goarch == "" || strings.ContainsAny(goarch, "/ ") {
		return fmt.Errorf("platform %q is not GOOS/GOARCH", platform)
	}
	if e.Size <= 0 {
		return fmt.Errorf("platform %s: size %d", platform, e.Size)
	}
	seen := make(map[string]bool)
	var code int64
	for _, p := range e.Packages {
		if p.Path == "" || p.Bytes < 0 || seen[p.Path] {
			return fmt.Errorf("platform %s: bad package line %+v", platform, p)
		}
		seen[p.Path] = true
		code += p.Bytes
		if code > e.Size {
			return fmt.Errorf("platform %s: packages add up to more than the size", platform)
		}
	}
	return nil
}

// WriteBaseline writes b to path, atomically: a reader sees the old file
// or the new one, never part of one. The file is JSON with sorted keys,
// two-space indents, one package per line and a final newline, so that
// the same sizes always give the same bytes and a change shows as a small
// diff.
func WriteBaseline(path string, b *Baseline) error {
	if b.Project == "" {
		return errors.New("writing size baseline: no project")
	}
	for platform, e := range b.Platforms {
		if err := checkEntry(platform, e); err != nil {
			return fmt.Errorf("writing size baseline: %w", err)
		}
	}
	data := encodeBaseline(b)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing size baseline: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing size baseline: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing size baseline: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing size baseline: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing size baseline: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing size baseline: %w", err)
	}
	return nil
}

// encodeBaseline returns the file contents for b.
func encodeBaseline(b *Baseline) []byte {
	var buf bytes.Buffer
	str := func(s string) string {
		q, _ := json.Marshal(s) // strings always marshal
		return string(q)
	}
	fmt.Fprintf(&buf, "{\n  \"format\": %s,\n  \"project\": %s,\n  \"platforms\": {", str(BaselineFormat), str(b.Project))
	platforms := make([]string, 0, len(b.Platforms))
	for p := range b.Platforms {
		platforms = append(platforms, p)
	}
	slices.Sort(platforms)
	for i, p := range platforms {
		e := b.Platforms[p]
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, "\n    %s: {\n      \"size\": %d,\n      \"packages\": [", str(p), e.Size)
		for j, pkg := range e.Packages {
			if j > 0 {
				buf.WriteString(",")
			}
			fmt.Fprintf(&buf, "\n        {\"path\": %s, \"bytes\": %d}", str(pkg.Path), pkg.Bytes)
		}
		if len(e.Packages) > 0 {
			buf.WriteString("\n      ")
		}
		buf.WriteString("]\n    }")
	}
	if len(platforms) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("}\n}\n")
	return buf.Bytes()
}
