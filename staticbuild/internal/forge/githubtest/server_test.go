package githubtest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recorder is a test that records its errors instead of failing.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

// TestValidation checks that the server reports requests that GitHub's
// API description does not allow: a body of the wrong type, an
// operation it does not have, an upload to the API's host.
func TestValidation(t *testing.T) {
	rec := &recorder{TB: t}
	s := New(rec, Options{})
	s.AddRepo("acme/app")
	s.AddToken("tok", true)
	for _, c := range []struct {
		method, url, body, want string
	}{
		{"POST", s.API.URL + "/repos/acme/app/releases", `{"tag_name": 5}`, "the request is not valid against GitHub's API description"},
		{"PUT", s.API.URL + "/repos/acme/app/releases", `{}`, "has no such operation"},
		{"GET", s.API.URL + "/nowhere", ``, "has no such operation"},
		{"POST", s.API.URL + "/repos/acme/app/releases/1/assets?name=x", `x`, "has no such operation on this host"},
	} {
		rec.errs = nil
		req, _ := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.Contains(rec.all(), c.want) {
			t.Errorf("%s %s: reported %q, want %q", c.method, c.url, rec.all(), c.want)
		}
	}
	// A valid request is not reported.
	rec.errs = nil
	req, _ := http.NewRequest("POST", s.API.URL+"/repos/acme/app/releases", strings.NewReader(`{"tag_name":"v1","draft":true}`))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 || rec.all() != "" {
		t.Errorf("a valid create: %v %v %s", err, resp.Status, rec.all())
	}
}
