package artifact

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMergeShards(t *testing.T) {
	a := List{
		{Name: "app", Path: "app_linux_amd64/app", Kind: Binary, Platform: "linux/amd64", SHA256: "aa"},
		{Name: "app_1.0.0_linux_amd64.tar.gz", Path: "app_1.0.0_linux_amd64.tar.gz", Kind: Archive, SHA256: "ab"},
	}
	b := List{
		{Name: "app.exe", Path: "app_windows_amd64/app.exe", Kind: Binary, Platform: "windows/amd64", SHA256: "bb"},
		a[0], // listed by both shards, same bytes
	}
	got, err := Merge(b, a)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, x := range got {
		paths = append(paths, x.Path)
	}
	if want := "app_1.0.0_linux_amd64.tar.gz app_linux_amd64/app app_windows_amd64/app.exe"; strings.Join(paths, " ") != want {
		t.Errorf("merged paths = %v, want %s", paths, want)
	}
	c := List{{Name: "app", Path: "app_linux_amd64/app", Kind: Binary, SHA256: "different"}}
	if _, err := Merge(a, c); err == nil || !strings.Contains(err.Error(), "app_linux_amd64/app") {
		t.Errorf("conflicting shards: err = %v", err)
	}
}

func TestWriteRead(t *testing.T) {
	name := filepath.Join(t.TempDir(), "artifacts.json")
	l := List{
		{Name: "b", Path: "b", Kind: Archive, SHA256: "2", Size: 2},
		{Name: "a", Path: "a", Kind: Binary, SHA256: "1", Size: 1, Build: &Build{Cgo: "off", Stamped: map[string]string{"main.v": "x y"}, Key: "not written"}},
	}
	if err := Write(name, l); err != nil {
		t.Fatal(err)
	}
	got, err := Read(name)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Path != "a" || got[1].Path != "b" || got[0].Build.Stamped["main.v"] != "x y" || got[0].Build.Key != "" {
		t.Errorf("read back %+v", got)
	}
	if !reflect.DeepEqual(got.Of(Archive), List{l[0]}) {
		t.Errorf("Of(Archive) = %+v", got.Of(Archive))
	}
	if err := Write(name, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(name); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("reading a missing list succeeded")
	}
}
