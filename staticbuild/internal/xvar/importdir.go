package xvar

import (
	"go/build"
	"path/filepath"
	"strings"
)

// importDir reads the main package at mainPkg, a directory relative to
// dir ("." or "./cmd/tool"), as go build takes it for the GOOS, GOARCH,
// CGO_ENABLED and -tags of env, without starting the go command. It
// returns nil when mainPkg is not such a directory or go/build cannot
// read it, for go list to say why.
func importDir(env []string, dir, mainPkg string) *pkg {
	if mainPkg != "." && !strings.HasPrefix(mainPkg, "./") {
		return nil
	}
	c := build.Default
	c.GOOS = lookup(env, "GOOS", c.GOOS)
	c.GOARCH = lookup(env, "GOARCH", c.GOARCH)
	c.CgoEnabled = lookup(env, "CGO_ENABLED", "0") == "1"
	c.ToolTags = nil // the host's architecture levels say nothing of the target's
	c.BuildTags = nil
	for _, f := range strings.Fields(lookup(env, "GOFLAGS", "")) {
		if tags, ok := strings.CutPrefix(f, "-tags="); ok && tags != "" {
			c.BuildTags = strings.Split(tags, ",")
		}
	}
	bp, err := c.ImportDir(filepath.Join(dir, filepath.FromSlash(mainPkg)), 0)
	if err != nil {
		return nil
	}
	return &pkg{ImportPath: bp.ImportPath, Name: bp.Name, Dir: bp.Dir, GoFiles: bp.GoFiles, CgoFiles: bp.CgoFiles, IgnoredGoFiles: bp.IgnoredGoFiles}
}

// lookup returns the last value of key in env, else def.
func lookup(env []string, key, def string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return def
}
