package staticbuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// shape hashes what go list reports of the packages of the module at dir
// (their directories, names, import paths, modules and dependencies):
// every Go file's name and what the go command reads of it to list its
// package (see goHeader), with k's toolchain and dependencies. An edit of
// a function's body, or a commit of one, changes the fingerprint and not
// the shape, so the main packages go list found are still the ones. It
// walks the directories go list ./... does, leaving out dist, testdata,
// those whose names start with "." or "_", and nested modules.
func shape(dir, dist string, k keys) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "magestatic shape 1\ntool %s\ndeps %s\n", k.tool, k.deps)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading the module's packages: %w", err)
		}
		name := d.Name()
		if d.IsDir() {
			if path == dir {
				return nil
			}
			if path == dist || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("reading the module's packages: %w", err)
		}
		rel, _ := filepath.Rel(dir, path)
		head := goHeader(name, data)
		fmt.Fprintf(h, "file %s %d\n%s\n", filepath.ToSlash(rel), len(head), head)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// goHeader returns what the go command reads of the Go file name, whose
// contents are data, to list its package: the file up to the end of its
// imports (build constraints, package clause and imports) and its
// //go:embed lines, or all of it when it does not parse.
func goHeader(name string, data []byte) []byte {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, data, parser.ImportsOnly)
	if err != nil {
		return data
	}
	end := f.Name.End()
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			end = gd.End()
		}
	}
	head := data[:fset.Position(end).Offset]
	if !bytes.Contains(data, []byte("//go:embed")) {
		return head
	}
	head = slices.Clip(head)
	for line := range bytes.Lines(data[len(head):]) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("//go:embed")) {
			head = append(head, line...)
		}
	}
	return head
}
