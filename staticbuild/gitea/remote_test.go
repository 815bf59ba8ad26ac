package gitea

import (
	"strings"
	"testing"
)

func TestParseRemote(t *testing.T) {
	for _, c := range []struct{ remote, root, repo string }{
		{"https://gitea.example/acme/app.git", "https://gitea.example", "acme/app"},
		{"https://gitea.example/acme/app", "https://gitea.example", "acme/app"},
		{"http://127.0.0.1:3000/acme/app.git", "http://127.0.0.1:3000", "acme/app"},
		{"https://user:secret@gitea.example/acme/app.git", "https://gitea.example", "acme/app"},
		{"https://example.com/git/acme/app.git/", "https://example.com/git", "acme/app"},
		{"git@gitea.example:acme/app.git", "https://gitea.example", "acme/app"},
		{"gitea.example:acme/app", "https://gitea.example", "acme/app"},
		{"ssh://git@gitea.example:2222/acme/app.git", "https://gitea.example", "acme/app"},
	} {
		root, repo, err := parseRemote(c.remote)
		if err != nil || root != c.root || repo != c.repo {
			t.Errorf("parseRemote(%q) = %q, %q, %v; want %q, %q", c.remote, root, repo, err, c.root, c.repo)
		}
	}
	for _, bad := range []string{"", "/srv/git/app.git", "file:///srv/git/acme/app.git", "https://gitea.example/app", "https:///acme/app", "git@gitea.example:app"} {
		if root, repo, err := parseRemote(bad); err == nil {
			t.Errorf("parseRemote(%q) = %q, %q, want an error", bad, root, repo)
		}
	}
}

func TestParseRoot(t *testing.T) {
	for raw, want := range map[string]string{
		"https://gitea.example":       "https://gitea.example/",
		"http://127.0.0.1:3000/":      "http://127.0.0.1:3000/",
		"https://example.com/git/sub": "https://example.com/git/sub/",
	} {
		u, err := parseRoot(raw)
		if err != nil || u.String() != want {
			t.Errorf("parseRoot(%q) = %v, %v; want %s", raw, u, err, want)
		}
	}
	for _, bad := range []string{"", "gitea.example", "ftp://gitea.example", "https://u:p@gitea.example", "https://gitea.example/?a=b", "https://gitea.example/#x"} {
		if u, err := parseRoot(bad); err == nil {
			t.Errorf("parseRoot(%q) = %v, want an error", bad, u)
		}
	}
}

// FuzzParseRemote checks that any remote URL parses without a panic into
// an http or https root and a repository of two parts, or an error.
func FuzzParseRemote(f *testing.F) {
	for _, s := range []string{"https://gitea.example/acme/app.git", "git@h:a/b", "ssh://git@h:22/a/b", "http://[::1]:3000/a/b.git", "a:b/c", "https://h/x/y/z/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		root, repo, err := parseRemote(remote)
		if err != nil {
			return
		}
		if strings.Count(repo, "/") != 1 || strings.HasPrefix(repo, "/") || strings.HasSuffix(repo, "/") {
			t.Errorf("parseRemote(%q) gave the repository %q", remote, repo)
		}
		if !strings.HasPrefix(root, "http://") && !strings.HasPrefix(root, "https://") {
			t.Errorf("parseRemote(%q) gave the root %q, not an http or https URL", remote, root)
		}
	})
}
