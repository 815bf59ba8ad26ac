package notes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"golang.org/x/mod/semver"
)

// FromCommits returns the notes of the release tagged tag in the git
// repository at dir: Read's notes rendered with DefaultTemplate.
func FromCommits(ctx context.Context, dir string, env []string, tag string) (string, error) {
	n, err := Read(ctx, dir, env, tag)
	if err != nil {
		return "", err
	}
	t, err := Parse(DefaultTemplate)
	if err != nil {
		return "", err
	}
	return n.Render(t)
}

// Read returns the commits of the release tagged tag in the git repository
// at dir: those reachable from the tag and not from the previous release's
// tag, merges left out, newest first.
//
// A tag is a semantic version with a leading "v", after a prefix that
// names the directory of a nested module: "v1.2.3", or
// "services/api/v1.2.3" for the module in services/api. The previous
// release's tag is the highest version below tag's of the tags with the
// same prefix that point at the tag's commit or one of its ancestors;
// tags with another prefix do not count. For a release whose version has
// no pre-release part, pre-release tags are skipped too, so the notes of
// v1.3.0 cover every change since v1.2.0 and not only those since
// v1.3.0-rc.2. With a prefix, only the commits that change files below
// the prefix's directory are listed. Without a previous tag, every commit
// up to the tag is: the first release. A shallow clone without the
// previous tag is an error, as its history may be cut short.
//
// git runs in dir as argv, in env (the caller's resolved environment; nil
// is an empty one), with LC_ALL=C and GIT_OPTIONAL_LOCKS=0 added. An error
// names dir, the tag and the fix.
func Read(ctx context.Context, dir string, env []string, tag string) (Notes, error) {
	prefix, version := splitTag(tag)
	n := Notes{Tag: tag, Version: version}
	if !fullSemver(version) || strings.HasPrefix(tag, "-") {
		return n, fmt.Errorf("release notes: the tag %q is not a semantic version tag: want v1.2.3, or dir/v1.2.3 for the module in dir", tag)
	}
	commit, err := git(ctx, env, dir, "rev-parse", "--verify", "--quiet", "refs/tags/"+tag+"^{commit}")
	// git rev-parse --verify --quiet exits with 1, saying nothing, when
	// there is no such tag.
	if exit := (*exec.ExitError)(nil); err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		return n, fmt.Errorf("release notes for %s: %w", tag, err)
	}
	if err != nil || commit == "" {
		return n, fmt.Errorf("release notes: the tag %s is not in the git repository at %s: tag the commit (git tag %s) or fetch the tags (git fetch --tags)", tag, dir, tag)
	}
	out, err := git(ctx, env, dir, "tag", "--merged", commit)
	if err != nil {
		return n, fmt.Errorf("release notes for %s: %w", tag, err)
	}
	n.Previous = previous(strings.Fields(out), prefix, version)
	n.PreviousVersion = strings.TrimPrefix(n.Previous, prefix)
	rev := commit
	if n.Previous == "" {
		shallow, err := git(ctx, env, dir, "rev-parse", "--is-shallow-repository")
		if err != nil {
			return n, fmt.Errorf("release notes for %s: %w", tag, err)
		}
		if shallow == "true" {
			return n, fmt.Errorf("release notes for %s: the repository at %s is a shallow clone and has no earlier %sv* tag, which the clone may have cut off: fetch the whole history (git fetch --unshallow --tags; in GitHub Actions, actions/checkout with fetch-depth: 0)", tag, dir, prefix)
		}
	} else {
		rev = "refs/tags/" + n.Previous + ".." + commit
	}
	args := []string{"log", "--no-merges", "--no-show-signature", "--no-color", "-z", "--format=%H%n%s%n%b", rev}
	if prefix != "" {
		args = append(args, "--", ":(top)"+strings.TrimSuffix(prefix, "/"))
	}
	out, err = gitRaw(ctx, env, dir, args...)
	if err != nil {
		return n, fmt.Errorf("release notes for %s: %w", tag, err)
	}
	n.Commits = parseLog(out)
	n.Sections = group(n.Commits)
	return n, nil
}

// splitTag splits a tag into its prefix, "" or a directory ending in "/",
// and the version after it.
func splitTag(tag string) (prefix, version string) {
	i := strings.LastIndex(tag, "/")
	return tag[:i+1], tag[i+1:]
}

// previous returns the highest version tag in tags that has prefix and is
// below version (and, when version has no pre-release, has none either),
// or "" when there is none. Tags of equal precedence are ordered by name.
func previous(tags []string, prefix, version string) string {
	best, bestV := "", ""
	for _, t := range tags {
		v, ok := strings.CutPrefix(t, prefix)
		if !ok || strings.Contains(v, "/") || !fullSemver(v) || semver.Compare(v, version) >= 0 {
			continue
		}
		if semver.Prerelease(version) == "" && semver.Prerelease(v) != "" {
			continue
		}
		if c := semver.Compare(v, bestV); best == "" || c > 0 || c == 0 && t > best {
			best, bestV = t, v
		}
	}
	return best
}

// fullSemver reports whether v is a complete semantic version with a
// leading "v": v1.2.3, v1.3.0-rc.1, v1.2.3+meta; not v1.2.
func fullSemver(v string) bool {
	return semver.IsValid(v) && semver.Canonical(v)+semver.Build(v) == v
}

// parseLog returns the commits in the output of git log -z
// --format=%H%n%s%n%b.
func parseLog(out string) []Commit {
	var commits []Commit
	for _, rec := range strings.Split(out, "\x00") {
		rec = strings.TrimLeft(rec, "\n")
		if rec == "" {
			continue
		}
		f := strings.SplitN(rec, "\n", 3)
		for len(f) < 3 {
			f = append(f, "")
		}
		commits = append(commits, parseMessage(f[0], strings.TrimSpace(f[1]), f[2]))
	}
	return commits
}

// git runs git in dir and returns its trimmed standard output.
func git(ctx context.Context, env []string, dir string, args ...string) (string, error) {
	out, err := gitRaw(ctx, env, dir, args...)
	return strings.TrimSpace(out), err
}

// gitRaw runs git with args in dir, in env with LC_ALL=C and
// GIT_OPTIONAL_LOCKS=0 added, and returns its standard output. Its error
// holds git's standard error.
func gitRaw(ctx context.Context, env []string, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(slices.Clip(env), "LC_ALL=C", "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("git is not installed: install git to write release notes from commits: %w", err)
		}
		return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.ReplaceAll(stdout.String(), "\r\n", "\n"), nil
}
