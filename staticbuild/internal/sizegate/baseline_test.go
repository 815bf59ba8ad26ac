package sizegate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
	"github.com/magestatic/magestatic/verify/pkgsize"
)

const project = "github.com/magestatic/magestatic"

var sample = &Baseline{
	Project: project,
	Entries: map[Key]Entry{
		{"server", "windows/amd64"}: {Size: 3000, Packages: []pkgsize.Package{{Path: "runtime", Bytes: 1000}}},
		{"server", "linux/amd64"}: {Size: 2000, Packages: []pkgsize.Package{
			{Path: "runtime", Bytes: 900}, {Path: "gopkg.in/yaml.v3", Bytes: 300}, {Path: Other, Bytes: 100},
		}},
		{"server", "linux/amd64/v3"}: {Size: 1900},
		{"cli", "linux/arm/7"}:       {Size: 1200, Packages: []pkgsize.Package{{Path: "fmt", Bytes: 50}}},
		{"cli", "darwin/arm64"}:      {Size: 2500},
	},
}

const sampleFile = `{
  "format": "magestatic-size-baseline/2",
  "project": "github.com/magestatic/magestatic",
  "binaries": {
    "cli": {
      "darwin/arm64": {
        "size": 2500,
        "packages": []
      },
      "linux/arm/7": {
        "size": 1200,
        "packages": [
          {"path": "fmt", "bytes": 50}
        ]
      }
    },
    "server": {
      "linux/amd64": {
        "size": 2000,
        "packages": [
          {"path": "runtime", "bytes": 900},
          {"path": "gopkg.in/yaml.v3", "bytes": 300},
          {"path": "(other)", "bytes": 100}
        ]
      },
      "linux/amd64/v3": {
        "size": 1900,
        "packages": []
      },
      "windows/amd64": {
        "size": 3000,
        "packages": [
          {"path": "runtime", "bytes": 1000}
        ]
      }
    }
  }
}
`

// sampleFile1 is a file of format 1, from before baselines named
// binaries.
const sampleFile1 = `{
  "format": "magestatic-size-baseline/1",
  "project": "github.com/magestatic/magestatic",
  "platforms": {
    "darwin/arm64": {
      "size": 2500,
      "packages": []
    },
    "linux/amd64": {
      "size": 2000,
      "packages": [
        {"path": "runtime", "bytes": 900},
        {"path": "(other)", "bytes": 100}
      ]
    }
  }
}
`

func TestWriteBaseline(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "size-baseline.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteBaseline(path, sample); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != sampleFile {
		t.Errorf("file:\n%s\nwant:\n%s", data, sampleFile)
	}
	if !json.Valid(data) {
		t.Error("not valid JSON")
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != testmod.Perm(0o644) {
		t.Errorf("mode %v, %v; want %v", st.Mode(), err, testmod.Perm(0o644))
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("directory holds %v, %v; want the baseline alone", entries, err)
	}
	got, err := ReadBaseline(path, project)
	if err != nil {
		t.Fatal(err)
	}
	want := *sample
	want.Entries = map[Key]Entry{}
	for k, v := range sample.Entries {
		if v.Packages == nil {
			v.Packages = []pkgsize.Package{}
		}
		want.Entries[k] = v
	}
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("read back %+v, want %+v", got, &want)
	}

	// An empty baseline.
	if err := WriteBaseline(path, &Baseline{Project: project}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if want := "{\n  \"format\": \"magestatic-size-baseline/2\",\n  \"project\": \"github.com/magestatic/magestatic\",\n  \"binaries\": {}\n}\n"; string(data) != want {
		t.Errorf("empty baseline:\n%s", data)
	}
}

