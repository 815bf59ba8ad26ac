// Package gitpush commits a release's package manager manifests to the
// git repository a tap.Repo names (a Homebrew tap, a Scoop bucket, a
// winget source) and pushes the commit: one commit per version, none when
// the repository already holds the files.
package gitpush

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/tap"
)

// branch, author and email return the settings with their defaults.
func branch(repo tap.Repo) string {
	if repo.Branch == "" {
		return "main"
	}
	return repo.Branch
}

func author(repo tap.Repo) (name, email string) {
	name, email = repo.AuthorName, repo.AuthorEmail
	if name == "" {
		name = "magestatic"
	}
	if email == "" {
		email = "magestatic@users.noreply.github.com"
	}
	return name, email
}

var validBranch = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

// Check checks the settings of the repository of the setting field (such
// as "homebrew.Cask.Tap") and, with getenv, that the token variable is
// set; it asks no server. An error names the field and the fix.
func Check(repo tap.Repo, field string, getenv func(string) (string, bool)) error {
	switch {
	case strings.TrimSpace(repo.URL) == "":
		return fmt.Errorf("%s.URL is empty: give the git URL of the repository, such as https://github.com/acme/homebrew-tap.git", field)
	case strings.HasPrefix(repo.URL, "-") || strings.ContainsAny(repo.URL, " \t\r\n"):
		return fmt.Errorf("%s.URL %q: want a git URL", field, repo.URL)
	}
	if u, err := url.Parse(repo.URL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return fmt.Errorf("%s.URL holds a password: remove it, put the token in an environment variable and name it in %s.TokenEnv", field, field)
		}
	}
	b := branch(repo)
	if !validBranch.MatchString(b) || strings.Contains(b, "..") || strings.HasPrefix(b, "-") || strings.HasPrefix(b, "/") || strings.HasSuffix(b, "/") || strings.HasSuffix(b, ".lock") {
		return fmt.Errorf("%s.Branch %q: want a branch name such as main", field, b)
	}
	if repo.Dir != "" && (path.IsAbs(repo.Dir) || path.Clean(repo.Dir) != repo.Dir || repo.Dir == ".." || strings.HasPrefix(repo.Dir, "../") || strings.HasPrefix(repo.Dir, ".git")) {
		return fmt.Errorf("%s.Dir %q: want a clean relative path inside the repository, such as bucket", field, repo.Dir)
	}
	name, email := author(repo)
	if strings.ContainsAny(name+email, "<>\n\r") || !strings.Contains(email, "@") {
		return fmt.Errorf("%s.AuthorName %q, AuthorEmail %q: want a name and an e-mail address without < > or line breaks", field, name, email)
	}
	if repo.TokenEnv != "" {
		if v, ok := getenv(repo.TokenEnv); !ok || v == "" {
			return fmt.Errorf("%s.TokenEnv: the variable %s is not set: set it to a token that may push to %s", field, repo.TokenEnv, repo.URL)
		}
	}
	return nil
}

// Push writes files (paths relative to Dir, slash-separated, → contents)
// into a shallow clone of the repository's branch, commits them with
// message when that changes anything, and pushes the commit. It returns
// the commit's hash, or "" when the branch already held the files. A
// push that the server rejects because the branch moved meanwhile is
// tried again, from a new clone, twice.
//
// git runs as argv in env (the run's environment) with
// GIT_TERMINAL_PROMPT=0, so it fails instead of asking for a password,
// and the token, when TokenEnv names one, in an http.extraHeader that git
// reads from the environment: it is in no command line, file, log or
// error. An error names the repository and what git said.
func Push(ctx context.Context, repo tap.Repo, env []string, files map[string][]byte, message string) (string, error) {
	for name := range files {
		if name == "" || path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") {
			return "", fmt.Errorf("pushing to %s: the file name %q is not a clean relative path", repo.URL, name)
		}
	}
	env, err := environ(repo, env)
	if err != nil {
		return "", err
	}
	for attempt := 1; ; attempt++ {
		commit, err := push(ctx, repo, env, files, message)
		if err == nil || !errors.Is(err, errRejected) || attempt == 3 {
			return commit, err
		}
	}
}

// errRejected marks a push the server refused because the branch moved.
var errRejected = errors.New("the branch moved while the commit was made")

