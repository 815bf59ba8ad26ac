package gitea

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/forge"
)

// client is one repository of a Gitea or Forgejo server, as a
// forge.Forge, through API v1.
type client struct {
	root *url.URL // the server's root, such as https://gitea.example/
	repo string   // "owner/name"
	api  *forge.Client
}

// newClient returns the client of the repository repo ("owner/name") of
// the server at root, sending token.
func newClient(root *url.URL, repo, token string) *client {
	u := *root
	u.Path = strings.TrimSuffix(u.Path, "/") + "/"
	c := &client{root: &u, repo: repo}
	c.api = &forge.Client{Name: "gitea", Token: token, Scheme: "token"}
	return c
}

// String names the repository as a person finds it: host, path and
// repository, such as "gitea.example/acme/app".
func (c *client) String() string {
	return strings.TrimSuffix(c.root.Host+c.root.Path, "/") + "/" + c.repo
}

// url returns the address of an API path (relative to /api/v1).
func (c *client) url(path string) string {
	return strings.TrimSuffix(c.root.String(), "/") + "/api/v1" + path
}

// repoURL returns the address of the repository's API path rest.
func (c *client) repoURL(rest string) string {
	owner, name, _ := strings.Cut(c.repo, "/")
	return c.url("/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name) + rest)
}

// Check checks that the token is accepted, that the repository exists,
// is not archived and has releases turned on, that the token's user may
// write to it, and that the token may write releases: a request to
// create a release with no tag, which Gitea rejects as invalid (422)
// only once the token's scopes and the user's rights allow it.
func (c *client) Check(ctx context.Context) error {
	// The user's name is for messages; a token without the scope
	// read:user may not read it.
	me := struct {
		Login string `json:"login"`
	}{"(the token's user)"}
	if _, err := c.api.Do(ctx, "GET", c.url("/user"), nil, &me); err != nil {
		switch forge.StatusOf(err) {
		case http.StatusUnauthorized:
			return fmt.Errorf("the token is not accepted: %w: make a new token (the user's Settings > Applications) with the scope write:repository", err)
		case http.StatusForbidden:
		default:
			return err
		}
	}
	var repo struct {
		Archived    bool `json:"archived"`
		HasReleases bool `json:"has_releases"`
		Permissions struct {
			Push bool `json:"push"`
		} `json:"permissions"`
	}
	if _, err := c.api.Do(ctx, "GET", c.repoURL(""), nil, &repo); err != nil {
		if forge.StatusOf(err) == http.StatusNotFound {
			return fmt.Errorf("%s: no such repository, or the user %s cannot see it: check Repo and URL (%w)", c, me.Login, err)
		}
		return err
	}
	switch {
	case repo.Archived:
		return fmt.Errorf("%s is archived: unarchive it to publish", c)
	case !repo.HasReleases:
		return fmt.Errorf("%s has releases turned off: turn them on in the repository's Settings", c)
	case !repo.Permissions.Push:
		return fmt.Errorf("the user %s may not write to %s: give them write access", me.Login, c)
	}
	_, err := c.api.Do(ctx, "POST", c.repoURL("/releases"), struct{}{}, nil)
	switch s := forge.StatusOf(err); {
	case s == http.StatusUnprocessableEntity:
		return nil
	case s == http.StatusForbidden || s == http.StatusUnauthorized:
		return fmt.Errorf("the token may not write releases of %s: %w: make a new token with the scope write:repository", c, err)
	case err != nil:
		return fmt.Errorf("checking that the token may write releases of %s: %w", c, err)
	}
	return fmt.Errorf("checking that the token may write releases of %s: Gitea accepted a release with no tag", c)
}

// TagCommit returns the commit the tag names (the tagged commit of an
// annotated tag), or "" when there is no such tag.
func (c *client) TagCommit(ctx context.Context, tag string) (string, error) {
	var t struct {
		Commit struct {
			SHA string `json:"sha"`
		} `json:"commit"`
	}
	_, err := c.api.Do(ctx, "GET", c.repoURL("/tags/"+escapeTag(tag)), nil, &t)
	if forge.StatusOf(err) == http.StatusNotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the tag %s: %w", tag, err)
	}
	return t.Commit.SHA, nil
}

