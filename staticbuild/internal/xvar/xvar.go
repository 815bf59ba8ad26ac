// Package xvar checks, before a build, that each variable a -ldflags -X flag
// sets is one the linker can set: a package-level variable of type string,
// in a package of the build, whose initial value is a constant. The linker
// ignores -X without a word for a misspelt name, a variable of another
// type, and a constant, and the program's initialisation overwrites a
// variable initialised by a function call; so a release would ship without
// its version and nothing would say so.
//
// The check reads the source: go list names the packages of the build and
// their files for the target platform (the environment's GOOS, GOARCH and
// tags), or, for variables of the main package alone, go/build reads its
// directory; go/parser reads the declarations.
package xvar

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/internal/levenshtein"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
)

// Error is the problem of one -X variable.
type Error struct {
	Var string // as -X names it, "importpath.name"
	Pos string // file:line of its declaration, relative to the directory of the build, or ""
	Msg string // what is wrong and how to fix it
}

// Error returns the problem as one line: the position when known, then the
// message, which names the variable.
func (e *Error) Error() string {
	if e.Pos != "" {
		return e.Pos + ": " + e.Msg
	}
	return e.Msg
}

// pkg is what go list says of one package of the build.
type pkg struct {
	ImportPath     string
	Name           string
	Dir            string
	GoFiles        []string
	CgoFiles       []string
	IgnoredGoFiles []string
	DepOnly        bool
	Error          *struct{ Err string }
}

// Check checks that each of vars, as -X names them ("importpath.name", or
// "main.name" for the main package), is a package-level string variable
// of the build of mainPkg, as go build takes it (such as "./cmd/tool"),
// that -X can set. It runs goCmd ("" for "go") list in dir with the
// environment env (nil for the current process's), which should hold the
// GOOS, GOARCH and GOFLAGS of the build. It returns nil when every variable
// is fine, an error joining one *Error per bad variable, or an error
// saying why the source could not be read.
func Check(ctx context.Context, goCmd string, env []string, dir, mainPkg string, vars []string) error {
	if len(vars) == 0 {
		return nil
	}
	// Variables of the main package alone are read from its directory,
	// with no go command to start, once per platform.
	var pkgs []*pkg
	if !slices.ContainsFunc(vars, func(v string) bool { return !strings.HasPrefix(v, "main.") }) {
		if p := importDir(env, dir, mainPkg); p != nil {
			pkgs = []*pkg{p}
		}
	}
	if pkgs == nil {
		var err error
		if pkgs, err = list(ctx, cmp.Or(goCmd, "go"), env, dir, mainPkg); err != nil {
			return err
		}
	}
	var root *pkg
	byPath := map[string]*pkg{}
	for _, p := range pkgs {
		if !p.DepOnly && root == nil {
			root = p
		}
		byPath[p.ImportPath] = p
	}
	if root == nil {
		return fmt.Errorf("checking -X variables: go list %s named no package", mainPkg)
	}
	if root.Error != nil {
		return fmt.Errorf("checking -X variables: package %s: %s", mainPkg, root.Error.Err)
	}
	if root.Name != "main" {
		return fmt.Errorf("checking -X variables: %s is package %s, not a main package", mainPkg, root.Name)
	}
	var errs *multierror.Error
	parsed := map[*pkg]*decls{}
	for _, v := range vars {
		v, _, _ = strings.Cut(v, "=")
		dot := strings.LastIndex(v, ".")
		if dot <= 0 || dot == len(v)-1 {
			errs = multierror.Append(errs, &Error{Var: v, Msg: fmt.Sprintf("%s: -X needs importpath.name, such as main.version", v)})
			continue
		}
		path, name := v[:dot], v[dot+1:]
		var p *pkg
		switch {
		case path == "main":
			p = root
		case path == root.ImportPath:
			errs = multierror.Append(errs, &Error{Var: v, Msg: fmt.Sprintf("%s: the linker names the main package's variables main.%s, not by its import path: write -X main.%s=...", v, name, name)})
			continue
		default:
			p = byPath[path]
		}
		if p == nil {
			msg := fmt.Sprintf("%s: package %s is not part of the build of %s, so the linker ignores -X for it", v, path, mainPkg)
			if s := closest(path, keys(byPath), 3); s != "" {
				msg += ": did you mean " + s + "?"
			} else {
				msg += ": check the import path, and that the program imports the package"
			}
			errs = multierror.Append(errs, &Error{Var: v, Msg: msg})
			continue
		}
		d := parsed[p]
		if d == nil {
			var err error
			if d, err = parse(p); err != nil {
				return fmt.Errorf("checking -X variables: %w", err)
			}
			parsed[p] = d
		}
		if e := d.check(v, name, p, mainPkg, dir); e != nil {
			errs = multierror.Append(errs, e)
		}
	}
	return errlist.Lines(errs)
}

