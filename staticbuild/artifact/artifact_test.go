package artifact

import (
	"path/filepath"
	"reflect"
	"testing"
)

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