// release is a release as the API has it.
type release struct {
	ID         int64   `json:"id"`
	Tag        string  `json:"tag_name"`
	Target     string  `json:"target_commitish"`
	Name       string  `json:"name"`
	Body       string  `json:"body"`
	Draft      bool    `json:"draft"`
	Prerelease bool    `json:"prerelease"`
	HTMLURL    string  `json:"html_url"`
	Assets     []asset `json:"assets"`
}

// asset is a release's attachment as the API has it.
type asset struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	UUID string `json:"uuid"`
	URL  string `json:"browser_download_url"`
}

// release returns r as a forge.Release.
func (c *client) release(r release) forge.Release {
	rel := forge.Release{ID: r.ID, Tag: r.Tag, Commit: r.Target, Name: r.Name, Notes: r.Body,
		Draft: r.Draft, Prerelease: r.Prerelease, URL: r.HTMLURL}
	for _, a := range r.Assets {
		rel.Assets = append(rel.Assets, c.asset(a))
	}
	return rel
}

// asset returns a as a forge.Asset, whose URL is the attachment's
// address at the server the client was given: Gitea's
// browser_download_url starts with the server's own idea of its address
// (ROOT_URL), which may be another host, such as a proxy's, that the
// token must not go to.
func (c *client) asset(a asset) forge.Asset {
	u := a.URL
	if a.UUID != "" {
		u = c.root.String() + "attachments/" + url.PathEscape(a.UUID)
	}
	return forge.Asset{ID: a.ID, Name: a.Name, Size: a.Size, URL: u}
}

// Releases returns the release for the tag, draft or not: Gitea keeps at
// most one per tag. A tag with a slash, which the API's path for a tag's
// release cannot hold, is looked for in the list of releases.
func (c *client) Releases(ctx context.Context, tag string) ([]forge.Release, error) {
	if strings.Contains(tag, "/") {
		return c.listReleases(ctx, tag)
	}
	var r release
	_, err := c.api.Do(ctx, "GET", c.repoURL("/releases/tags/"+url.PathEscape(tag)), nil, &r)
	if forge.StatusOf(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the release %s: %w", tag, err)
	}
	return []forge.Release{c.release(r)}, nil
}

// listReleases returns the releases for the tag from the list of every
// release of the repository, drafts included, page by page.
func (c *client) listReleases(ctx context.Context, tag string) ([]forge.Release, error) {
	var out []forge.Release
	next := c.repoURL("/releases?limit=50")
	for page := 0; next != ""; page++ {
		if page == 1000 {
			return nil, fmt.Errorf("listing the releases of %s: more than 1000 pages", c)
		}
		var rels []release
		h, err := c.api.Do(ctx, "GET", next, nil, &rels)
		if err != nil {
			return nil, fmt.Errorf("listing the releases to find %s: %w", tag, err)
		}
		for _, r := range rels {
			if r.Tag == tag {
				out = append(out, c.release(r))
			}
		}
		// The next page's address, at the server the client was given
		// rather than at Gitea's idea of its own (ROOT_URL).
		next = ""
		if u, err := url.Parse(forge.NextLink(h)); err == nil && u.RawQuery != "" && len(rels) > 0 {
			next = c.repoURL("/releases?" + u.RawQuery)
		}
	}
	return out, nil
}

// CreateDraft creates a draft release for rel.Tag, recording rel.Commit
// as its target. When the tag has a release already, which a request
// whose answer was lost may have created, the draft for the same commit
// is returned instead.
func (c *client) CreateDraft(ctx context.Context, rel forge.Release) (forge.Release, error) {
	body := map[string]any{"tag_name": rel.Tag, "target_commitish": rel.Commit, "name": rel.Name,
		"body": rel.Notes, "draft": true, "prerelease": rel.Prerelease}
	var r release
	_, err := c.api.Do(ctx, "POST", c.repoURL("/releases"), body, &r)
	if forge.StatusOf(err) == http.StatusConflict {
		if rels, lerr := c.Releases(ctx, rel.Tag); lerr == nil && len(rels) == 1 && rels[0].Draft && rels[0].Commit == rel.Commit {
			return rels[0], nil
		}
	}
	if err != nil {
		return forge.Release{}, fmt.Errorf("creating the draft release %s: %w", rel.Tag, err)
	}
	return c.release(r), nil
}

