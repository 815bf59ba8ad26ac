package githubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handle serves an operation of the description (tmpl, with its path
// parameters) as GitHub's REST documentation describes it.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, tmpl string, params map[string]string, body []byte) {
	push, ok := s.auth(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[params["owner"]+"/"+params["repo"]]
	if rp == nil {
		notFound(w)
		return
	}
	if r.Method != http.MethodGet && !push {
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "Resource not accessible by personal access token", "documentation_url": "https://docs.github.com/rest/releases/releases", "status": "403"})
		return
	}
	switch r.Method + " " + tmpl {
	case "GET /repos/{owner}/{repo}":
		writeJSON(w, http.StatusOK, s.repoJSON(rp, push))
	case "GET /repos/{owner}/{repo}/git/ref/{ref}":
		sha, ok := rp.refs[params["ref"]]
		if !ok {
			notFound(w)
			return
		}
		typ := "commit"
		if _, ok := rp.tags[sha]; ok {
			typ = "tag"
		}
		writeJSON(w, http.StatusOK, map[string]any{"ref": "refs/" + params["ref"], "node_id": "REF_" + sha[:8], "url": s.apiURL(rp, "git/refs/"+params["ref"]),
			"object": map[string]any{"type": typ, "sha": sha, "url": s.apiURL(rp, "git/"+typ+"s/"+sha)}})
	case "GET /repos/{owner}/{repo}/git/tags/{tag_sha}":
		commit, ok := rp.tags[params["tag_sha"]]
		if !ok {
			notFound(w)
			return
		}
		sha := params["tag_sha"]
		tag := ""
		for ref, x := range rp.refs {
			if x == sha {
				tag = strings.TrimPrefix(ref, "tags/")
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"node_id": "TAG_" + sha[:8], "tag": tag, "sha": sha, "url": s.apiURL(rp, "git/tags/"+sha), "message": "release " + tag + "\n",
			"tagger":       map[string]any{"name": "test", "email": "test@example.com", "date": "2026-01-02T03:04:05Z"},
			"object":       map[string]any{"type": "commit", "sha": commit, "url": s.apiURL(rp, "git/commits/"+commit)},
			"verification": map[string]any{"verified": false, "reason": "unsigned", "payload": nil, "signature": nil, "verified_at": nil}})
	case "GET /repos/{owner}/{repo}/releases":
		var list []*release
		for i := len(rp.releases) - 1; i >= 0; i-- { // newest first
			if push || !rp.releases[i].draft { // only those who may push see drafts
				list = append(list, rp.releases[i])
			}
		}
		page := s.paginate(w, r, len(list))
		out := []any{}
		for _, rel := range list[page[0]:page[1]] {
			out = append(out, s.releaseJSON(rp, rel))
		}
		writeJSON(w, http.StatusOK, out)
	case "POST /repos/{owner}/{repo}/releases":
		var in struct {
			TagName         string  `json:"tag_name"`
			TargetCommitish string  `json:"target_commitish"`
			Name            *string `json:"name"`
			Body            string  `json:"body"`
			Draft           bool    `json:"draft"`
			Prerelease      bool    `json:"prerelease"`
		}
		if json.Unmarshal(body, &in) != nil || in.TagName == "" {
			validationFailed(w, "Release", "missing_field", "tag_name", "")
			return
		}
		if !in.Draft && publishedFor(rp, in.TagName) != nil {
			validationFailed(w, "Release", "already_exists", "tag_name", "")
			return
		}
		rel := &release{id: s.id(), tag: in.TagName, target: in.TargetCommitish, body: in.Body, draft: true, pre: in.Prerelease, created: now()}
		if in.Name != nil {
			rel.name = *in.Name
		}
		rp.releases = append(rp.releases, rel)
		if !in.Draft {
			s.publish(rp, rel)
		}
		writeJSON(w, http.StatusCreated, s.releaseJSON(rp, rel))
	case "GET /repos/{owner}/{repo}/releases/{release_id}":
		rel := findRelease(rp, params["release_id"], push)
		if rel == nil {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, s.releaseJSON(rp, rel))
	case "PATCH /repos/{owner}/{repo}/releases/{release_id}":
		rel := findRelease(rp, params["release_id"], push)
		if rel == nil {
			notFound(w)
			return
		}
		var in map[string]json.RawMessage
		if json.Unmarshal(body, &in) != nil {
			validationFailed(w, "Release", "invalid", "", "Problems parsing JSON")
			return
		}
		var draft *bool
		for k, v := range in {
			switch k {
			case "name":
				json.Unmarshal(v, &rel.name)
			case "body":
				json.Unmarshal(v, &rel.body)
			case "prerelease":
				json.Unmarshal(v, &rel.pre)
			case "target_commitish":
				if !rel.immutable {
					json.Unmarshal(v, &rel.target)
				}
			case "tag_name":
				json.Unmarshal(v, &rel.tag)
			case "draft":
				draft = new(bool)
				json.Unmarshal(v, draft)
			}
		}
		if draft != nil && !*draft && rel.draft {
			if other := publishedFor(rp, rel.tag); other != nil && other != rel {
				validationFailed(w, "Release", "already_exists", "tag_name", "")
				return
			}
			s.publish(rp, rel)
		}
		writeJSON(w, http.StatusOK, s.releaseJSON(rp, rel))
	case "DELETE /repos/{owner}/{repo}/releases/{release_id}":
		rel := findRelease(rp, params["release_id"], push)
		if rel == nil {
			notFound(w)
			return
		}
		rp.releases = slices.DeleteFunc(rp.releases, func(x *release) bool { return x == rel })
		w.WriteHeader(http.StatusNoContent)
	case "GET /repos/{owner}/{repo}/releases/{release_id}/assets":
		rel := findRelease(rp, params["release_id"], push)
		if rel == nil {
			notFound(w)
			return
		}
		page := s.paginate(w, r, len(rel.assets))
		out := []any{}
		for _, a := range rel.assets[page[0]:page[1]] {
			out = append(out, s.assetJSON(rp, rel, a))
		}
		writeJSON(w, http.StatusOK, out)
	case "POST /repos/{owner}/{repo}/releases/{release_id}/assets":
		rel := findRelease(rp, params["release_id"], push)
		if rel == nil {
			notFound(w)
			return
		}
		name := r.URL.Query().Get("name")
		switch {
		case rel.immutable:
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Cannot upload assets to an immutable release.", "documentation_url": "https://docs.github.com/rest/releases/assets#upload-a-release-asset"})
			return
		case name == "":
			validationFailed(w, "ReleaseAsset", "missing_field", "name", "")
			return
		case slices.ContainsFunc(rel.assets, func(a *asset) bool { return a.name == name }):
			validationFailed(w, "ReleaseAsset", "already_exists", "name", "")
			return
		}
		a := &asset{id: s.id(), name: name, data: body, state: "uploaded", created: now()}
		rel.assets = append(rel.assets, a)
		writeJSON(w, http.StatusCreated, s.assetJSON(rp, rel, a))
	case "GET /repos/{owner}/{repo}/releases/assets/{asset_id}":
		rel, a := findAsset(rp, params["asset_id"], push)
		if a == nil {
			notFound(w)
			return
		}
		if r.Header.Get("Accept") == "application/octet-stream" {
			// Another host, as GitHub's storage is: localhost for
			// 127.0.0.1.
			w.Header().Set("Location", fmt.Sprintf("%s/assets/%d", strings.Replace(s.Storage.URL, "127.0.0.1", "localhost", 1), a.id))
			w.WriteHeader(http.StatusFound)
			return
		}
		writeJSON(w, http.StatusOK, s.assetJSON(rp, rel, a))
	case "DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}":
		rel, a := findAsset(rp, params["asset_id"], push)
		if a == nil {
			notFound(w)
			return
		}
		if rel.immutable {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Cannot delete assets of an immutable release.", "documentation_url": "https://docs.github.com/rest/releases/assets#delete-a-release-asset"})
			return
		}
		rel.assets = slices.DeleteFunc(rel.assets, func(x *asset) bool { return x == a })
		w.WriteHeader(http.StatusNoContent)
	default:
		s.t.Errorf("githubtest: %s %s is not served", r.Method, tmpl)
		notFound(w)
	}
}