// list runs go list on the main package and its dependencies.
func list(ctx context.Context, goCmd string, env []string, dir, mainPkg string) ([]*pkg, error) {
	cmd := exec.CommandContext(ctx, goCmd, "list", "-e", "-deps",
		"-json=ImportPath,Name,Dir,GoFiles,CgoFiles,IgnoredGoFiles,DepOnly,Error", "--", mainPkg)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("checking -X variables: %s list %s: %v: %s", goCmd, mainPkg, err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []*pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(pkg)
		if err := dec.Decode(p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("checking -X variables: reading the output of go list: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// decl is one package-level declaration of a name.
type decl struct {
	pos   token.Position
	tok   token.Token // token.VAR or token.CONST
	typ   ast.Expr    // the declared type, or nil
	value ast.Expr    // the initial value, or nil
	multi bool        // one of several names given by a single call
}

// decls are the package-level declarations of a package's files, and of
// the files the build leaves out.
type decls struct {
	fset    *token.FileSet
	names   map[string]decl
	ignored map[string]decl
}

// parse reads the package-level declarations of p's files.
func parse(p *pkg) (*decls, error) {
	d := &decls{fset: token.NewFileSet(), names: map[string]decl{}, ignored: map[string]decl{}}
	files := append(append([]string{}, p.GoFiles...), p.CgoFiles...)
	for i, f := range append(files, p.IgnoredGoFiles...) {
		into := d.names
		if i >= len(files) {
			into = d.ignored
		}
		path := filepath.Join(p.Dir, f)
		file, err := parser.ParseFile(d.fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			if i >= len(files) {
				continue // a file of another platform need not parse
			}
			return nil, fmt.Errorf("parsing %s: %w", path, err)
		}
		for _, gd := range file.Decls {
			g, ok := gd.(*ast.GenDecl)
			if !ok || (g.Tok != token.VAR && g.Tok != token.CONST) {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for j, n := range vs.Names {
					dl := decl{pos: d.fset.Position(n.Pos()), tok: g.Tok, typ: vs.Type}
					switch {
					case len(vs.Values) == len(vs.Names):
						dl.value = vs.Values[j]
					case len(vs.Values) == 1:
						dl.value, dl.multi = vs.Values[0], true
					}
					if _, dup := into[n.Name]; !dup && n.Name != "_" {
						into[n.Name] = dl
					}
				}
			}
		}
	}
	return d, nil
}

// check returns the problem of the -X variable v, named name in package p,
// or nil.
func (d *decls) check(v, name string, p *pkg, mainPkg, dir string) *Error {
	pkgName := p.ImportPath
	if p.Name == "main" {
		pkgName = "main (" + mainPkg + ")"
	}
	dl, ok := d.names[name]
	if !ok {
		msg := fmt.Sprintf("%s: no package-level variable %s in package %s", v, name, pkgName)
		if ig, ok := d.ignored[name]; ok {
			msg += fmt.Sprintf(": it is declared in %s, which this build leaves out (build constraints or file name): declare it in a file of every platform", filepath.Base(ig.pos.Filename))
		} else if s := closest(name, keys(d.names), 2); s != "" {
			msg += ": did you mean " + s + "?"
		} else {
			msg += ": declare it (var " + name + " string), or check the name"
		}
		return &Error{Var: v, Msg: msg}
	}
	e := &Error{Var: v, Pos: d.position(dl.pos, dir)}
	switch {
	case dl.tok == token.CONST:
		e.Msg = fmt.Sprintf("%s is a const: -X sets only variables: make it var %s string", v, name)
	case dl.typ != nil && !isString(dl.typ):
		e.Msg = fmt.Sprintf("%s is %s, not a string: -X sets only variables of type string", v, article(d.expr(dl.typ)))
	case dl.typ == nil && dl.value != nil && literalType(dl.value) != "" && literalType(dl.value) != "string":
		e.Msg = fmt.Sprintf("%s = %s is %s, not a string: -X sets only variables of type string", v, d.expr(dl.value), article(literalType(dl.value)))
	case dl.value != nil && hasCall(dl.value):
		e.Msg = fmt.Sprintf("%s = %s is initialised by a function call, so -X does not take: the call runs when the program starts and overwrites the value; initialise it with a constant or leave it empty", v, d.expr(dl.value))
	default:
		return nil
	}
	return e
}

// position returns pos as file:line, the file relative to dir when inside
// it.
func (d *decls) position(pos token.Position, dir string) string {
	file := pos.Filename
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		file = filepath.ToSlash(rel)
	}
	return fmt.Sprintf("%s:%d", file, pos.Line)
}

// expr returns the source of e, shortened to one line.
func (d *decls) expr(e ast.Expr) string {
	var b bytes.Buffer
	printer.Fprint(&b, d.fset, e)
	s := strings.Join(strings.Fields(b.String()), " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// isString reports whether the type expression is the predeclared string.
func isString(t ast.Expr) bool {
	id, ok := t.(*ast.Ident)
	return ok && id.Name == "string"
}

// literalType returns the default type of a basic literal, or "" for any
// other expression.
func literalType(e ast.Expr) string {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	if u, ok := e.(*ast.UnaryExpr); ok {
		e = u.X
	}
	lit, ok := e.(*ast.BasicLit)
	if !ok {
		return ""
	}
	switch lit.Kind {
	case token.INT:
		return "int"
	case token.FLOAT:
		return "float64"
	case token.IMAG:
		return "complex128"
	case token.CHAR:
		return "rune"
	case token.STRING:
		return "string"
	}
	return ""
}

// hasCall reports whether e calls a function: a conversion to string of
// an expression without calls is not one.
func hasCall(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "string" && len(n.Args) == 1 {
				return true // a conversion
			}
			found = true
		}
		return !found
	})
	return found
}

// article prefixes a type name with "a" or "an".
func article(typ string) string {
	if typ != "" && strings.ContainsRune("aeiouAEIOU", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}

// keys returns the keys of m.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// closest returns the candidate nearest to s within limit edits, the
// first in order among equals, or "".
func closest(s string, cands []string, limit int) string {
	best, bestDist := "", limit+1
	for _, c := range cands {
		if c == s {
			continue
		}
		d := levenshtein.Distance(strings.ToLower(s), strings.ToLower(c))
		if d < bestDist || d == bestDist && c < best {
			best, bestDist = c, d
		}
	}
	return best
}
