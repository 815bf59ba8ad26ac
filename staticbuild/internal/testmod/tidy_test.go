package testmod

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTidyGivenFilesAreTidy makes a module, then a second whose Go files
// differ only below their imports, so that it is given the first's go.mod
// and go.sum: running "go get" of mage and "go mod tidy" in the second
// changes neither. A third
// module, which imports nothing of magestatic, gets a go.mod of its own.
func TestTidyGivenFilesAreTidy(t *testing.T) {
	files := map[string]string{"main.go": Hello, "magefile.go": Magefile}
	New(t, "", "app", files, "")
	files["main.go"] = strings.Replace(Hello, `"hello"`, `"hi"`, 1)
	dir := New(t, "", "app", files, "")
	before := map[string]string{}
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		before[name] = string(data)
	}
	if !strings.HasPrefix(before["go.mod"], "module example.com/app\n") {
		t.Errorf("go.mod does not name example.com/app:\n%s", before["go.mod"])
	}
	Run(t, dir, "go", "get", "github.com/magefile/mage@v1.17.2")
	Run(t, dir, "go", "mod", "tidy")
	for name, want := range before {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("go mod tidy changed the given %s:\n%s\nwant\n%s", name, got, want)
		}
	}

	other := New(t, "", "app", map[string]string{"main.go": "package main\n\nfunc main() {}\n"}, "")
	data, err := os.ReadFile(filepath.Join(other, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) == before["go.mod"] {
		t.Errorf("a module with other imports was given the same go.mod:\n%s", data)
	}
}

// TestTidyKey checks what the key of tidy's files depends on: a Go file's
// imports and build constraints and any other file's contents, not what
// follows a Go file's imports.
func TestTidyKey(t *testing.T) {
	base := map[string]string{"main.go": Hello, "go.mod": "module example.com/app\n"}
	key := tidyKey(base)
	with := func(name, content string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		m[name] = content
		return m
	}
	if tidyKey(with("main.go", Hello+"\nfunc other() {}\n")) != key {
		t.Error("a change below the imports changed the key")
	}
	for _, m := range []map[string]string{
		with("main.go", strings.Replace(Hello, `"os"`, `"os/exec"`, 1)),
		with("main.go", "//go:build ignore\n\n"+Hello),
		with("main.go", "package main\n\nfunc main() {"), // does not parse
		with("go.mod", "module example.com/other\n"),
		with("sub/x.go", "package sub\n"),
		with("README.md", "# app\n"),
	} {
		if tidyKey(m) == key {
			t.Errorf("the files %v have the key of %v", m, base)
		}
	}
}
