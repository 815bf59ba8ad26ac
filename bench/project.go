// Package bench measures magestatic against the tools its users would
// otherwise pick, on real projects fetched at pinned versions through the
// Go module proxy: the seed's sequential loop of go build commands,
// magestatic's Cross and Release, and GoReleaser, cold, warm and with
// nothing to do. The bench target in magefiles runs it. It is a module of
// its own, so that the library's module carries none of it.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
)

// Project is a program built by the benchmark, fetched from the module
// proxy at a pinned version.
type Project struct {
	Name       string // short name, also the binary's name
	Module     string // module path
	Version    string // pinned module version, also the git tag
	Main       string // main package, relative to the module root ("." or "./cmd/x")
	VersionVar string // variable that receives the version with -X; "" for none
}

// Projects are the projects the benchmark knows: fzf, as in the issue; yq,
// a larger program (HCL, Lua, TOML, JSON and YAML libraries); and esbuild,
// whose compile one package dominates (internal/js_parser, 19,000 lines,
// on which the packages after it wait). yq is pinned at v4.45.1 because
// the proxy here does not serve a dependency of the newer releases.
// esbuild's version is a constant, so no tool stamps it.
var Projects = []Project{
	{Name: "fzf", Module: "github.com/junegunn/fzf", Version: "v0.74.3", Main: ".", VersionVar: "main.version"},
	{Name: "yq", Module: "github.com/mikefarah/yq/v4", Version: "v4.45.1", Main: ".", VersionVar: "github.com/mikefarah/yq/v4/cmd.Version"},
	{Name: "esbuild", Module: "github.com/evanw/esbuild", Version: "v0.28.2", Main: "./cmd/esbuild"},
}

// Lookup returns the known project called name.
func Lookup(name string) (Project, error) {
	var names []string
	for _, p := range Projects {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Project{}, fmt.Errorf("unknown project %q: want one of %s", name, strings.Join(names, ", "))
}

// CommitTime is the author and committer date of the benchmark's commit,
// so that every run builds the same commit.
const CommitTime = "2026-01-01T00:00:00Z"

// Fetch downloads p through the go command, copies it to dir (which must
// not exist), makes the copy a git repository with one commit at
// CommitTime tagged p.Version, and downloads the modules its main package
// needs on each of the platforms, so that no build is timed while it
// downloads. env is the environment of the commands.
func Fetch(ctx context.Context, p Project, dir string, platforms []platform.Platform, env []string) error {
	out, err := run(ctx, "", env, "go", "mod", "download", "-json", p.Module+"@"+p.Version)
	var mod struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &mod); jerr != nil && err == nil {
		err = jerr
	}
	if mod.Error != "" {
		err = fmt.Errorf("%s", mod.Error)
	}
	if err != nil {
		return fmt.Errorf("downloading %s@%s: %w", p.Module, p.Version, err)
	}
	if err := copyTree(mod.Dir, dir); err != nil {
		return fmt.Errorf("copying %s: %w", p.Name, err)
	}
	genv := append(env, "GIT_AUTHOR_DATE="+CommitTime, "GIT_COMMITTER_DATE="+CommitTime,
		"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@example.invalid",
		"GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@example.invalid")
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"commit", "-q", "--no-gpg-sign", "-m", p.Module + " " + p.Version},
		{"tag", p.Version},
	} {
		if _, err := run(ctx, dir, genv, "git", args...); err != nil {
			return fmt.Errorf("making %s a git repository: %w", p.Name, err)
		}
	}
	for _, pl := range platforms {
		penv := append(env, pl.Env()...)
		penv = append(penv, "CGO_ENABLED=0")
		if _, err := run(ctx, dir, penv, "go", "list", "-deps", p.Main); err != nil {
			return fmt.Errorf("downloading the modules of %s for %s: %w", p.Name, pl, err)
		}
	}
	return nil
}

// Checkout returns the root of the magestatic checkout whose bench module
// the go command runs in: the directory the bench module's go.mod replaces
// the library with.
func Checkout(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/magestatic/magestatic").Output()
	if err != nil {
		return "", fmt.Errorf("finding the magestatic checkout (run the benchmark from its bench directory): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Clone makes dst a clone of the repository at src, with its tags.
func Clone(ctx context.Context, src, dst string, env []string) error {
	if _, err := run(ctx, "", env, "git", "clone", "-q", src, dst); err != nil {
		return fmt.Errorf("cloning %s: %w", src, err)
	}
	return nil
}

// copyTree copies the regular files and directories under src to dst,
// writable by the owner, as the module cache's copies are read-only.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFile(path, target, info.Mode().Perm()|0o600)
	})
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// run runs name with args in dir and returns its standard output; the
// error carries the standard error.
func run(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(stderr.String(), 10))
	}
	return out, nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
