// Package githubtest is a test server shaped like GitHub's REST API, for
// the endpoints the GitHub publisher uses: a repository and its
// permissions, git refs and annotated tags, releases (drafts, publishing,
// immutable releases, 422 already_exists for a second published release
// of a tag or a second asset of a name) and their assets (uploads on a
// host of their own, as uploads.github.com, a SHA-256 digest per asset,
// downloads redirected to a storage host). It is not GitHub: there is no
// GitHub here, so the server keeps state as GitHub's REST documentation
// describes it, and checks every request it receives and every response
// it sends against GitHub's published OpenAPI description
// (testdata/github-api.json, see testdata/README.md), failing the test on
// any mismatch. Tests inject faults (5xx, 429 and rate limits with
// Retry-After, connections dropped mid-upload) and pause at any request,
// to kill the publisher there.
package githubtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure a Server.
type Options struct {
	// Enterprise serves the API under /api/v3 and the uploads under
	// /api/uploads of one host, as GitHub Enterprise Server does, instead
	// of on two hosts.
	Enterprise bool
	// NoDigests gives every asset a null digest (the description allows
	// null, as for assets uploaded before GitHub computed digests), so
	// that the publisher downloads assets to check them.
	NoDigests bool
	// Pause, when set, is called for every request to the API or the
	// uploads, numbered from 1 as they arrive: at Received, once its
	// headers (and, for an upload, half its body) are read, and at
	// Handled, once it changed the state and before its response is
	// written. A test kills its publisher there.
	Pause func(n int, at Stage)
}

// Stage is where in a request Options.Pause is called.
type Stage int

const (
	Received Stage = iota
	Handled
)

// Server is the test server. Its methods are safe to call while it
// serves.
type Server struct {
	// API is the REST API's server, Uploads the uploads' (the same as API
	// with Options.Enterprise), Storage where downloads redirect to.
	API, Uploads, Storage *httptest.Server

	t    testing.TB
	opt  Options
	spec *spec

	mu       sync.Mutex
	repos    map[string]*repo
	tokens   map[string]bool // token → may push
	nextID   int64
	faults   []*Fault
	n        int      // requests so far
	requests []string // "METHOD /path STATUS", in order
}

type repo struct {
	owner, name string
	immutable   bool              // releases become immutable when published
	refs        map[string]string // "tags/v1" → sha of a commit or an annotated tag
	tags        map[string]string // annotated tag's sha → the commit it names
	releases    []*release
}

type release struct {
	id          int64
	tag, target string
	name, body  string
	draft, pre  bool
	immutable   bool
	created     time.Time
	published   time.Time
	assets      []*asset
}

type asset struct {
	id      int64
	name    string
	data    []byte
	state   string // "uploaded", or "open" for an upload cut short
	created time.Time
}

// New starts a server, closed when the test ends.
func New(t testing.TB, opt Options) *Server {
	s := &Server{t: t, opt: opt, spec: loadSpec(t), repos: map[string]*repo{}, tokens: map[string]bool{}, nextID: 1}
	s.Storage = httptest.NewServer(http.HandlerFunc(s.storage))
	t.Cleanup(s.Storage.Close)
	if opt.Enterprise {
		s.API = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasPrefix(r.URL.Path, "/api/v3/"):
				s.serve(w, r, "/api/v3", false)
			case strings.HasPrefix(r.URL.Path, "/api/uploads/"):
				s.serve(w, r, "/api/uploads", true)
			default:
				s.t.Errorf("githubtest: %s %s: not under /api/v3 or /api/uploads", r.Method, r.URL.Path)
				http.NotFound(w, r)
			}
		}))
		s.Uploads = s.API
	} else {
		s.API = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "", false) }))
		s.Uploads = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "", true) }))
		t.Cleanup(s.Uploads.Close)
	}
	t.Cleanup(s.API.Close)
	return s
}

// APIURL is the API's root, as github.Release.APIURL takes it.
func (s *Server) APIURL() string {
	if s.opt.Enterprise {
		return s.API.URL + "/api/v3"
	}
	return s.API.URL
}

func (s *Server) uploadRoot() string {
	if s.opt.Enterprise {
		return s.API.URL + "/api/uploads"
	}
	return s.Uploads.URL
}

