package ghactions

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

func TestWriteJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := Report{
		Title: "magestatic release", Version: "v1.2.3", Commit: "0123",
		Steps:     []Step{{Name: "cross", Status: "ok", Seconds: 1.5}},
		Artifacts: []Artifact{{Binary: "app", Platform: "linux/amd64", Path: "app_linux_amd64/app", Kind: "binary", Size: 10, BaselineSize: 9, Verify: "ok", Seconds: 0.25}},
		Problems:  []Problem{{Step: "verify", Binary: "app", Platform: "linux/amd64", File: "main.go", Line: 3, Message: "two\nlines"}},
	}
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("read back %+v, want %+v", got, r)
	}

	// The field names are the file's interface to other tools.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	a := raw["artifacts"].([]any)[0].(map[string]any)
	for _, key := range []string{"binary", "platform", "path", "kind", "size", "baseline_size", "verify", "seconds"} {
		if _, ok := a[key]; !ok {
			t.Errorf("artifact has no %q: %v", key, a)
		}
	}
	p := raw["problems"].([]any)[0].(map[string]any)
	if p["step"] != "verify" || p["line"] != 3.0 || p["message"] != "two\nlines" {
		t.Errorf("problem %v", p)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != testmod.Perm(0o644) {
		t.Errorf("mode %v, err %v: want %v", fi.Mode(), err, testmod.Perm(0o644))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %v, want only report.json", entries)
	}
}

func TestWriteJSONFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	// A directory in the way: the rename fails after the data is written.
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(path, Report{Title: "x"}); err == nil {
		t.Fatal("no error writing over a directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("left the temporary file %s", e.Name())
		}
	}
	if err := WriteJSON(filepath.Join(dir, "missing", "report.json"), Report{}); err == nil {
		t.Error("no error writing into a missing directory")
	}
}

func TestProblemAnnotation(t *testing.T) {
	p := Problem{Step: "cross", Platform: "linux/arm/7", File: "main.go", Line: 4, Message: "undefined: x"}
	want := Annotation{Level: "error", File: "main.go", Line: 4, Title: "cross linux/arm/7", Message: "undefined: x"}
	if got := p.Annotation(); got != want {
		t.Errorf("Annotation() = %+v, want %+v", got, want)
	}
}
