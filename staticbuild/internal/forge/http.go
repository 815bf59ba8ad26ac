package forge

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Client makes the requests of a forge's REST API: JSON in and JSON out,
// uploads from a file and downloads, each with the token in its
// Authorization header. A request that fails on the way (a connection
// error), with a 5xx or 429 status, or with a rate limit (a 403 with
// Retry-After, "secondary rate limit" in its message, or no requests left
// until X-RateLimit-Reset) is made again, after the wait Retry-After or
// X-RateLimit-Reset asks for, else a wait that doubles from Backoff, each
// wait at most MaxWait, up to Tries times in all. Every error names the
// method, the URL's path and query, the status and the forge's message
// (the caller names the forge); none holds the token. Its zero value with a Token works; its
// fields must not change while requests run.
type Client struct {
	// Name names the forge at the start of each line given to Logf, such
	// as "github".
	Name string
	// Token is sent as "Authorization: <Scheme> <Token>" when not empty.
	Token string
	// Scheme is the Authorization scheme. Default: "Bearer".
	Scheme string
	// Header holds headers added to every request, such as Accept and an
	// API version.
	Header http.Header
	// HTTP is the client the requests go through. Default:
	// http.DefaultClient. Redirects it follows to another host do not
	// carry the token (net/http drops Authorization there).
	HTTP *http.Client
	// Tries is how many times a request is made at most. Default: 6.
	Tries int
	// Backoff is the first wait after a failure that names no wait of its
	// own; it doubles with each try. Default: 1s.
	Backoff time.Duration
	// MaxWait is the longest wait between two tries, whatever the forge
	// asks for. Default: 60s.
	MaxWait time.Duration
	// Logf, when set, receives a line for each request made again.
	Logf func(format string, args ...any)
}

// StatusError is the error of a request the forge answered with a status
// other than 2xx, after any tries again.
type StatusError struct {
	Forge   string // the forge's name, as Client.Name
	Method  string
	Path    string // the URL's path and query, with no token
	Status  int
	Message string   // the forge's message, from the JSON body's "message", else the body's start
	Codes   []string // the codes of the forge's "errors" list, such as "already_exists"
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if len(e.Codes) > 0 {
		msg += " (" + strings.Join(e.Codes, ", ") + ")"
	}
	return msg
}

// StatusOf returns the status of a StatusError in err's chain, or 0.
func StatusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// HasCode reports whether err holds a StatusError whose forge's errors
// include code, such as "already_exists".
func HasCode(err error, code string) bool {
	var se *StatusError
	return errors.As(err, &se) && (slices.Contains(se.Codes, code) || strings.Contains(se.Message, code))
}

// Do makes a JSON request: in, when not nil, is sent as the JSON body,
// and a 2xx response's JSON body is decoded into out when out is not nil.
// It returns the response's header, for a Link to the next page (see
// NextLink). Its error is a *StatusError for a status other than 2xx.
func (c *Client) Do(ctx context.Context, method, rawURL string, in, out any) (http.Header, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("%s %s: encoding the request: %w", method, showURL(rawURL), err)
		}
	}
	resp, err := c.send(ctx, method, rawURL, func() (*http.Request, error) {
		var r io.Reader
		if in != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, rawURL, r)
		if err != nil {
			return nil, err
		}
		if c.Header.Get("Accept") == "" {
			req.Header.Set("Accept", "application/json")
		}
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, nil
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return resp.Header, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.Header, fmt.Errorf("%s %s: reading the response: %w", method, showURL(rawURL), err)
	}
	return resp.Header, nil
}

// Upload sends the file at path, of size bytes, as the body of a POST to
// rawURL with the content type given, and decodes a 2xx response's JSON
// body into out. Each try reads the file again from its start. A file
// whose size is not size fails without a request.
func (c *Client) Upload(ctx context.Context, rawURL, path string, size int64, contentType string, out any) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("uploading %s: %w", path, err)
	}
	if fi.Size() != size {
		return fmt.Errorf("uploading %s: the file has %d bytes, not the %d the release lists: it changed after the release; release again", path, fi.Size(), size)
	}
	open := func() (io.ReadCloser, error) { return os.Open(path) }
	resp, err := c.send(ctx, http.MethodPost, rawURL, func() (*http.Request, error) {
		f, err := open()
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, f)
		if err != nil {
			f.Close()
			return nil, err
		}
		req.ContentLength = size
		req.GetBody = open
		if c.Header.Get("Accept") == "" {
			req.Header.Set("Accept", "application/json")
		}
		req.Header.Set("Content-Type", contentType)
		return req, nil
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("POST %s: reading the response: %w", showURL(rawURL), err)
		}
	}
	return nil
}

