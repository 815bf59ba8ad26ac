package stamp

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// head is what goVersion needs to know about the HEAD commit.
type head struct {
	env     []string // the environment git runs in (see gitCommand)
	cat     *catFile // reads files from the commit
	top     string   // the top of the work tree
	commit  string   // full hash
	time    int64    // committer time, Unix seconds
	tags    []string // the tags pointing at HEAD
	modPath string   // the path of the module being built, from its go.mod
}

// goVersion returns the version the go command (1.24 and later) records as
// the main module's version ("mod" in go version -m) when it builds the
// module h.modPath with -buildvcs=true, following cmd/go's
// modfetch.codeRepo.Stat for a local repository:
//
//   - the module's tag prefix is its path below the path of the module at
//     the top of the repository ("services/api/"), without a major-version
//     suffix;
//   - the highest canonical semantic version among the module's tags on
//     HEAD (v1.2.3 or v1.2.3-rc.1, not v1.2 or v1.2.3+meta), when its major
//     version matches the module path's;
//   - else a pseudo-version on the highest such tag, canonical or with
//     build metadata, that HEAD descends from (v1.2.4-0.20260102030405-
//     0123456789ab), or on none (v0.0.0-20260102030405-0123456789ab);
//
// The caller adds "+dirty" when the tree has changes (see dirtyGoVersion).
//
// It returns "" where the go command records "(devel)": no go.mod at the top
// of the repository, a module path that is not below that module's, a
// go.mod at HEAD that does not match the module path, .git not a directory
// (a worktree), or a gopkg.in module path. The local lookup lists no tags,
// so retractions never apply.
func goVersion(ctx context.Context, h head) (string, error) {
	if fi, err := os.Stat(filepath.Join(h.top, ".git")); err != nil || !fi.IsDir() {
		return "", nil
	}
	rootPath := modulePath(filepath.Join(h.top, "go.mod"))
	if rootPath == "" || h.modPath == "" {
		return "", nil
	}
	codeRoot, _, ok := splitPathVersion(rootPath)
	if !ok || !hasPathPrefix(h.modPath, codeRoot) {
		return "", nil
	}
	pathPrefix, pathMajor, ok := splitPathVersion(h.modPath)
	if !ok {
		return "", nil
	}
	codeDir := ""
	if codeRoot != h.modPath {
		if !hasPathPrefix(pathPrefix, codeRoot) {
			return "", nil
		}
		codeDir = strings.Trim(pathPrefix[len(codeRoot):], "/")
	}

	// The go.mod at HEAD must claim the module's major version, either in
	// codeDir or, for a major-version suffix, in codeDir/vN.
	files := map[string][]byte{}
	file1 := path.Join(codeDir, "go.mod")
	file2 := ""
	if pathMajor != "" && codeRoot != h.modPath {
		file2 = path.Join(codeDir, pathMajor[1:], "go.mod")
	}
	if err := h.cat.read(h.commit, files, file1, file2); err != nil {
		return "", err
	}
	mod1, mod2 := files[file1], files[file2]
	found1 := mod1 != nil && (isMajor(goModPath(mod1), pathMajor) || pathMajor == "" && strings.HasPrefix(goModPath(mod1), "gopkg.in/"))
	found2 := file2 != "" && mod2 != nil && isMajor(goModPath(mod2), pathMajor)
	switch {
	case found1 && found2: // both claim the module
		return "", nil
	case found2:
	case file2 != "" && mod2 != nil: // vN/go.mod of another module
		return "", nil
	case found1:
	case mod1 != nil: // go.mod of another major version
		return "", nil
	case codeDir != "" || pathMajor != "": // only the top may lack a go.mod
		return "", nil
	}

	// A version of another major is allowed as +incompatible only for a
	// module at the top whose HEAD has no go.mod there nor in vN/.
	var readErr error
	incompatible := func(v string) bool {
		if codeDir != "" || pathMajor != "" || mod1 != nil {
			return false
		}
		sub := path.Join(semverMajor(v), "go.mod")
		if err := h.cat.read(h.commit, files, sub); err != nil && readErr == nil {
			readErr = err
		}
		return files[sub] == nil
	}
	allowed := func(v string) bool {
		return matchPathMajor(v, pathMajor) || incompatible(v)
	}
	tagPrefix := ""
	if codeDir != "" {
		tagPrefix = codeDir + "/"
	}

	best := ""
	for _, tag := range h.tags {
		v, canonical := tagVersion(tag, tagPrefix)
		if canonical && compareSemver(best, v) < 0 && allowed(v) {
			best = v
		}
	}
	if best == "" {
		out, err := git(ctx, h.env, h.top, "for-each-ref", "--format=%(refname)", "--merged="+h.commit, "refs/tags/")
		if err != nil {
			return "", err
		}
		highest := ""
		for _, ref := range strings.Fields(out) {
			tag := strings.TrimPrefix(ref, "refs/tags/")
			v, _ := tagVersion(tag, tagPrefix)
			if v != "" && allowed(v) && compareSemver(tag[len(tagPrefix):], highest) > 0 {
				highest = tag[len(tagPrefix):]
			}
		}
		base, _ := tagVersion(tagPrefix+highest, tagPrefix)
		major := "v0"
		if pathMajor != "" {
			major = pathMajor[1:]
		}
		best = pseudoVersion(major, base, time.Unix(h.time, 0), h.commit[:min(12, len(h.commit))])
	}
	if !matchPathMajor(best, pathMajor) {
		if !incompatible(best) {
			return "", readErr
		}
		best += "+incompatible"
	}
	if readErr != nil {
		return "", readErr
	}
	return best, nil
}

