package gitea

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"strings"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/forge"
)

// open returns the client of the repository rel names, with the token
// of the run's environment; its errors say which setting is missing and
// how to give it.
func (rel Release) open(ctx context.Context, r *staticbuild.Run) (forge.Forge, error) {
	root, repo, err := rel.where(ctx, r)
	if err != nil {
		return nil, err
	}
	token, _ := forge.Token(r.Getenv, "GITEA_TOKEN", "FORGEJO_TOKEN")
	if token == "" {
		return nil, fmt.Errorf("%w to publish to %s/%s with: set GITEA_TOKEN (or FORGEJO_TOKEN) to a token with the scope write:repository, made in the user's Settings > Applications", forge.ErrNoToken, root.Host, repo)
	}
	c := newClient(root, repo, token)
	c.api.Logf = r.Logf // a line for each request made again
	return c, nil
}

// where returns the server's root and the repository: rel's fields, else
// the Actions job's variables, else the origin remote's URL.
func (rel Release) where(ctx context.Context, r *staticbuild.Run) (*url.URL, string, error) {
	rawURL, repo := rel.URL, rel.Repo
	if actions(r) {
		server, _ := r.Getenv("GITHUB_SERVER_URL")
		name, _ := r.Getenv("GITHUB_REPOSITORY")
		rawURL, repo = cmp.Or(rawURL, server), cmp.Or(repo, name)
	}
	if rawURL == "" || repo == "" {
		remote, err := originURL(ctx, r)
		if err != nil {
			return nil, "", fmt.Errorf("gitea.Release has no URL and Repo, and %w: set them, such as URL: \"https://gitea.example\", Repo: \"acme/app\"", err)
		}
		u, name, err := parseRemote(remote)
		if err != nil {
			return nil, "", fmt.Errorf("gitea.Release has no URL and Repo, and the origin remote's URL %q: %w: set them, such as URL: \"https://gitea.example\", Repo: \"acme/app\"", remote, err)
		}
		rawURL, repo = cmp.Or(rawURL, u), cmp.Or(repo, name)
	}
	root, err := parseRoot(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("gitea.Release.URL %q: %w", rawURL, err)
	}
	if !repoRE.MatchString(repo) {
		return nil, "", fmt.Errorf("gitea.Release.Repo %q: want owner/name, such as acme/app", repo)
	}
	return root, repo, nil
}

// actions reports whether the run is a job of Gitea's or Forgejo's
// Actions, whose GITHUB_SERVER_URL and GITHUB_REPOSITORY name the server
// and repository (in a GitHub Actions job they name GitHub's).
func actions(r *staticbuild.Run) bool {
	g, _ := r.Getenv("GITEA_ACTIONS")
	f, _ := r.Getenv("FORGEJO_ACTIONS")
	return g == "true" || f == "true"
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// parseRoot parses a server's root URL: http or https, with a host, and
// no query, fragment or user; its path ends with a slash.
func parseRoot(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("want the server's root, such as https://gitea.example, with no user, query or fragment")
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/"
	u.RawPath = ""
	return u, nil
}

// originURL returns the URL of the git remote origin of the project.
func originURL(ctx context.Context, r *staticbuild.Run) (string, error) {
	cmd := exec.CommandContext(ctx, "git", "remote", "get-url", "origin")
	cmd.Dir = r.Dir
	cmd.Env = r.Environ()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("the project has no git remote origin (git remote get-url origin: %v)", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// parseRemote returns the server's root and the repository of a git
// remote's URL: "https://gitea.example/sub/acme/app.git" is
// "https://gitea.example/sub" and "acme/app"; an SSH remote
// ("git@gitea.example:acme/app.git", "ssh://git@gitea.example:2222/acme/app")
// gives https and the host, without the SSH port.
func parseRemote(remote string) (root, repo string, err error) {
	var scheme, host, path string
	switch u, perr := url.Parse(remote); {
	case perr == nil && (u.Scheme == "http" || u.Scheme == "https"):
		scheme, host, path = u.Scheme, u.Host, u.Path
	case perr == nil && u.Scheme == "ssh":
		scheme, host, path = "https", u.Hostname(), u.Path
	case !strings.Contains(remote, "://") && strings.Contains(remote, ":"):
		h, p, _ := strings.Cut(remote, ":")
		scheme, host, path = "https", h[strings.LastIndex(h, "@")+1:], p
	default:
		return "", "", fmt.Errorf("not an http, https or ssh URL")
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	parts := strings.Split(path, "/")
	if host == "" || len(parts) < 2 || parts[len(parts)-1] == "" || parts[len(parts)-2] == "" {
		return "", "", fmt.Errorf("no host and owner/name in it")
	}
	n := len(parts)
	root = scheme + "://" + host
	if n > 2 {
		root += "/" + strings.Join(parts[:n-2], "/")
	}
	return root, parts[n-2] + "/" + parts[n-1], nil
}
