package pkgsize

import (
	"path"
	"strings"
)

// packagePath returns the import path of the package a function belongs
// to, given its symbol name, or "" if the name does not tell. It handles
//
//	github.com/a/b.(*T).M         github.com/a/b (methods)
//	pkg.F.func1, pkg.F.gowrap2    pkg (closures and wrappers)
//	pkg.F[...], pkg.(*T[...]).M   pkg (generic instantiations)
//	gopkg.in/yaml%2ev3.F          gopkg.in/yaml.v3 (the linker writes the
//	                              dots of the last path element as %2e)
//	type:.eq.net/http.Header      net/http (the package of the type that
//	                              the compiler generated the function for)
//	type:.eq.[8]struct { ... }    "" (an anonymous type)
//	go:struct { ... }.Read        "" (compiler generated, no package)
//	cmpbody                       "" (assembly local to a file)
func packagePath(name string) string {
	// Functions the compiler generates for a type: type:.eq.T,
	// type:.hash.T (type..eq.T before Go 1.20).
	for _, prefix := range []string{"type:.", "type.."} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				return ""
			}
			name = trimTypeConstructors(rest[i+1:])
			break
		}
	}
	if strings.HasPrefix(name, "go:") || strings.HasPrefix(name, "go.") || strings.HasPrefix(name, "type:") {
		return ""
	}
	// The type arguments of generic functions, which may hold any path.
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot <= 0 {
		return ""
	}
	pkg := name[:slash+1+dot]
	if strings.ContainsAny(pkg, " (){}*;,") {
		return ""
	}
	return unescape(pkg)
}

// trimTypeConstructors removes the array, slice and pointer constructors
// from the front of a type, leaving its element type: [8]*pkg.T is pkg.T.
func trimTypeConstructors(t string) string {
	for {
		switch {
		case strings.HasPrefix(t, "*"):
			t = t[1:]
		case strings.HasPrefix(t, "["):
			i := strings.IndexByte(t, ']')
			if i < 0 || strings.Trim(t[1:i], "0123456789") != "" {
				return t
			}
			t = t[i+1:]
		default:
			return t
		}
	}
}

// unescape undoes the escaping of package paths in symbol names
// (cmd/internal/objabi.PathToPrefix): %xx stands for byte xx.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// dirPackage returns the package of a source file: the longest package in
// known whose path ends the file's directory, once any module version
// (@v1.2.3) is dropped. File names come as the build wrote them:
// "runtime/asm_amd64.s" with -trimpath, "/usr/local/go/src/runtime/asm_amd64.s"
// without, "golang.org/x/crypto@v0.1.0/sha3/keccak_amd64.s" from the module
// cache. It returns "" if none matches.
func dirPackage(file string, known map[string]bool) string {
	if file == "" || strings.HasPrefix(file, "<") {
		return ""
	}
	dir := path.Dir(strings.ReplaceAll(file, "\\", "/"))
	parts := strings.Split(dir, "/")
	for i, p := range parts {
		if at := strings.IndexByte(p, '@'); at >= 0 {
			parts[i] = p[:at]
		}
	}
	for i := range parts {
		if p := strings.Join(parts[i:], "/"); known[p] {
			return p
		}
	}
	return ""
}