// AddRepo adds the repository "owner/name".
func (s *Server) AddRepo(full string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner, name, _ := strings.Cut(full, "/")
	s.repos[full] = &repo{owner: owner, name: name, refs: map[string]string{}, tags: map[string]string{}}
}

// AddToken makes token valid, with push access to every repository when
// push is set, else read access only.
func (s *Server) AddToken(token string, push bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = push
}

// SetTag points the tag at the commit, through an annotated tag object
// when annotated is set, as a push of the tag would.
func (s *Server) SetTag(full, tag, commit string, annotated bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[full]
	if !annotated {
		r.refs["tags/"+tag] = commit
		return
	}
	sum := sha256.Sum256([]byte("tag " + tag + " " + commit))
	obj := hex.EncodeToString(sum[:20])
	r.tags[obj] = commit
	r.refs["tags/"+tag] = obj
}

// SetImmutable turns on or off the repository's immutable releases: a
// release published while it is on is immutable.
func (s *Server) SetImmutable(full string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[full].immutable = on
}

// Release is a release as the server holds it, for tests to inspect.
type Release struct {
	ID                      int64
	Tag, Commit, Name, Body string
	Draft, Prerelease       bool
	Immutable               bool
	Assets                  []Asset
}

// Asset is an asset as the server holds it.
type Asset struct {
	Name  string
	Data  []byte
	State string
}

// Releases returns the repository's releases, oldest first.
func (s *Server) Releases(full string) []Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Release
	for _, r := range s.repos[full].releases {
		rel := Release{ID: r.id, Tag: r.tag, Commit: r.target, Name: r.name, Body: r.body, Draft: r.draft, Prerelease: r.pre, Immutable: r.immutable}
		for _, a := range r.assets {
			rel.Assets = append(rel.Assets, Asset{Name: a.name, Data: bytes.Clone(a.data), State: a.state})
		}
		out = append(out, rel)
	}
	return out
}

// Count returns how many requests the server received so far: the
// number Options.Pause gives the last.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Requests returns every request so far, as "METHOD /path STATUS".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Writes returns how many requests so far were not GET or HEAD.
func (s *Server) Writes() int {
	n := 0
	for _, r := range s.Requests() {
		if !strings.HasPrefix(r, "GET ") && !strings.HasPrefix(r, "HEAD ") {
			n++
		}
	}
	return n
}

// Fault is a failure the server answers matching requests with, instead
// of serving them.
type Fault struct {
	// Method and Path (a path of the OpenAPI description, such as
	// "/repos/{owner}/{repo}/releases") select the requests; empty
	// matches any.
	Method, Path string
	// Status answers with this status and a JSON message.
	Status int
	// RetryAfter, when set, is the Retry-After header.
	RetryAfter string
	// Secondary answers 403 with GitHub's secondary rate limit message.
	Secondary bool
	// RateLimited answers 403 with X-RateLimit-Remaining: 0 and a reset
	// one second ahead, GitHub's primary rate limit.
	RateLimited bool
	// Drop closes the connection without an answer: before serving the
	// request, after reading half of an upload's body (which leaves an
	// asset in the state "open", as an upload cut short does), or, with
	// After, once the request was served.
	Drop, After bool
	// Times is how many requests it fails. Default: 1.
	Times int
}

// Inject adds a fault; faults apply in the order added.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Times = max(f.Times, 1)
	s.faults = append(s.faults, &f)
}

// Faults returns how many injected faults have not yet fired.
func (s *Server) Faults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Times
	}
	return n
}

// fault returns the first fault matching the request that applies
// before (after false) or after it is served, counting it.
func (s *Server) fault(method, path string, after bool) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Times > 0 && f.After == after && (f.Method == "" || f.Method == method) && (f.Path == "" || f.Path == path) {
			f.Times--
			return f
		}
	}
	return nil
}

func (s *Server) record(r *http.Request, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, status))
}

func (s *Server) pause(n int, at Stage) {
	if s.opt.Pause != nil {
		s.opt.Pause(n, at)
	}
}