func TestWriteBaselineErrors(t *testing.T) {
	dir := t.TempDir()
	one := func(k Key) *Baseline { return &Baseline{Project: "p", Entries: map[Key]Entry{k: {Size: 1}}} }
	for _, tt := range []struct {
		name string
		path string
		b    *Baseline
		want string
	}{
		{"no project", filepath.Join(dir, "b.json"), &Baseline{}, "no project"},
		{"bad platform", filepath.Join(dir, "b.json"), one(Key{"app", "linux"}), `binary app: platform "linux": want os/arch or os/arch/variant`},
		{"spaced platform", filepath.Join(dir, "b.json"), one(Key{"app", " linux/amd64"}), `platform " linux/amd64": write it "linux/amd64"`},
		{"no name", filepath.Join(dir, "b.json"), one(Key{Platform: "linux/amd64"}), "linux/amd64: no binary name"},
		{"bad name", filepath.Join(dir, "b.json"), one(Key{"a/b", "linux/amd64"}), `binary name "a/b"`},
		{"no directory", filepath.Join(dir, "missing", "b.json"), sample, "no such file"},
	} {
		// A missing directory's message is the system's own: ask errors.Is.
		if err := WriteBaseline(tt.path, tt.b); err == nil || !strings.Contains(err.Error(), tt.want) && !(tt.want == "no such file" && errors.Is(err, fs.ErrNotExist)) {
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("failed writes left %v", entries)
	}
}

func TestReadBaselineMissing(t *testing.T) {
	b, err := ReadBaseline(filepath.Join(t.TempDir(), "none.json"), project)
	if err != nil {
		t.Fatal(err)
	}
	if b.Project != project || b.Entries == nil || len(b.Entries) != 0 {
		t.Errorf("missing file read as %+v, want an empty baseline", b)
	}
}

// TestReadBaselineFormat1 reads a file of the format before binaries had
// names: its entries have keys with no name, which WriteBaseline refuses.
func TestReadBaselineFormat1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "magestatic-sizes.json")
	if err := os.WriteFile(path, []byte(sampleFile1), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBaseline(path, project)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Key]Entry{
		{Platform: "darwin/arm64"}: {Size: 2500, Packages: []pkgsize.Package{}},
		{Platform: "linux/amd64"}:  {Size: 2000, Packages: []pkgsize.Package{{Path: "runtime", Bytes: 900}, {Path: Other, Bytes: 100}}},
	}
	if !reflect.DeepEqual(b.Entries, want) {
		t.Errorf("entries %+v, want %+v", b.Entries, want)
	}
	if err := WriteBaseline(path, b); err == nil || !strings.Contains(err.Error(), "no binary name") {
		t.Errorf("writing a baseline of format 1: %v, want an error", err)
	}
	if data, _ := os.ReadFile(path); string(data) != sampleFile1 {
		t.Error("a refused write changed the file")
	}
}

