package github

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/forge"
)

// open returns the repository to publish to (see connect).
func (rel Release) open(ctx context.Context, r *staticbuild.Run) (forge.Forge, error) {
	return rel.connect(ctx, r, r.Dir)
}

// env is what connect reads of a run: its environment and its log.
type env interface {
	Getenv(key string) (string, bool)
	Environ() []string
	Logf(format string, args ...any)
}

// connect returns the repository to publish to, with its settings
// resolved from rel, the environment and the origin remote of the
// project in dir, and the token found (see findToken).
func (rel Release) connect(ctx context.Context, r env, dir string) (*repo, error) {
	full, api := rel.Repo, rel.APIURL
	if full == "" {
		full, _ = r.Getenv("GITHUB_REPOSITORY")
	}
	if api == "" {
		api, _ = r.Getenv("GITHUB_API_URL")
	}
	if full == "" || api == "" {
		host, name, err := origin(ctx, r, dir)
		if full == "" {
			if err != nil {
				return nil, fmt.Errorf("no repository to publish to: set github.Release.Repo (\"owner/name\") or GITHUB_REPOSITORY; %w", err)
			}
			full = name
		}
		if api == "" && err == nil && host != "github.com" {
			api = "https://" + host + "/api/v3"
		}
	}
	api = strings.TrimSuffix(cmp.Or(api, "https://api.github.com"), "/")
	owner, name, ok := strings.Cut(full, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("the repository %q is not \"owner/name\": set github.Release.Repo", full)
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("the API URL %q is not an http(s) URL: set github.Release.APIURL, such as https://ghe.example/api/v3", api)
	}
	host := u.Host
	if host == "api.github.com" {
		host = "github.com"
	}
	token, err := findToken(ctx, r, host)
	if err != nil {
		return nil, err
	}
	c := &forge.Client{Name: "github", Token: token, Header: http.Header{
		"Accept":               {"application/vnd.github+json"},
		"X-Github-Api-Version": {"2022-11-28"},
		"User-Agent":           {"magestatic"},
	}, Logf: r.Logf}
	if rel.tune != nil {
		rel.tune(c)
	}
	return &repo{c: c, api: api, uploads: strings.TrimSuffix(rel.UploadURL, "/"), host: host, owner: owner, name: name,
		uploadURLs: map[int64]string{}}, nil
}

// findToken returns the token: GITHUB_TOKEN or GH_TOKEN from the run's
// environment (on a GitHub Enterprise host, also GH_ENTERPRISE_TOKEN or
// GITHUB_ENTERPRISE_TOKEN, as gh reads them), else what "gh auth token"
// prints for the host when gh is installed. The token is never logged.
func findToken(ctx context.Context, r env, host string) (string, error) {
	names := []string{"GITHUB_TOKEN", "GH_TOKEN"}
	if host != "github.com" {
		names = append(names, "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")
	}
	if token, _ := forge.Token(r.Getenv, names...); token != "" {
		return token, nil
	}
	const fix = "set GITHUB_TOKEN (in GitHub Actions: env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}, with permissions: contents: write), or log in with gh auth login"
	gh, err := exec.LookPath("gh")
	if err != nil {
		return "", fmt.Errorf("%w for %s: %s", forge.ErrNoToken, host, fix)
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, gh, "auth", "token", "--hostname", host)
	cmd.Env, cmd.Stdout, cmd.Stderr = r.Environ(), &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w for %s: gh auth token: %v: %s; %s", forge.ErrNoToken, host, err, firstLine(stderr.String()), fix)
	}
	token := strings.TrimSpace(out.String())
	if token == "" {
		return "", fmt.Errorf("%w for %s: gh auth token printed none; %s", forge.ErrNoToken, host, fix)
	}
	return token, nil
}

// origin returns the host and "owner/name" of the git remote origin of
// the project.
func origin(ctx context.Context, r env, dir string) (host, repo string, err error) {
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", "remote", "get-url", "origin")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, r.Environ(), &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("git remote get-url origin in %s: %v: %s", dir, err, firstLine(stderr.String()))
	}
	host, repo, ok := parseRemote(strings.TrimSpace(out.String()))
	if !ok {
		return "", "", errors.New("the remote origin's URL is not a GitHub repository's (https://HOST/OWNER/NAME or git@HOST:OWNER/NAME)")
	}
	return host, repo, nil
}

// parseRemote returns the host and "owner/name" of a git remote's URL:
// https://HOST/OWNER/NAME(.git), ssh://[user@]HOST[:port]/OWNER/NAME(.git)
// or [user@]HOST:OWNER/NAME(.git).
func parseRemote(s string) (host, repo string, ok bool) {
	var p string
	if m := scpRE.FindStringSubmatch(s); m != nil {
		host, p = m[1], m[2]
	} else {
		u, err := url.Parse(s)
		if err != nil || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "ssh" && u.Scheme != "git") {
			return "", "", false
		}
		host, p = u.Hostname(), u.Path
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	owner, name, found := strings.Cut(p, "/")
	if !found || owner == "" || name == "" || strings.Contains(name, "/") || !repoRE.MatchString(owner) || !repoRE.MatchString(name) {
		return "", "", false
	}
	return host, owner + "/" + name, true
}

var (
	scpRE  = regexp.MustCompile(`^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):([^/][^:]*)$`)
	repoRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
