// Package stamp reads the version, commit and build time of a source tree
// from git, for injection with -ldflags -X.
//
// The build time is SOURCE_DATE_EPOCH when set, else the commit time; never
// the wall clock, so two builds of one commit are identical.
package stamp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Stamp is what a build records about its source.
type Stamp struct {
	Version string    // exact tag on HEAD, else git describe style, else "dev"
	Commit  string    // full commit hash; "" outside git
	Time    time.Time // SOURCE_DATE_EPOCH or commit time, UTC; zero outside git without SOURCE_DATE_EPOCH
	Tag     string    // the tag on HEAD, "" when HEAD is not tagged
	Dirty   bool      // the tree has changes git status reports (tracked or untracked)
	Changes []string  // the changed and untracked files, relative to the top of the work tree
	Top     string    // the top of the git work tree
	Git     bool      // the directory is inside a git work tree
}

// TimeString returns Time in RFC 3339 UTC, or "" when it is zero.
func (s Stamp) TimeString() string {
	if s.Time.IsZero() {
		return ""
	}
	return s.Time.UTC().Format(time.RFC3339)
}

// Read reads the stamp of the git work tree at dir. sourceDateEpoch is the
// value of SOURCE_DATE_EPOCH ("" when unset). Outside a git work tree, or
// when git is not installed, Read returns Version "dev" and no error; a git
// that fails inside a work tree is an error.
func Read(ctx context.Context, dir, sourceDateEpoch string) (Stamp, error) {
	s := Stamp{Version: "dev"}
	if sourceDateEpoch != "" {
		sec, err := strconv.ParseInt(sourceDateEpoch, 10, 64)
		if err != nil || sec < 0 {
			return s, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want whole seconds since 1970-01-01 UTC", sourceDateEpoch)
		}
		s.Time = time.Unix(sec, 0).UTC()
	}
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || strings.Contains(err.Error(), "not a git repository") {
			return s, nil
		}
		return s, err
	}
	s.Git, s.Top = true, top
	out, err := git(ctx, dir, "log", "-1", "--format=%H %ct")
	if err != nil {
		if strings.Contains(err.Error(), "does not have any commits") {
			return s, fmt.Errorf("git repository at %s has no commits yet: commit once so the build can be versioned", dir)
		}
		return s, err
	}
	hash, ct, _ := strings.Cut(out, " ")
	s.Commit = hash
	if s.Time.IsZero() {
		sec, err := strconv.ParseInt(ct, 10, 64)
		if err != nil {
			return s, fmt.Errorf("reading commit time %q: %w", ct, err)
		}
		s.Time = time.Unix(sec, 0).UTC()
	}
	status, err := gitRaw(ctx, dir, "status", "--porcelain", "-z", "--untracked-files=all")
	if err != nil {
		return s, err
	}
	s.Changes = parseStatus(status)
	s.Dirty = len(s.Changes) > 0
	tags, err := git(ctx, dir, "tag", "--points-at", "HEAD")
	if err != nil {
		return s, err
	}
	if tag := pickTag(strings.Fields(tags)); tag != "" {
		s.Tag = tag
		s.Version = tag
		if s.Dirty {
			s.Version += "-dirty"
		}
		return s, nil
	}
	desc, err := git(ctx, dir, "describe", "--tags", "--always", "--abbrev=12")
	if err != nil {
		return s, err
	}
	s.Version = desc
	if s.Dirty {
		// Untracked files count, as they do for the go command's
		// vcs.modified; git describe --dirty would ignore them.
		s.Version += "-dirty"
	}
	return s, nil
}

// parseStatus returns the paths in the output of git status --porcelain -z.
func parseStatus(out string) []string {
	var paths []string
	fields := strings.Split(out, "\x00")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if len(f) < 4 {
			continue
		}
		paths = append(paths, f[3:])
		if f[0] == 'R' || f[0] == 'C' {
			i++ // the rename's source follows
		}
	}
	return paths
}

// pickTag returns the tag to use when HEAD has several: the highest
// semantic version among those that look like one, else the last in sort
// order.
func pickTag(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	sort.Slice(tags, func(i, j int) bool { return lessVersion(tags[i], tags[j]) })
	return tags[len(tags)-1]
}

// lessVersion orders "v1.2.3"-style tags numerically; other tags sort before
// them, by name.
func lessVersion(a, b string) bool {
	na, oka := numbers(a)
	nb, okb := numbers(b)
	if oka != okb {
		return !oka
	}
	if oka {
		for i := range 3 {
			if na[i] != nb[i] {
				return na[i] < nb[i]
			}
		}
		// A pre-release sorts before its release.
		pa, pb := strings.Contains(a, "-"), strings.Contains(b, "-")
		if pa != pb {
			return pa
		}
	}
	return a < b
}

// numbers parses the major, minor and patch of "v1.2.3[-pre][+meta]".
func numbers(tag string) ([3]int, bool) {
	var n [3]int
	s := strings.TrimPrefix(tag, "v")
	s, _, _ = strings.Cut(s, "+")
	s, _, _ = strings.Cut(s, "-")
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return n, false
	}
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return n, false
		}
		n[i] = v
	}
	return n, true
}

// git runs git in dir and returns its trimmed standard output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := gitRaw(ctx, dir, args...)
	return strings.TrimSpace(out), err
}

// gitRaw runs git in dir and returns its standard output.
func gitRaw(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("git is not installed: %w", err)
		}
		return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