// serve handles a request to the API (uploads false) or the uploads
// host, whose paths start with root: it finds the operation, checks the
// request against the description, applies any fault, handles it, checks
// the response and writes it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, root string, uploads bool) {
	path := strings.TrimPrefix(r.URL.Path, root)
	tmpl, params := s.spec.match(path)
	isUpload := tmpl == "/repos/{owner}/{repo}/releases/{release_id}/assets" && r.Method == http.MethodPost
	if tmpl == "" || isUpload != uploads || s.spec.doc.Paths.Value(tmpl).GetOperation(r.Method) == nil {
		s.t.Errorf("githubtest: %s %s: GitHub's API description has no such operation on this host (uploads: %v)", r.Method, r.URL.Path, uploads)
		s.record(r, http.StatusNotFound)
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
		return
	}
	body, err := s.readBody(r, isUpload)
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	if f := s.fault(r.Method, tmpl, false); f != nil {
		s.pause(n, Received)
		s.failWith(w, r, f, tmpl, params, body, err)
		return
	}
	s.pause(n, Received)
	if err != nil {
		// The client went away mid-body: an upload cut short leaves an
		// asset in the state "open", as GitHub's can.
		if isUpload {
			s.openAsset(params, r.URL.Query().Get("name"), body)
		}
		s.record(r, 499)
		return
	}
	if verr := s.spec.validateRequest(r, tmpl, params, body); verr != nil {
		s.t.Errorf("githubtest: %s %s: the request is not valid against GitHub's API description: %v", r.Method, r.URL.Path, short(verr))
	}
	rec := httptest.NewRecorder()
	s.handle(rec, r, tmpl, params, body)
	s.pause(n, Handled)
	if f := s.fault(r.Method, tmpl, true); f != nil {
		s.record(r, rec.Code)
		s.drop(w)
		return
	}
	if rec.Code != http.StatusUnauthorized {
		if verr := s.spec.validateResponse(r, tmpl, params, body, rec); verr != nil {
			s.t.Errorf("githubtest: %s %s: the response %d is not valid against GitHub's API description: %v", r.Method, r.URL.Path, rec.Code, short(verr))
		}
	}
	s.record(r, rec.Code)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// readBody reads the request's body. With a Drop fault for an upload, it
// reads half of it and returns an error, as a connection dropped
// mid-upload does.
func (s *Server) readBody(r *http.Request, upload bool) ([]byte, error) {
	if upload && r.ContentLength > 0 && s.pendingDrop(r.Method) {
		half := make([]byte, r.ContentLength/2)
		n, err := io.ReadFull(r.Body, half)
		if err != nil {
			return half[:n], err
		}
		return half, errDropped
	}
	return io.ReadAll(r.Body)
}

var errDropped = fmt.Errorf("dropped mid-upload")

// pendingDrop reports whether the next fault for an upload drops it.
func (s *Server) pendingDrop(method string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Times > 0 && !f.After && (f.Method == "" || f.Method == method) && (f.Path == "" || f.Path == "/repos/{owner}/{repo}/releases/{release_id}/assets") {
			return f.Drop
		}
	}
	return false
}

// failWith answers a request with a fault.
func (s *Server) failWith(w http.ResponseWriter, r *http.Request, f *Fault, tmpl string, params map[string]string, body []byte, bodyErr error) {
	if f.Drop {
		if bodyErr == errDropped {
			s.openAsset(params, r.URL.Query().Get("name"), body)
		}
		s.record(r, 0)
		s.drop(w)
		return
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	status, msg := f.Status, "Server Error"
	switch {
	case f.Secondary:
		status, msg = http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
	case f.RateLimited:
		status, msg = http.StatusForbidden, "API rate limit exceeded for user ID 1."
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
	case status == http.StatusTooManyRequests:
		msg = "Too Many Requests"
	}
	s.record(r, status)
	writeJSON(w, status, map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"})
}

// drop closes the request's connection without an answer.
func (s *Server) drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.t.Errorf("githubtest: cannot drop the connection: %v", err)
		return
	}
	conn.Close()
}

// storage serves an asset's bytes at /assets/<id>, where the API's
// download redirects: GitHub's are on another host, with a signed URL.
func (s *Server) storage(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		s.t.Errorf("githubtest: the storage host received the token")
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/assets/"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rp := range s.repos {
		for _, rel := range rp.releases {
			for _, a := range rel.assets {
				if a.id == id {
					w.Header().Set("Content-Type", "application/octet-stream")
					w.Write(a.data)
					return
				}
			}
		}
	}
	http.NotFound(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(data)
}

// short returns a validation error's message without the schemas and
// values kin-openapi quotes after it.
func short(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "\nSchema:"); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	return msg
}