func TestReadBaselineErrors(t *testing.T) {
	valid, valid1 := sampleFile, sampleFile1
	tests := []struct {
		name, content, want string
	}{
		{"empty", "", "EOF"},
		{"garbage", "\x00\x01binary", "invalid character"},
		{"truncated", valid[:len(valid)/2], "unexpected EOF"},
		{"trailing data", valid + "{}", "data after the JSON object"},
		{"not an object", "[]", "cannot unmarshal array"},
		{"no format", `{"project": "x", "binaries": {}}`, "not a size baseline"},
		{"other format", `{"format": "magestatic-size-baseline/3", "project": "x", "new": 1}`, `format "magestatic-size-baseline/3", want "magestatic-size-baseline/2" (or "magestatic-size-baseline/1", of older files)`},
		{"unknown field", strings.Replace(valid, `"size": 2500`, `"size": 2500, "extra": 1`, 1), `unknown field "extra"`},
		{"no project", `{"format": "magestatic-size-baseline/2", "binaries": {}}`, "no project field"},
		{"other project", strings.Replace(valid, project, "example.com/other", 1), `of project "example.com/other", not "github.com/magestatic/magestatic"`},
		{"bad platform", strings.Replace(valid, `"darwin/arm64"`, `"darwin"`, 1), `binary cli: platform "darwin": want os/arch or os/arch/variant`},
		{"bad variant", strings.Replace(valid, `"linux/arm/7"`, `"linux/arm/9"`, 1), `binary cli: platform "linux/arm/9": GOARM must be one of 7, 6, 5`},
		{"no variants", strings.Replace(valid, `"darwin/arm64"`, `"windows/wasm/v2"`, 1), "GOARCH wasm has no variants"},
		{"bad platform, format 1", strings.Replace(valid1, `"darwin/arm64"`, `"darwin"`, 1), `platform "darwin": want os/arch`},
		{"no name", strings.Replace(valid, `"cli"`, `""`, 1), "no binary name"},
		{"bad name", strings.Replace(valid, `"cli"`, `"c\\tli"`, 1), `binary name "c\\tli"`},
		{"platforms in format 2", strings.Replace(valid, `"binaries"`, `"platforms"`, 1), `a platforms field, of format "magestatic-size-baseline/1", in a file of format "magestatic-size-baseline/2"`},
		{"binaries in format 1", strings.Replace(valid1, `"platforms"`, `"binaries"`, 1), `a binaries field in a file of format "magestatic-size-baseline/1"`},
		{"zero size", strings.Replace(valid, `"size": 2500`, `"size": 0`, 1), "cli darwin/arm64: size 0"},
		{"negative size", strings.Replace(valid, `"size": 2500`, `"size": -1`, 1), "size -1"},
		{"string size", strings.Replace(valid, `"size": 2500`, `"size": "2500"`, 1), "cannot unmarshal string"},
		{"negative package", strings.Replace(valid, `"bytes": 900`, `"bytes": -900`, 1), "server linux/amd64: bad package line"},
		{"duplicate package", strings.Replace(valid, `"path": "gopkg.in/yaml.v3"`, `"path": "runtime"`, 1), "bad package line"},
		{"packages over size", strings.Replace(valid, `"bytes": 900`, `"bytes": 1000000`, 1), "more than the size"},
		{"packages overflow", strings.Replace(strings.Replace(valid, `"size": 2000`, `"size": 9223372036854775807`, 1),
			`"bytes": 900`, `"bytes": 9223372036854775807`, 1), "more than the size"},
		{"format 1, size 0", strings.Replace(valid1, `"size": 2500`, `"size": 0`, 1), "darwin/arm64: size 0"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadBaseline(path, project)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		// Every error names the file and the way out.
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, path) || !strings.Contains(msg, "record a new baseline") {
			t.Errorf("%s: error %q, want one naming the file, saying %q and what to do", tt.name, msg, tt.want)
		}
	}
	// A baseline that cannot be read is an error, not an empty baseline.
	if _, err := ReadBaseline(dir, project); err == nil {
		t.Error("reading a directory: no error")
	}
}

// FuzzParseBaseline checks that no file makes the parser panic, that what
// it accepts is a baseline WriteBaseline can write or, of format 1, one
// Check can use, and that writing it back and reading that gives the
// same bytes.
func FuzzParseBaseline(f *testing.F) {
	f.Add([]byte(sampleFile))
	f.Add([]byte(sampleFile1))
	f.Add([]byte(`{"format": "magestatic-size-baseline/2", "project": "p", "binaries": {"a": {"linux/amd64": {"size": 1, "packages": [{"path": "(other)", "bytes": 1}]}}}}`))
	f.Add([]byte(`{"format": "magestatic-size-baseline/2", "project": "p", "binaries": {"a": null, "b": {}}, "platforms": null}`))
	f.Add([]byte(`{"format": "magestatic-size-baseline/1", "project": "p", "platforms": {"linux/arm/7": {"size": 9223372036854775807}}}`))
	f.Add([]byte(`{"format": "magestatic-size-baseline/2", "format": "magestatic-size-baseline/1", "project": "p"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := parseBaseline(data)
		if err != nil {
			if b != nil {
				t.Fatal("a baseline with an error")
			}
			return
		}
		if b.Project == "" || b.Entries == nil {
			t.Fatalf("accepted %+v", b)
		}
		named := true
		for k, e := range b.Entries {
			if err := checkEntry(k, e); err != nil {
				t.Fatalf("accepted an entry that does not check: %v", err)
			}
			if k.Name == "" {
				named = false
			}
			// The gate's arithmetic on it.
			growers([]pkgsize.Package{{Path: "runtime", Bytes: 1 << 20}, {Path: "x", Bytes: 1}}, e.Packages)
		}
		if !named {
			return
		}
		out := encodeBaseline(b)
		b2, err := parseBaseline(out)
		if err != nil {
			t.Fatalf("its own output does not parse: %v\n%s", err, out)
		}
		if out2 := encodeBaseline(b2); !bytes.Equal(out, out2) {
			t.Fatalf("written twice, different bytes:\n%s\n%s", out, out2)
		}
	})
}
