// Package gosrc reads Go source files as the go command reads them to list
// their packages.
package gosrc

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
)

// Header returns what the go command reads of the Go file name, whose
// contents are data, to list its package and tidy its module: the file up
// to the end of its imports (build constraints, package clause and
// imports) and its //go:embed lines, or all of it when it does not parse.
// An edit below the imports of a function's body leaves it unchanged.
func Header(name string, data []byte) []byte {
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
