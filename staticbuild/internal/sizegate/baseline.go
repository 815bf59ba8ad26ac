package sizegate

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/verify/pkgsize"
)

// BaselineFormat names the format of the baseline files WriteBaseline
// writes; it is their first field, so that a file of another kind is
// recognized as such. ReadBaseline also reads files of the format before
// it, "magestatic-size-baseline/1", whose entries name no binary.
const BaselineFormat = "magestatic-size-baseline/2"

// baselineFormat1 is the format of files written before baselines named
// binaries: their entries are keyed by platform alone.
const baselineFormat1 = "magestatic-size-baseline/1"

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
	// Entries holds an entry per binary and platform.
	Entries map[Key]Entry
}

// A Key names the binary an [Entry] is the size of.
type Key struct {
	// Name is the binary's name, such as "server"; it is "" in the
	// entries of a file of format 1, which named no binaries (see Check).
	Name string
	// Platform is "os/arch" or "os/arch/variant", such as "linux/arm/7",
	// as package platform writes it.
	Platform string
}

// String returns the key as messages name a binary: "server linux/amd64".
func (k Key) String() string {
	if k.Name == "" {
		return k.Platform
	}
	return k.Name + " " + k.Platform
}

// Compare orders keys by name, then platform, as the baseline file lists
// them.
func (k Key) Compare(o Key) int {
	return cmp.Or(strings.Compare(k.Name, o.Name), strings.Compare(k.Platform, o.Platform))
}

// An Entry is the size of one binary built for one platform.
type Entry struct {
	// Size is the file size in bytes.
	Size int64 `json:"size"`
	// Packages is the code of the largest packages, as pkgsize.Read
	// reports it, largest first, and a last line, Other, for the rest.
	Packages []pkgsize.Package `json:"packages"`
}

// file is the JSON form of a Baseline. Its entries are in Binaries, by
// binary name, then platform, or in a file of format 1, in Platforms, by
// platform; each is decoded once the format tells which to expect.
type file struct {
	Format    string          `json:"format"`
	Project   string          `json:"project"`
	Binaries  json.RawMessage `json:"binaries"`
	Platforms json.RawMessage `json:"platforms"`
}