// Download makes a GET request with the Accept header given, following
// redirects, and returns the body of its 2xx response, which the caller
// closes. Only the request is tried again; a body cut short is the
// caller's error.
func (c *Client) Download(ctx context.Context, rawURL, accept string) (io.ReadCloser, error) {
	resp, err := c.send(ctx, http.MethodGet, rawURL, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", accept)
		return req, nil
	})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// NextLink returns the URL of the next page a response's Link header
// names (rel="next"), or "".
func NextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			if m := linkRE.FindStringSubmatch(part); m != nil && m[2] == "next" {
				return m[1]
			}
		}
	}
	return ""
}

var linkRE = regexp.MustCompile(`^\s*<([^>]*)>.*;\s*rel="?([a-z]+)"?`)

// send makes the request newReq returns until it succeeds, fails for good,
// or the tries run out, and returns the 2xx response.
func (c *Client) send(ctx context.Context, method, rawURL string, newReq func() (*http.Request, error)) (*http.Response, error) {
	tries := cmp.Or(c.Tries, 6)
	backoff := cmp.Or(c.Backoff, time.Second)
	show := showURL(rawURL)
	for try := 1; ; try++ {
		req, err := newReq()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, show, err)
		}
		for k, vs := range c.Header {
			if req.Header.Get(k) == "" {
				req.Header[k] = vs
			}
		}
		if c.Token != "" {
			req.Header.Set("Authorization", cmp.Or(c.Scheme, "Bearer")+" "+c.Token)
		}
		resp, err := cmp.Or(c.HTTP, http.DefaultClient).Do(req)
		var fail error
		wait := backoff
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s %s: %w", method, show, context.Cause(ctx))
			}
			fail = fmt.Errorf("%s %s: %w", method, show, c.scrub(unwrapURL(err)))
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return resp, nil
		default:
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			se := statusError(c.name(), method, show, resp.StatusCode, body)
			w, again := retryable(resp, se)
			if !again {
				return nil, se
			}
			if w > 0 {
				wait = w
			}
			fail = se
		}
		if try >= tries {
			return nil, fmt.Errorf("%w (gave up after %d tries)", fail, try)
		}
		wait = min(wait, cmp.Or(c.MaxWait, time.Minute))
		if c.Logf != nil {
			c.Logf("%s: %v; trying again in %v (try %d of %d)\n", c.name(), fail, wait.Round(time.Millisecond), try+1, tries)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s %s: %w", method, show, context.Cause(ctx))
		case <-t.C:
		}
		backoff *= 2
	}
}

// retryable says whether a failed response is worth trying again, and the
// wait it asks for (0: none named).
func retryable(resp *http.Response, se *StatusError) (time.Duration, bool) {
	wait := retryAfter(resp.Header)
	limited := resp.Header.Get("X-RateLimit-Remaining") == "0"
	if limited && wait == 0 {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			wait = max(time.Until(time.Unix(reset, 0)), time.Second)
		}
	}
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
		return wait, true
	case resp.StatusCode == http.StatusForbidden:
		secondary := strings.Contains(strings.ToLower(se.Message), "secondary rate limit")
		if secondary && wait == 0 {
			wait = time.Minute // GitHub: wait at least a minute
		}
		return wait, secondary || limited || resp.Header.Get("Retry-After") != ""
	}
	return 0, false
}

// retryAfter returns the wait a Retry-After header asks for, in seconds
// or as an HTTP date, or 0.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return max(time.Duration(s*float64(time.Second)), time.Millisecond)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), time.Millisecond)
	}
	return 0
}

// statusError makes the error of a response with a status other than
// 2xx, with the forge's message from a JSON body such as GitHub's and
// Gitea's ({"message": ..., "errors": [{"code": ...}]}).
func statusError(forge, method, path string, status int, body []byte) *StatusError {
	se := &StatusError{Forge: forge, Method: method, Path: path, Status: status}
	var msg struct {
		Message string            `json:"message"`
		Errors  []json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &msg) == nil && msg.Message != "" {
		se.Message = msg.Message
		for _, raw := range msg.Errors {
			var e struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			if json.Unmarshal(raw, &e) == nil {
				se.Codes = append(se.Codes, cmp.Or(e.Code, e.Message))
			} else {
				var s string
				if json.Unmarshal(raw, &s) == nil {
					se.Codes = append(se.Codes, s)
				}
			}
		}
		return se
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	se.Message = text
	return se
}

// showURL returns the path and query of a URL, for messages.
func showURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if u.RawQuery != "" {
		return u.EscapedPath() + "?" + u.RawQuery
	}
	return u.EscapedPath()
}

// unwrapURL returns the error inside a *url.Error, whose message repeats
// the whole URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// scrub removes the token from an error's message, should a transport
// ever quote it.
func (c *Client) scrub(err error) error {
	if c.Token == "" || !strings.Contains(err.Error(), c.Token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), c.Token, "[token]"))
}

func (c *Client) name() string { return cmp.Or(c.Name, "forge") }
