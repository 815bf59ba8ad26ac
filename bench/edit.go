package bench

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// sourceEdit is the edit state's change to a clone's source: one line
// appended to the file of the main package that declares func main, as a
// developer changes the program between two builds. The file is built on
// every platform, and the line changes the compiled package, so every
// binary is compiled and linked again; a comment would not.
type sourceEdit struct {
	file string
	orig []byte
}

// newSourceEdit finds the file of the main package in dir that declares
// func main. It fails when dir has no such file.
func newSourceEdit(dir string) (*sourceEdit, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil || f.Name.Name != "main" {
			continue
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" {
				orig, err := os.ReadFile(name)
				if err != nil {
					return nil, err
				}
				return &sourceEdit{file: name, orig: orig}, nil
			}
		}
	}
	return nil, fmt.Errorf("edit: no file of %s declares func main", dir)
}

// apply writes the file as committed with the line var _ = "edit n"
// appended, n telling one edit from every other, so that no build finds
// its compile in a cache.
func (e *sourceEdit) apply(n int) error {
	data := append(slices.Clone(e.orig), fmt.Sprintf("\nvar _ = \"edit %d\"\n", n)...)
	if err := os.WriteFile(e.file, data, 0o644); err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	return nil
}

// restore writes the file back as committed.
func (e *sourceEdit) restore() error {
	if err := os.WriteFile(e.file, e.orig, 0o644); err != nil {
		return fmt.Errorf("edit: restoring %s: %w", e.file, err)
	}
	return nil
}