// push is one attempt of Push.
func push(ctx context.Context, repo tap.Repo, env []string, files map[string][]byte, message string) (string, error) {
	tmp, err := os.MkdirTemp("", "magestatic-tap-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	work := filepath.Join(tmp, "repo")
	branch := branch(repo)
	heads, err := git(ctx, env, tmp, "ls-remote", "--heads", "--", repo.URL, "refs/heads/"+branch)
	if err != nil {
		return "", wrap(repo, err)
	}
	if strings.TrimSpace(heads) != "" {
		_, err = git(ctx, env, tmp, "clone", "--quiet", "--depth", "1", "--single-branch", "--branch", branch, "--", repo.URL, work)
	} else {
		if _, err = git(ctx, env, tmp, "init", "--quiet", work); err == nil {
			if _, err = git(ctx, env, work, "checkout", "--quiet", "-b", branch); err == nil {
				_, err = git(ctx, env, work, "remote", "add", "origin", repo.URL)
			}
		}
	}
	if err != nil {
		return "", wrap(repo, err)
	}
	dir := filepath.Join(work, filepath.FromSlash(repo.Dir))
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", wrap(repo, err)
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return "", wrap(repo, err)
		}
		paths = append(paths, path.Join(repo.Dir, n))
	}
	if _, err := git(ctx, env, work, append([]string{"add", "--"}, paths...)...); err != nil {
		return "", wrap(repo, err)
	}
	if _, err := git(ctx, env, work, "diff", "--cached", "--quiet"); err == nil {
		return "", nil // the branch holds the files already
	} else if exit := (*exec.ExitError)(nil); !errors.As(err, &exit) || exit.ExitCode() != 1 {
		return "", wrap(repo, err)
	}
	// The author's variables, not user.name and user.email, so that
	// variables of the same name in env do not win.
	name, email := author(repo)
	commitEnv := append(slices.Clip(env), "GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email, "GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email)
	if _, err := git(ctx, commitEnv, work, "commit", "--quiet", "--no-verify", "-m", message); err != nil {
		return "", wrap(repo, err)
	}
	if _, err := git(ctx, env, work, "push", "--quiet", "origin", "HEAD:refs/heads/"+branch); err != nil {
		if s := err.Error(); strings.Contains(s, "[rejected]") || strings.Contains(s, "non-fast-forward") || strings.Contains(s, "fetch first") {
			return "", fmt.Errorf("pushing to %s: %w: %w", repo.URL, errRejected, err)
		}
		return "", wrap(repo, err)
	}
	commit, err := git(ctx, env, work, "rev-parse", "HEAD")
	if err != nil {
		return "", wrap(repo, err)
	}
	return strings.TrimSpace(commit), nil
}

// wrap names the repository in err.
func wrap(repo tap.Repo, err error) error {
	return fmt.Errorf("pushing to %s (branch %s): %w", repo.URL, branch(repo), err)
}

// environ returns env with what every git of Push needs: no prompt, the
// C locale, and the token's header as git configuration, added after
// any configuration env gives through GIT_CONFIG_COUNT.
func environ(repo tap.Repo, env []string) ([]string, error) {
	env = append(slices.Clip(env), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	if repo.TokenEnv == "" {
		return env, nil
	}
	token, n := "", 0
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case repo.TokenEnv:
			token = v
		case "GIT_CONFIG_COUNT":
			n, _ = strconv.Atoi(v)
		}
	}
	if token == "" {
		return nil, fmt.Errorf("pushing to %s: the variable %s, which TokenEnv names, is not set", repo.URL, repo.TokenEnv)
	}
	user := repo.TokenUser
	if user == "" {
		user = "x-access-token"
	}
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + token))
	i := strconv.Itoa(n)
	return append(env,
		"GIT_CONFIG_COUNT="+strconv.Itoa(n+1),
		"GIT_CONFIG_KEY_"+i+"=http.extraHeader",
		"GIT_CONFIG_VALUE_"+i+"=Authorization: Basic "+auth,
	), nil
}

// git runs git with args in dir, in env, and returns its standard output;
// its error holds git's standard error.
func git(ctx context.Context, env []string, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("git is not installed: install git to push manifests: %w", err)
		}
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
