package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/magestatic/magestatic/staticbuild/internal/forge"
)

// repo is a repository on GitHub, as the forge.Forge the publisher uses,
// through GitHub's REST API (https://docs.github.com/rest/releases).
type repo struct {
	c           *forge.Client
	api         string // the REST API's root, without a trailing slash
	uploads     string // Release.UploadURL, or "" for the release's upload_url
	host        string // github.com, or the Enterprise server's host
	owner, name string

	mu         sync.Mutex
	uploadURLs map[int64]string // each release's upload_url, without its template
}

func (g *repo) String() string { return g.host + "/" + g.owner + "/" + g.name }

// url returns the API URL of the path under the repository, its
// elements escaped.
func (g *repo) url(elems ...string) string {
	u := g.api + "/repos/" + url.PathEscape(g.owner) + "/" + url.PathEscape(g.name)
	for _, e := range elems {
		u += "/" + url.PathEscape(e)
	}
	return u
}

// The JSON objects of GitHub's REST API, with the fields used.
type (
	ghRelease struct {
		ID              int64     `json:"id"`
		TagName         string    `json:"tag_name"`
		TargetCommitish string    `json:"target_commitish"`
		Name            *string   `json:"name"`
		Body            *string   `json:"body"`
		Draft           bool      `json:"draft"`
		Prerelease      bool      `json:"prerelease"`
		Immutable       bool      `json:"immutable"`
		HTMLURL         string    `json:"html_url"`
		UploadURL       string    `json:"upload_url"`
		Assets          []ghAsset `json:"assets"`
	}
	ghAsset struct {
		ID                 int64   `json:"id"`
		Name               string  `json:"name"`
		Size               int64   `json:"size"`
		State              string  `json:"state"`
		Digest             *string `json:"digest"`
		BrowserDownloadURL string  `json:"browser_download_url"`
	}
	ghRef struct {
		Object struct {
			Type string `json:"type"`
			SHA  string `json:"sha"`
		} `json:"object"`
	}
)

// Check asks for the repository: it exists, the token is good, and its
// permissions, when GitHub gives them, include push (which writing
// releases needs).
func (g *repo) Check(ctx context.Context) error {
	var r struct {
		Permissions *struct {
			Push bool `json:"push"`
		} `json:"permissions"`
	}
	_, err := g.c.Do(ctx, http.MethodGet, g.url(), nil, &r)
	switch forge.StatusOf(err) {
	case 0:
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: the token is not valid for %s: set GITHUB_TOKEN to a working token", err, g.host)
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s does not exist, or the token cannot see it: check github.Release.Repo and the token's repository access", err, g)
	}
	if err != nil {
		return err
	}
	if r.Permissions != nil && !r.Permissions.Push {
		return fmt.Errorf("the token may not write to %s, so it cannot publish a release: give it the contents: write permission (a fine-grained token's \"Contents: Read and write\", a classic token's repo scope)", g)
	}
	return nil
}

// TagCommit reads the tag's ref and follows annotated tags to the
// commit.
func (g *repo) TagCommit(ctx context.Context, tag string) (string, error) {
	var ref ghRef
	_, err := g.c.Do(ctx, http.MethodGet, g.api+"/repos/"+url.PathEscape(g.owner)+"/"+url.PathEscape(g.name)+"/git/ref/tags/"+escapeRef(tag), nil, &ref)
	if forge.StatusOf(err) == http.StatusNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	for i := 0; ref.Object.Type == "tag"; i++ {
		if i == 10 {
			return "", fmt.Errorf("the tag %s of %s is a tag of a tag more than 10 deep", tag, g)
		}
		var t ghRef
		if _, err := g.c.Do(ctx, http.MethodGet, g.url("git", "tags", ref.Object.SHA), nil, &t); err != nil {
			return "", err
		}
		ref = t
	}
	if ref.Object.Type != "commit" {
		return "", fmt.Errorf("the tag %s of %s names a %s, not a commit", tag, g, ref.Object.Type)
	}
	return ref.Object.SHA, nil
}