// ReadBaseline reads the baseline file at path, which must be of the
// given project. A missing file is an empty baseline, every binary of
// which is new; a file that is corrupt or of another project is an error
// that names the file and what to do. A file of format 1 is read too: its
// entries have a Key with no Name.
func ReadBaseline(path, project string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Baseline{Project: project, Entries: map[Key]Entry{}}, nil
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
	// The format first, so that a file of another format is told as
	// such rather than by the first field this one does not know.
	var head struct {
		Format string `json:"format"`
	}
	if err := decode(data, &head, false); err != nil {
		return nil, err
	}
	switch head.Format {
	case "":
		return nil, fmt.Errorf("no format field: not a size baseline (want format %q)", BaselineFormat)
	case BaselineFormat, baselineFormat1:
	default:
		return nil, fmt.Errorf("format %q, want %q (or %q, of older files)", head.Format, BaselineFormat, baselineFormat1)
	}
	var f file
	if err := decode(data, &f, true); err != nil {
		return nil, err
	}
	if f.Project == "" {
		return nil, errors.New("no project field")
	}
	b := &Baseline{Project: f.Project, Entries: map[Key]Entry{}}
	if f.Format == baselineFormat1 {
		if f.Binaries != nil {
			return nil, fmt.Errorf("a binaries field in a file of format %q, which has platforms instead", baselineFormat1)
		}
		var platforms map[string]Entry
		if err := decodeField(f.Platforms, &platforms); err != nil {
			return nil, fmt.Errorf("platforms: %w", err)
		}
		for p, e := range platforms {
			b.Entries[Key{Platform: p}] = e
		}
	} else {
		if f.Platforms != nil {
			return nil, fmt.Errorf("a platforms field, of format %q, in a file of format %q, which has binaries instead", baselineFormat1, BaselineFormat)
		}
		var binaries map[string]map[string]Entry
		if err := decodeField(f.Binaries, &binaries); err != nil {
			return nil, fmt.Errorf("binaries: %w", err)
		}
		for _, name := range slices.Sorted(maps.Keys(binaries)) {
			if err := checkName(name); err != nil {
				return nil, err
			}
			for p, e := range binaries[name] {
				b.Entries[Key{name, p}] = e
			}
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(b.Entries), Key.Compare) {
		if err := checkEntry(k, b.Entries[k]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// decode decodes the JSON object in data into v, refusing data after it
// and, when strict, fields v does not have.
func decode(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// decodeField decodes the JSON value raw of a field into v, refusing
// fields v does not have; a missing field leaves v alone.
func decodeField(raw json.RawMessage, v any) error {
	if raw == nil {
		return nil
	}
	return decode(raw, v, true)
}

// checkName checks a binary name.
func checkName(name string) error {
	if name == "" {
		return errors.New("no binary name")
	}
	// A space is a character of a file name like any other; a name only
	// may not start or end with one, which nobody could see.
	bad := func(r rune) bool {
		return r == '/' || r == '\\' || (r != ' ' && unicode.IsSpace(r)) || !unicode.IsPrint(r)
	}
	if strings.ContainsFunc(name, bad) || strings.TrimSpace(name) != name {
		return fmt.Errorf("binary name %q: want a name without slashes, control characters or spaces around it, such as server", name)
	}
	return nil
}

// checkPlatform checks that s is a platform as package platform writes it.
func checkPlatform(s string) error {
	p, err := platform.Parse(s)
	if err != nil {
		return err
	}
	if p.String() != s {
		return fmt.Errorf("platform %q: write it %q", s, p.String())
	}
	return nil
}

// checkEntry checks the entry of k, whose name may be "" and whose
// platform is checked here.
func checkEntry(k Key, e Entry) error {
	if err := checkPlatform(k.Platform); err != nil {
		if k.Name != "" {
			return fmt.Errorf("binary %s: %w", k.Name, err)
		}
		return err
	}
	if e.Size <= 0 {
		return fmt.Errorf("%s: size %d", k, e.Size)
	}
	seen := make(map[string]bool)
	var code int64
	for _, p := range e.Packages {
		if p.Path == "" || p.Bytes < 0 || seen[p.Path] {
			return fmt.Errorf("%s: bad package line %+v", k, p)
		}
		seen[p.Path] = true
		if p.Bytes > e.Size-code { // code+p.Bytes > e.Size, without overflow
			return fmt.Errorf("%s: packages add up to more than the size", k)
		}
		code += p.Bytes
	}
	return nil
}

// WriteBaseline writes b to path, in format BaselineFormat, atomically: a
// reader sees the old file or the new one, never part of one. The file is
// JSON with sorted keys, two-space indents, one package per line and a
// final newline, so that the same sizes always give the same bytes and a
// change shows as a small diff. Every entry must name its binary.
func WriteBaseline(path string, b *Baseline) error {
	if b.Project == "" {
		return errors.New("writing size baseline: no project")
	}
	for _, k := range slices.SortedFunc(maps.Keys(b.Entries), Key.Compare) {
		if err := checkName(k.Name); err != nil {
			return fmt.Errorf("writing size baseline: %s: %w", k, err)
		}
		if err := checkEntry(k, b.Entries[k]); err != nil {
			return fmt.Errorf("writing size baseline: %w", err)
		}
	}
	if err := atomicfile.WriteFile(path, encodeBaseline(b)); err != nil {
		return fmt.Errorf("size baseline: %w", err)
	}
	return nil
}

// encodeBaseline returns the file contents for b: its entries by binary
// name, then platform, both sorted.
func encodeBaseline(b *Baseline) []byte {
	var buf bytes.Buffer
	str := func(s string) string {
		q, _ := json.Marshal(s) // strings always marshal
		return string(q)
	}
	fmt.Fprintf(&buf, "{\n  \"format\": %s,\n  \"project\": %s,\n  \"binaries\": {", str(BaselineFormat), str(b.Project))
	keys := slices.SortedFunc(maps.Keys(b.Entries), Key.Compare)
	for i, k := range keys {
		first := i == 0 || keys[i-1].Name != k.Name
		switch {
		case i == 0:
		case first:
			buf.WriteString("\n    },")
		default:
			buf.WriteString(",")
		}
		if first {
			fmt.Fprintf(&buf, "\n    %s: {", str(k.Name))
		}
		e := b.Entries[k]
		fmt.Fprintf(&buf, "\n      %s: {\n        \"size\": %d,\n        \"packages\": [", str(k.Platform), e.Size)
		for j, pkg := range e.Packages {
			if j > 0 {
				buf.WriteString(",")
			}
			fmt.Fprintf(&buf, "\n          {\"path\": %s, \"bytes\": %d}", str(pkg.Path), pkg.Bytes)
		}
		if len(e.Packages) > 0 {
			buf.WriteString("\n        ")
		}
		buf.WriteString("]\n      }")
	}
	if len(keys) > 0 {
		buf.WriteString("\n    }\n  ")
	}
	buf.WriteString("}\n}\n")
	return buf.Bytes()
}
