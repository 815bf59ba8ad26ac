package github

import (
	"context"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

func TestParseRemote(t *testing.T) {
	for _, c := range []struct{ in, host, repo string }{
		{"https://github.com/acme/app.git", "github.com", "acme/app"},
		{"https://github.com/acme/app", "github.com", "acme/app"},
		{"https://user:pw@github.com/acme/app/", "github.com", "acme/app"},
		{"git@github.com:acme/app.git", "github.com", "acme/app"},
		{"ssh://git@ghe.example:2222/acme/app.git", "ghe.example", "acme/app"},
		{"ghe.example:acme/my.app", "ghe.example", "acme/my.app"},
		{"/srv/git/app.git", "", ""},
		{"https://github.com/acme", "", ""},
		{"https://github.com/acme/app/extra", "", ""},
		{"file:///x/acme/app", "", ""},
	} {
		host, repo, ok := parseRemote(c.in)
		if host != c.host || repo != c.repo || ok != (c.repo != "") {
			t.Errorf("parseRemote(%q) = %q, %q, %v; want %q, %q", c.in, host, repo, ok, c.host, c.repo)
		}
	}
}

// FuzzParseRemote feeds parseRemote arbitrary remote URLs: it never
// panics, and a repository it returns is "owner/name".
func FuzzParseRemote(f *testing.F) {
	f.Add("git@github.com:acme/app.git")
	f.Add("https://github.com/acme/app")
	f.Fuzz(func(t *testing.T, s string) {
		if _, repo, ok := parseRemote(s); ok && strings.Count(repo, "/") != 1 {
			t.Errorf("parseRemote(%q) = %q", s, repo)
		}
	})
}

// TestDefaults checks where the repository, the API and the token come
// from: the fields, else GitHub Actions' variables, else the origin
// remote, whose host other than github.com is a GitHub Enterprise
// Server's.
func TestDefaults(t *testing.T) {
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "")
	testmod.Git(t, dir, "remote", "add", "origin", "git@ghe.example:acme/app.git")
	ctx := context.Background()
	for _, c := range []struct {
		rel            Release
		vars           []string
		api, name, tok string
	}{
		{Release{}, nil, "https://ghe.example/api/v3", "ghe.example/acme/app", token},
		{Release{}, []string{"GITHUB_REPOSITORY=o/r", "GITHUB_API_URL=https://api.github.com"}, "https://api.github.com", "github.com/o/r", token},
		{Release{Repo: "x/y", APIURL: "https://h.example/api/v3/"}, []string{"GITHUB_REPOSITORY=o/r"}, "https://h.example/api/v3", "h.example/x/y", token},
		{Release{}, []string{"GITHUB_TOKEN=", "GH_TOKEN=gh", "GH_ENTERPRISE_TOKEN=ent"}, "https://ghe.example/api/v3", "ghe.example/acme/app", "gh"},
		{Release{}, []string{"GITHUB_TOKEN=", "GH_ENTERPRISE_TOKEN=ent"}, "https://ghe.example/api/v3", "ghe.example/acme/app", "ent"},
	} {
		g, err := c.rel.connect(ctx, newEnv(c.vars...), dir)
		if err != nil {
			t.Errorf("%+v %v: %v", c.rel, c.vars, err)
			continue
		}
		if g.api != c.api || g.String() != c.name || g.c.Token != c.tok {
			t.Errorf("%+v %v: API %s, repository %s, token %s; want %s, %s, %s", c.rel, c.vars, g.api, g, g.c.Token, c.api, c.name, c.tok)
		}
	}
	for _, c := range []struct {
		rel  Release
		want string
	}{
		{Release{Repo: "acme"}, `the repository "acme" is not "owner/name"`},
		{Release{APIURL: "ftp://x"}, `the API URL "ftp://x" is not an http(s) URL`},
	} {
		if _, err := c.rel.connect(ctx, newEnv(), dir); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.rel, err, c.want)
		}
	}
	if _, err := (Release{}).connect(ctx, newEnv(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "no repository to publish to: set github.Release.Repo") {
		t.Errorf("no origin: %v", err)
	}
	t.Setenv("PATH", t.TempDir()) // no gh
	_, err := Release{Repo: "a/b"}.connect(ctx, newEnv("GITHUB_TOKEN="), dir)
	if err == nil || !strings.Contains(err.Error(), "no token for github.com: set GITHUB_TOKEN") {
		t.Errorf("no token: %v", err)
	}
}