// dirtyGoVersion returns the version v the go command records for a tree
// with changes: "+dirty" added, ".dirty" after "+incompatible"; "" stays
// "".
func dirtyGoVersion(v string) string {
	switch {
	case v == "":
		return ""
	case strings.HasSuffix(v, "+incompatible"):
		return v + ".dirty"
	}
	return v + "+dirty"
}

// tagVersion returns the semantic version that tag names for a module
// whose tags start with prefix, and whether the tag is that version
// exactly (not v1.2.3+meta). It returns "" for a tag of another prefix, an
// incomplete version (v1.2) or one that looks like a pseudo-version.
func tagVersion(tag, prefix string) (v string, canonical bool) {
	rest, ok := strings.CutPrefix(tag, prefix)
	if !ok || isPseudoVersion(tag) {
		return "", false
	}
	v = canonicalSemver(rest)
	if v == "" || !strings.HasPrefix(rest, v) {
		return "", false
	}
	return v, v == rest
}

var pseudoVersionRE = regexp.MustCompile(`^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// isPseudoVersion reports whether v has the form of a pseudo-version.
func isPseudoVersion(v string) bool {
	_, ok := parseSemver(v)
	return ok && strings.Count(v, "-") >= 2 && pseudoVersionRE.MatchString(v)
}

// pseudoVersion returns the pseudo-version of the commit short made at t,
// on the canonical version base ("" for none).
func pseudoVersion(major, base string, t time.Time, short string) string {
	segment := t.UTC().Format("20060102150405") + "-" + short
	switch {
	case base == "":
		return major + ".0.0-" + segment
	case strings.Contains(base, "-"):
		return base + ".0." + segment
	}
	i := strings.LastIndex(base, ".") + 1
	return base[:i] + incDecimal(base[i:]) + "-0." + segment
}

// incDecimal returns the decimal number s plus one.
func incDecimal(s string) string {
	d := []byte(s)
	i := len(d) - 1
	for ; i >= 0 && d[i] == '9'; i-- {
		d[i] = '0'
	}
	if i < 0 {
		return "1" + string(d)
	}
	d[i]++
	return string(d)
}

// matchPathMajor reports whether version v suits a module path with the
// major-version suffix pathMajor ("" or "/v2").
func matchPathMajor(v, pathMajor string) bool {
	m := semverMajor(v)
	if pathMajor == "" {
		return m == "v0" || m == "v1"
	}
	return m == pathMajor[1:]
}

// isMajor reports whether module path mpath has the major-version suffix
// pathMajor.
func isMajor(mpath, pathMajor string) bool {
	if mpath == "" {
		return false
	}
	_, mpathMajor, ok := splitPathVersion(mpath)
	return ok && mpathMajor == pathMajor
}

// splitPathVersion splits a module path into its prefix and its
// major-version suffix ("example.com/m", "/v2"); ok is false for an
// invalid suffix (/v0, /v1, /v2.1) and for gopkg.in paths, which this
// package does not handle.
func splitPathVersion(p string) (prefix, pathMajor string, ok bool) {
	if strings.HasPrefix(p, "gopkg.in/") {
		return p, "", false
	}
	i := len(p)
	dot := false
	for i > 0 && ('0' <= p[i-1] && p[i-1] <= '9' || p[i-1] == '.') {
		dot = dot || p[i-1] == '.'
		i--
	}
	if i <= 1 || i == len(p) || p[i-1] != 'v' || p[i-2] != '/' {
		return p, "", true
	}
	prefix, pathMajor = p[:i-2], p[i-2:]
	if dot || len(pathMajor) <= 2 || pathMajor[2] == '0' || pathMajor == "/v1" {
		return p, "", false
	}
	return prefix, pathMajor, true
}

// hasPathPrefix reports whether the slash-separated path s is prefix or
// below it.
func hasPathPrefix(s, prefix string) bool {
	if len(s) <= len(prefix) {
		return s == prefix
	}
	if prefix != "" && prefix[len(prefix)-1] == '/' {
		return strings.HasPrefix(s, prefix)
	}
	return s[len(prefix)] == '/' && s[:len(prefix)] == prefix
}

// modulePath returns the module path declared by the go.mod file at file,
// or "" when there is none.
func modulePath(file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	return goModPath(data)
}

// goModPath returns the module path declared in the contents of a go.mod
// file, or "" when it declares none, as modfile.ModulePath reads it.
func goModPath(mod []byte) string {
	for line := range strings.Lines(string(mod)) {
		line, _, _ = strings.Cut(line, "//")
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || rest == "" || strings.TrimSpace(rest) == rest {
			continue // not "module" and white space
		}
		rest = strings.TrimSpace(rest)
		if rest[0] == '"' || rest[0] == '`' {
			p, err := strconv.Unquote(rest)
			if err != nil {
				return ""
			}
			return p
		}
		return rest
	}
	return ""
}