// auth returns whether the request's token may push, and whether it is a
// token the server knows.
func (s *Server) auth(r *http.Request) (push, ok bool) {
	h := r.Header.Get("Authorization")
	token, found := strings.CutPrefix(h, "Bearer ")
	if !found {
		token, found = strings.CutPrefix(h, "token ")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	push, ok = s.tokens[token]
	return push, found && ok
}

// publish publishes a draft: it is no longer a draft, its tag is made at
// its target when the repository lacks it, and it is immutable when the
// repository's immutable releases are on. The caller holds s.mu.
func (s *Server) publish(rp *repo, rel *release) {
	rel.draft = false
	rel.published = now()
	if _, ok := rp.refs["tags/"+rel.tag]; !ok {
		rp.refs["tags/"+rel.tag] = rel.target
	}
	rel.immutable = rp.immutable
}

// openAsset adds an asset in the state "open", as an upload cut short
// leaves one.
func (s *Server) openAsset(params map[string]string, name string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[params["owner"]+"/"+params["repo"]]
	if rp == nil || name == "" {
		return
	}
	rel := findRelease(rp, params["release_id"], true)
	if rel == nil || rel.immutable || slices.ContainsFunc(rel.assets, func(a *asset) bool { return a.name == name }) {
		return
	}
	rel.assets = append(rel.assets, &asset{id: s.id(), name: name, data: data, state: "open", created: now()})
}

// paginate returns the range of n items the request's page and per_page
// select, and sets the Link header to the next and last pages.
func (s *Server) paginate(w http.ResponseWriter, r *http.Request, n int) [2]int {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	start, end := min((page-1)*per, n), min(page*per, n)
	last := max((n+per-1)/per, 1)
	if page < last {
		link := func(p int) string {
			u := *r.URL
			q := u.Query()
			q.Set("page", strconv.Itoa(p))
			u.RawQuery = q.Encode()
			return "<" + s.API.URL + u.String() + ">"
		}
		w.Header().Set("Link", link(page+1)+`; rel="next", `+link(last)+`; rel="last"`)
	}
	return [2]int{start, end}
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

func now() time.Time { return time.Now().UTC().Truncate(time.Second) }

func publishedFor(rp *repo, tag string) *release {
	for _, r := range rp.releases {
		if !r.draft && r.tag == tag {
			return r
		}
	}
	return nil
}

func findRelease(rp *repo, id string, push bool) *release {
	for _, r := range rp.releases {
		if strconv.FormatInt(r.id, 10) == id && (push || !r.draft) {
			return r
		}
	}
	return nil
}

func findAsset(rp *repo, id string, push bool) (*release, *asset) {
	for _, r := range rp.releases {
		for _, a := range r.assets {
			if strconv.FormatInt(a.id, 10) == id && (push || !r.draft) {
				return r, a
			}
		}
	}
	return nil, nil
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
}

func validationFailed(w http.ResponseWriter, resource, code, field, msg string) {
	e := map[string]any{"resource": resource, "code": code, "field": field}
	if msg != "" {
		e["message"] = msg
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []any{e},
		"documentation_url": "https://docs.github.com/rest/releases", "status": "422"})
}

// The JSON objects, with every field the description requires.

func (s *Server) apiURL(rp *repo, rest string) string {
	return s.APIURL() + "/repos/" + rp.owner + "/" + rp.name + "/" + rest
}

func (s *Server) htmlURL(rp *repo, rest string) string {
	return s.API.URL + "/" + rp.owner + "/" + rp.name + "/" + rest
}

func (s *Server) user() map[string]any {
	u := s.API.URL + "/users/octocat"
	return map[string]any{"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": s.API.URL + "/avatar.gif", "gravatar_id": "",
		"url": u, "html_url": s.API.URL + "/octocat", "followers_url": u + "/followers", "following_url": u + "/following{/other_user}",
		"gists_url": u + "/gists{/gist_id}", "starred_url": u + "/starred{/owner}{/repo}", "subscriptions_url": u + "/subscriptions",
		"organizations_url": u + "/orgs", "repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
		"received_events_url": u + "/received_events", "type": "User", "site_admin": false}
}

func (s *Server) releaseJSON(rp *repo, rel *release) map[string]any {
	id := strconv.FormatInt(rel.id, 10)
	var published any
	html := s.htmlURL(rp, "releases/tag/untagged-"+id)
	if !rel.draft {
		published = rel.published.Format(time.RFC3339)
		html = s.htmlURL(rp, "releases/tag/"+url.PathEscape(rel.tag))
	}
	assets := []any{}
	for _, a := range rel.assets {
		assets = append(assets, s.assetJSON(rp, rel, a))
	}
	return map[string]any{"url": s.apiURL(rp, "releases/"+id), "html_url": html, "assets_url": s.apiURL(rp, "releases/"+id+"/assets"),
		"upload_url":  s.uploadRoot() + "/repos/" + rp.owner + "/" + rp.name + "/releases/" + id + "/assets{?name,label}",
		"tarball_url": s.apiURL(rp, "tarball/"+rel.tag), "zipball_url": s.apiURL(rp, "zipball/"+rel.tag),
		"id": rel.id, "node_id": "RE_" + id, "tag_name": rel.tag, "target_commitish": rel.target, "name": rel.name, "body": rel.body,
		"draft": rel.draft, "prerelease": rel.pre, "immutable": rel.immutable,
		"created_at": rel.created.Format(time.RFC3339), "published_at": published, "author": s.user(), "assets": assets}
}

func (s *Server) assetJSON(rp *repo, rel *release, a *asset) map[string]any {
	id := strconv.FormatInt(a.id, 10)
	var digest any
	if a.state == "uploaded" && !s.opt.NoDigests {
		sum := sha256.Sum256(a.data)
		digest = "sha256:" + hex.EncodeToString(sum[:])
	}
	return map[string]any{"url": s.apiURL(rp, "releases/assets/"+id), "browser_download_url": s.htmlURL(rp, "releases/download/"+url.PathEscape(rel.tag)+"/"+url.PathEscape(a.name)),
		"id": a.id, "node_id": "RA_" + id, "name": a.name, "label": "", "state": a.state, "content_type": "application/octet-stream",
		"size": len(a.data), "digest": digest, "download_count": 0, "created_at": a.created.Format(time.RFC3339),
		"updated_at": a.created.Format(time.RFC3339), "uploader": s.user()}
}

// repoJSON is the repository, from the description's example with its
// names, URLs and the token's permissions.
func (s *Server) repoJSON(rp *repo, push bool) map[string]any {
	out := map[string]any{}
	for k, v := range s.spec.repoExample {
		out[k] = v
	}
	// Not a fork, nor made from a template, nor an organization's. (The
	// example lacks the required "language": GitHub's own example does
	// not match its schema.)
	for _, k := range []string{"source", "parent", "template_repository", "organization"} {
		delete(out, k)
	}
	out["fork"], out["language"] = false, "Go"
	out["name"], out["full_name"] = rp.name, rp.owner+"/"+rp.name
	out["url"], out["html_url"] = s.APIURL()+"/repos/"+rp.owner+"/"+rp.name, s.htmlURL(rp, "")
	out["owner"] = s.user()
	out["permissions"] = map[string]any{"admin": false, "maintain": false, "push": push, "triage": push, "pull": true}
	return out
}
