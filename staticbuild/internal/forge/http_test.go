package forge

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// logger collects a client's retry lines.
type logger struct {
	mu    sync.Mutex
	lines []string
}

func (l *logger) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "")
}

// TestWaits checks the waits the client takes: Retry-After in seconds,
// X-RateLimit-Reset when no requests are left, doubling backoff, each
// capped at MaxWait, and that 4xx errors other than rate limits are not
// tried again.
func TestWaits(t *testing.T) {
	var n int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer secret" {
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		}
		switch {
		case r.URL.Path == "/limit" && i == 1:
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case r.URL.Path == "/limit" && i == 2:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"API rate limit exceeded"}`)
		case r.URL.Path == "/limit" && i == 3:
			w.WriteHeader(http.StatusBadGateway)
		case r.URL.Path == "/limit":
			io.WriteString(w, `{"ok":true}`)
		case r.URL.Path == "/denied":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"Resource not accessible by integration","errors":[{"code":"custom","message":"no"}]}`)
		}
	}))
	defer srv.Close()
	var log logger
	c := &Client{Name: "test", Token: "secret", Backoff: 5 * time.Millisecond, MaxWait: 30 * time.Millisecond, Logf: log.Logf}
	var out struct{ OK bool }
	if _, err := c.Do(context.Background(), "GET", srv.URL+"/limit", nil, &out); err != nil || !out.OK {
		t.Fatalf("%v %+v", err, out)
	}
	want := []string{
		"test: GET /limit: 429 Too Many Requests; trying again in 30ms (try 2 of 6)\n",
		"test: GET /limit: 403 Forbidden: API rate limit exceeded; trying again in 30ms (try 3 of 6)\n",
		"test: GET /limit: 502 Bad Gateway; trying again in 20ms (try 4 of 6)\n",
	}
	if got := log.String(); got != strings.Join(want, "") {
		t.Errorf("retry lines:\n%s\nwant:\n%s", got, strings.Join(want, ""))
	}
	mu.Lock()
	n = 0
	mu.Unlock()
	_, err := c.Do(context.Background(), "POST", srv.URL+"/denied", map[string]string{"a": "b"}, nil)
	if StatusOf(err) != 403 || !HasCode(err, "custom") || err.Error() != "POST /denied: 403 Forbidden: Resource not accessible by integration (custom)" || n != 1 {
		t.Errorf("a 403 without a rate limit: %v after %d tries", err, n)
	}
	if strings.Contains(log.String()+err.Error(), "secret") {
		t.Error("the token is in a message")
	}
}

// TestRetryAfterHonoured checks that a wait Retry-After asks for below
// MaxWait is taken as asked.
func TestRetryAfterHonoured(t *testing.T) {
	first := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first {
			first = false
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"You have exceeded a secondary rate limit."}`)
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	var log logger
	c := &Client{Name: "test", Logf: log.Logf}
	if _, err := c.Do(context.Background(), "GET", srv.URL+"/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "secondary rate limit.; trying again in 1s (try 2 of 6)") {
		t.Errorf("log: %s", log.String())
	}
}

// TestUpload checks that each try sends the whole file again, and that a
// file of another size than given fails before any request.
func TestUpload(t *testing.T) {
	data := strings.Repeat("0123456789", 10000)
	name := filepath.Join(t.TempDir(), "f")
	os.WriteFile(name, []byte(data), 0o644)
	tries := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tries++
		body, _ := io.ReadAll(r.Body)
		if string(body) != data || r.ContentLength != int64(len(data)) || r.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("try %d: %d bytes, Content-Length %d", tries, len(body), r.ContentLength)
		}
		if tries < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"id":7}`)
	}))
	defer srv.Close()
	c := &Client{Backoff: time.Millisecond}
	var out struct{ ID int }
	if err := c.Upload(context.Background(), srv.URL+"/up?name=f", name, int64(len(data)), "application/octet-stream", &out); err != nil || out.ID != 7 || tries != 3 {
		t.Errorf("upload: %v, %+v after %d tries", err, out, tries)
	}
	err := c.Upload(context.Background(), srv.URL+"/up", name, 5, "application/octet-stream", nil)
	if err == nil || !strings.Contains(err.Error(), "not the 5 the release lists") || tries != 3 {
		t.Errorf("an upload of a changed file: %v", err)
	}
}

// TestCancel checks that a wait ends when the context is cancelled.
func TestCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{MaxWait: time.Hour, Logf: func(string, ...any) { cancel() }}
	_, err := c.Do(ctx, "GET", srv.URL+"/x", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("a cancelled wait: %v", err)
	}
}

func TestNextLink(t *testing.T) {
	h := http.Header{"Link": {`<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"`}}
	if got := NextLink(h); got != "https://api.github.com/x?page=2" {
		t.Errorf("NextLink = %q", got)
	}
	h = http.Header{"Link": {`<https://api.github.com/x?page=1>; rel="prev"`}}
	if got := NextLink(h); got != "" {
		t.Errorf("NextLink without next = %q", got)
	}
}

// FuzzResponse feeds the parsers of a forge's answers (the Link header,
// the error body, Retry-After) arbitrary input: they never panic.
func FuzzResponse(f *testing.F) {
	f.Add(`<https://a/x?page=2>; rel="next"`, `{"message":"m","errors":[{"code":"already_exists"},"s",1]}`, "12")
	f.Add(`<>;rel=next,`, `not json`, "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, link, body, retry string) {
		NextLink(http.Header{"Link": {link}})
		se := statusError("f", "GET", "/p", 500, []byte(body))
		_ = se.Error()
		retryAfter(http.Header{"Retry-After": {retry}})
	})
}