// Upload uploads the file at path as the asset name of rel, the file
// being the request's body. Gitea allows two assets of one name, so an
// upload made again after an answer was lost may leave a second: any
// other asset of the name is deleted afterwards.
func (c *client) Upload(ctx context.Context, rel forge.Release, name, path string, size int64) (forge.Asset, error) {
	var a asset
	u := c.repoURL(fmt.Sprintf("/releases/%d/assets?name=%s", rel.ID, url.QueryEscape(name)))
	if err := c.api.Upload(ctx, u, path, size, "application/octet-stream", &a); err != nil {
		switch forge.StatusOf(err) {
		case http.StatusRequestEntityTooLarge:
			return forge.Asset{}, fmt.Errorf("uploading %s (%d bytes): %w: the server takes smaller files: raise [repository.release] FILE_MAX_SIZE (in MB) in its app.ini", name, size, err)
		case http.StatusBadRequest:
			return forge.Asset{}, fmt.Errorf("uploading %s: %w: if the server refuses the file's type, add it to [repository.release] ALLOWED_TYPES in its app.ini", name, err)
		}
		return forge.Asset{}, fmt.Errorf("uploading %s: %w", name, err)
	}
	if a.Size != size {
		return c.asset(a), fmt.Errorf("uploading %s: %s holds %d bytes of its %d", name, c, a.Size, size)
	}
	var all []asset
	if _, err := c.api.Do(ctx, "GET", c.repoURL(fmt.Sprintf("/releases/%d/assets", rel.ID)), nil, &all); err != nil {
		return c.asset(a), fmt.Errorf("listing the assets of %s after uploading %s: %w", rel.Tag, name, err)
	}
	for _, other := range all {
		if other.Name == name && other.ID != a.ID {
			if err := c.DeleteAsset(ctx, rel, c.asset(other)); err != nil {
				return c.asset(a), err
			}
		}
	}
	return c.asset(a), nil
}

// DeleteAsset deletes an asset of rel; one already gone is not an error.
func (c *client) DeleteAsset(ctx context.Context, rel forge.Release, a forge.Asset) error {
	_, err := c.api.Do(ctx, "DELETE", c.repoURL(fmt.Sprintf("/releases/%d/assets/%d", rel.ID, a.ID)), nil, nil)
	if err != nil && forge.StatusOf(err) != http.StatusNotFound {
		return fmt.Errorf("deleting the asset %s of %s: %w", a.Name, rel.Tag, err)
	}
	return nil
}

// DeleteRelease deletes the release rel and keeps its tag; one already
// gone is not an error.
func (c *client) DeleteRelease(ctx context.Context, rel forge.Release) error {
	_, err := c.api.Do(ctx, "DELETE", c.repoURL(fmt.Sprintf("/releases/%d", rel.ID)), nil, nil)
	if err != nil && forge.StatusOf(err) != http.StatusNotFound {
		return fmt.Errorf("deleting the release %s: %w", rel.Tag, err)
	}
	return nil
}

// Open returns the bytes of an asset, which a draft's asset needs the
// token for. The token goes only to the server the client was given: an
// asset elsewhere is downloaded without it.
func (c *client) Open(ctx context.Context, a forge.Asset) (io.ReadCloser, error) {
	api := c.api
	if !strings.HasPrefix(a.URL, c.root.String()) {
		api = &forge.Client{Name: c.api.Name, Logf: c.api.Logf}
	}
	rc, err := api.Download(ctx, a.URL, "application/octet-stream")
	if err != nil {
		return nil, fmt.Errorf("downloading the asset %s: %w", a.Name, err)
	}
	return rc, nil
}

// Publish publishes the draft rel with its name, notes, prerelease mark
// and commit (which a published release whose files were replaced
// changes). Gitea marks the latest release itself: the newest that is
// no draft or prerelease.
func (c *client) Publish(ctx context.Context, rel forge.Release) (forge.Release, error) {
	body := map[string]any{"name": rel.Name, "body": rel.Notes, "draft": false, "prerelease": rel.Prerelease, "target_commitish": rel.Commit}
	var r release
	if _, err := c.api.Do(ctx, "PATCH", c.repoURL(fmt.Sprintf("/releases/%d", rel.ID)), body, &r); err != nil {
		return forge.Release{}, fmt.Errorf("publishing the release %s: %w", rel.Tag, err)
	}
	return c.release(r), nil
}

// escapeTag escapes a tag for a path, keeping the slashes of a tag such
// as "tools/v1.2.3".
func escapeTag(tag string) string {
	parts := strings.Split(tag, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