// escapeRef escapes each element of a ref such as "tools/v1.2.3".
func escapeRef(ref string) string {
	parts := strings.Split(ref, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// Releases lists every release of the repository, page by page, and
// returns those for the tag with all their assets. Drafts are listed to
// a token that may push; "get a release by tag" would not return them.
func (g *repo) Releases(ctx context.Context, tag string) ([]forge.Release, error) {
	var out []forge.Release
	for next := g.url("releases") + "?per_page=100"; next != ""; {
		var page []ghRelease
		h, err := g.c.Do(ctx, http.MethodGet, next, nil, &page)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			if r.TagName != tag {
				continue
			}
			assets, err := g.assets(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			r.Assets = assets
			out = append(out, g.release(r))
		}
		next = forge.NextLink(h)
	}
	return out, nil
}

// assets lists every asset of the release id, page by page.
func (g *repo) assets(ctx context.Context, id int64) ([]ghAsset, error) {
	var all []ghAsset
	for next := g.url("releases", fmt.Sprint(id), "assets") + "?per_page=100"; next != ""; {
		var page []ghAsset
		h, err := g.c.Do(ctx, http.MethodGet, next, nil, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		next = forge.NextLink(h)
	}
	return all, nil
}

// release converts GitHub's release, and remembers its upload_url.
func (g *repo) release(r ghRelease) forge.Release {
	if u, _, _ := strings.Cut(r.UploadURL, "{"); u != "" {
		g.mu.Lock()
		g.uploadURLs[r.ID] = u
		g.mu.Unlock()
	}
	rel := forge.Release{ID: r.ID, Tag: r.TagName, Commit: r.TargetCommitish, Name: deref(r.Name), Notes: deref(r.Body),
		Draft: r.Draft, Prerelease: r.Prerelease, Immutable: r.Immutable, URL: r.HTMLURL}
	for _, a := range r.Assets {
		rel.Assets = append(rel.Assets, asset(a))
	}
	return rel
}

// asset converts GitHub's asset. One not in the state "uploaded" (a
// "starter" asset an interrupted upload left) has size -1, so that it
// matches no file and is deleted and uploaded again.
func asset(a ghAsset) forge.Asset {
	out := forge.Asset{ID: a.ID, Name: a.Name, Size: a.Size, URL: a.BrowserDownloadURL}
	if a.Digest != nil {
		out.SHA256 = strings.TrimPrefix(*a.Digest, "sha256:")
		if out.SHA256 == *a.Digest { // another algorithm: not usable
			out.SHA256 = ""
		}
	}
	if a.State != "uploaded" {
		out.Size, out.SHA256 = -1, ""
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CreateDraft creates a draft release for the tag, recording the commit
// as its target_commitish.
func (g *repo) CreateDraft(ctx context.Context, rel forge.Release) (forge.Release, error) {
	in := map[string]any{"tag_name": rel.Tag, "target_commitish": rel.Commit, "name": rel.Name, "body": rel.Notes,
		"draft": true, "prerelease": rel.Prerelease}
	var out ghRelease
	if _, err := g.c.Do(ctx, http.MethodPost, g.url("releases"), in, &out); err != nil {
		return forge.Release{}, fmt.Errorf("creating the draft release %s of %s: %w", rel.Tag, g, err)
	}
	return g.release(out), nil
}

// uploadURL returns where the asset name of the release id is uploaded:
// under Release.UploadURL when set, else at the upload_url GitHub gave
// with the release ("https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}").
func (g *repo) uploadURL(ctx context.Context, id int64, name string) (string, error) {
	base := g.uploads
	if base == "" {
		g.mu.Lock()
		u := g.uploadURLs[id]
		g.mu.Unlock()
		if u == "" {
			var r ghRelease
			if _, err := g.c.Do(ctx, http.MethodGet, g.url("releases", fmt.Sprint(id)), nil, &r); err != nil {
				return "", err
			}
			g.release(r)
			if u, _, _ = strings.Cut(r.UploadURL, "{"); u == "" {
				return "", fmt.Errorf("the release %d of %s has no upload_url: set github.Release.UploadURL", id, g)
			}
		}
		return u + "?name=" + url.QueryEscape(name), nil
	}
	return base + "/repos/" + url.PathEscape(g.owner) + "/" + url.PathEscape(g.name) + "/releases/" + fmt.Sprint(id) + "/assets?name=" + url.QueryEscape(name), nil
}

// Upload uploads the file as the asset name. An asset of that name
// already there (an upload whose response was lost, or an interrupted
// one's "starter" asset: GitHub answers 422 already_exists) is deleted
// and the file uploaded again, once.
func (g *repo) Upload(ctx context.Context, rel forge.Release, name, path string, size int64) (forge.Asset, error) {
	u, err := g.uploadURL(ctx, rel.ID, name)
	if err != nil {
		return forge.Asset{}, err
	}
	for try := 0; ; try++ {
		var a ghAsset
		err := g.c.Upload(ctx, u, path, size, "application/octet-stream", &a)
		if err == nil {
			return asset(a), nil
		}
		if try > 0 || forge.StatusOf(err) != http.StatusUnprocessableEntity || !forge.HasCode(err, "already_exists") {
			return forge.Asset{}, fmt.Errorf("uploading %s to the release %s of %s: %w", name, rel.Tag, g, err)
		}
		assets, lerr := g.assets(ctx, rel.ID)
		if lerr != nil {
			return forge.Asset{}, lerr
		}
		for _, old := range assets {
			if old.Name == name {
				if err := g.DeleteAsset(ctx, rel, asset(old)); err != nil {
					return forge.Asset{}, err
				}
			}
		}
	}
}

// DeleteAsset deletes the asset; one already gone is no error.
func (g *repo) DeleteAsset(ctx context.Context, rel forge.Release, a forge.Asset) error {
	_, err := g.c.Do(ctx, http.MethodDelete, g.url("releases", "assets", fmt.Sprint(a.ID)), nil, nil)
	if err != nil && forge.StatusOf(err) != http.StatusNotFound {
		return fmt.Errorf("deleting the asset %s of the release %s of %s: %w", a.Name, rel.Tag, g, err)
	}
	return nil
}

// DeleteRelease deletes the release; one already gone is no error.
func (g *repo) DeleteRelease(ctx context.Context, rel forge.Release) error {
	_, err := g.c.Do(ctx, http.MethodDelete, g.url("releases", fmt.Sprint(rel.ID)), nil, nil)
	if err != nil && forge.StatusOf(err) != http.StatusNotFound {
		return fmt.Errorf("deleting the draft release %d (%s) of %s: %w", rel.ID, rel.Tag, g, err)
	}
	return nil
}

// Open downloads the asset's bytes through the API (Accept:
// application/octet-stream), which redirects to where they are kept.
func (g *repo) Open(ctx context.Context, a forge.Asset) (io.ReadCloser, error) {
	return g.c.Download(ctx, g.url("releases", "assets", fmt.Sprint(a.ID)), "application/octet-stream")
}

// Publish updates the release: no longer a draft, with its name, notes,
// prerelease flag and commit, and marked the latest release or not.
func (g *repo) Publish(ctx context.Context, rel forge.Release) (forge.Release, error) {
	latest := "false"
	if rel.Latest && !rel.Prerelease {
		latest = "true"
	}
	in := map[string]any{"draft": false, "name": rel.Name, "body": rel.Notes, "prerelease": rel.Prerelease,
		"target_commitish": rel.Commit, "make_latest": latest}
	var out ghRelease
	if _, err := g.c.Do(ctx, http.MethodPatch, g.url("releases", fmt.Sprint(rel.ID)), in, &out); err != nil {
		return forge.Release{}, fmt.Errorf("publishing the release %s of %s: %w", rel.Tag, g, err)
	}
	assets, err := g.assets(ctx, out.ID)
	if err != nil {
		return forge.Release{}, err
	}
	out.Assets = assets
	return g.release(out), nil
}
