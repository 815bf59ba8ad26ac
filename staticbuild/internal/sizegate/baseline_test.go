package sizegate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/verify/pkgsize"
)

const project = "github.com/magestatic/magestatic"

var sample = &Baseline{
	Project: project,
	Platforms: map[string]Entry{
		"windows/amd64": {Size: 3000, Packages: []pkgsize.Package{{Path: "runtime", Bytes: 1000}}},
		"linux/amd64": {Size: 2000, Packages: []pkgsize.Package{
			{Path: "runtime", Bytes: 900}, {Path: "gopkg.in/yaml.v3", Bytes: 300}, {Path: Other, Bytes: 100},
		}},
		"darwin/arm64": {Size: 2500},
	},
}

const sampleFile = `{
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
        {"path": "gopkg.in/yaml.v3", "bytes": 300},
        {"path": "(other)", "bytes": 100}
      ]
    },
    "windows/amd64": {
      "size": 3000,
      "packages": [
        {"path": "runtime", "bytes": 1000}
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
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want 0644", st.Mode(), err)
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
	want.Platforms = map[string]Entry{}
	for k, v := range sample.Platforms {
		if v.Packages == nil {
			v.Packages = []pkgsize.Package{}
		}
		want.Platforms[k] = v
	}
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("read back %+v, want %+v", got, &want)
	}

	// An empty baseline.
	if err := WriteBaseline(path, &Baseline{Project: project}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if want := "{\n  \"format\": \"magestatic-size-baseline/1\",\n  \"project\": \"github.com/magestatic/magestatic\",\n  \"platforms\": {}\n}\n"; string(data) != want {
		t.Errorf("empty baseline:\n%s", data)
	}
}

func TestWriteBaselineErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		path string
		b    *Baseline
		want string
	}{
		{"no project", filepath.Join(dir, "b.json"), &Baseline{}, "no project"},
		{"bad platform", filepath.Join(dir, "b.json"), &Baseline{Project: "p", Platforms: map[string]Entry{"linux": {Size: 1}}}, "not GOOS/GOARCH"},
		{"no directory", filepath.Join(dir, "missing", "b.json"), sample, "no such file"},
	} {
		if err := WriteBaseline(tt.path, tt.b); err == nil || !strings.Contains(err.Error(), tt.want) {
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
	if b.Project != project || b.Platforms == nil || len(b.Platforms) != 0 {
		t.Errorf("missing file read as %+v, want an empty baseline", b)
	}
}

func TestReadBaselineErrors(t *testing.T) {
	valid := sampleFile
	tests := []struct {
		name, content, want string
	}{
		{"empty", "", "corrupt"},
		{"garbage", "\x00\x01binary", "corrupt"},
		{"truncated", valid[:len(valid)/2], "corrupt"},
		{"trailing data", valid + "{}", "data after the JSON object"},
		{"not an object", "[]", "corrupt"},
		{"no format", `{"project": "x", "platforms": {}}`, "not a size baseline"},
		{"other format", `{"format": "magestatic-size-baseline/2", "project": "x"}`, "want \"magestatic-size-baseline/1\""},
		{"unknown field", strings.Replace(valid, `"size": 2500`, `"size": 2500, "extra": 1`, 1), "unknown field"},
		{"no project", `{"format": "magestatic-size-baseline/1", "platforms": {}}`, "no project field"},
		{"other project", strings.Replace(valid, project, "example.com/other", 1), `of project "example.com/other", not "github.com/magestatic/magestatic"`},
		{"bad platform", strings.Replace(valid, "darwin/arm64", "darwin", 1), "not GOOS/GOARCH"},
		{"zero size", strings.Replace(valid, `"size": 2500`, `"size": 0`, 1), "size 0"},
		{"negative size", strings.Replace(valid, `"size": 2500`, `"size": -1`, 1), "size -1"},
		{"string size", strings.Replace(valid, `"size": 2500`, `"size": "2500"`, 1), "corrupt"},
		{"negative package", strings.Replace(valid, `"bytes": 900`, `"bytes": -900`, 1), "bad package line"},
		{"duplicate package", strings.Replace(valid, `"path": "gopkg.in/yaml.v3"`, `"path": "runtime"`, 1), "bad package line"},
		{"packages over size", strings.Replace(valid, `"bytes": 900`, `"bytes": 1000000`, 1), "more than the size"},
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
