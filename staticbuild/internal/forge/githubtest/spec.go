package githubtest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// description is the part of GitHub's OpenAPI description of its REST
// API that the publisher uses (see testdata/README.md).
//
//go:embed testdata/github-api.json
var description []byte

// spec is the loaded description, which checks requests and responses
// with kin-openapi's openapi3filter.
type spec struct {
	doc         *openapi3.T
	templates   []string       // its paths
	repoExample map[string]any // the example of "get a repository"'s response
}

var (
	loadOnce sync.Once
	loaded   *spec
	loadErr  error
)

// loadSpec loads the description once per test binary.
func loadSpec(t testing.TB) *spec {
	loadOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(description)
		if err != nil {
			loadErr = err
			return
		}
		sp := &spec{doc: doc}
		for p := range doc.Paths.Map() {
			sp.templates = append(sp.templates, p)
		}
		var raw struct {
			Components struct {
				Examples map[string]struct {
					Value json.RawMessage `json:"value"`
				} `json:"examples"`
			} `json:"components"`
		}
		if err := json.Unmarshal(description, &raw); err != nil {
			loadErr = err
			return
		}
		if err := json.Unmarshal(raw.Components.Examples["full-repository-default-response"].Value, &sp.repoExample); err != nil {
			loadErr = err
			return
		}
		loaded = sp
	})
	if loadErr != nil {
		t.Fatalf("githubtest: loading GitHub's API description: %v", loadErr)
	}
	return loaded
}

// match returns the description's path that path is an instance of, with
// the values of its parameters, or "" when it has none. A literal element
// beats a parameter; a parameter marked x-multi-segment (git/ref/{ref})
// takes the rest of the path.
func (sp *spec) match(path string) (string, map[string]string) {
	got := strings.Split(strings.Trim(path, "/"), "/")
	best, bestLit := "", -1
	var bestParams map[string]string
	for _, tmpl := range sp.templates {
		want := strings.Split(strings.Trim(tmpl, "/"), "/")
		params, lit, ok := map[string]string{}, 0, true
		for i, w := range want {
			if i >= len(got) {
				ok = false
				break
			}
			if name, isParam := strings.CutPrefix(w, "{"); isParam {
				name = strings.TrimSuffix(name, "}")
				if i == len(want)-1 && name == "ref" {
					params[name] = strings.Join(got[i:], "/")
					break
				}
				params[name] = got[i]
				continue
			}
			if w != got[i] {
				ok = false
				break
			}
			lit++
		}
		if ok && (len(want) == len(got) || (params["ref"] != "" && len(got) >= len(want))) && lit > bestLit {
			best, bestLit, bestParams = tmpl, lit, params
		}
	}
	return best, bestParams
}

// input returns the validation input of a request whose body is body.
func (sp *spec) input(r *http.Request, tmpl string, params map[string]string, body []byte) *openapi3filter.RequestValidationInput {
	item := sp.doc.Paths.Value(tmpl)
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(body))
	return &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params,
		Route:   &routers.Route{Spec: sp.doc, Path: tmpl, PathItem: item, Method: r.Method, Operation: item.GetOperation(r.Method)},
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
}

// validateRequest checks a request against its operation.
func (sp *spec) validateRequest(r *http.Request, tmpl string, params map[string]string, body []byte) error {
	in := sp.input(r, tmpl, params, body)
	if in.Route.Operation == nil {
		return &noOperation{r.Method, tmpl}
	}
	return openapi3filter.ValidateRequest(context.Background(), in)
}

// validateResponse checks a response against its operation's: its status
// must be one the operation lists, and its body match that status's
// schema.
func (sp *spec) validateResponse(r *http.Request, tmpl string, params map[string]string, body []byte, rec *httptest.ResponseRecorder) error {
	in := sp.input(r, tmpl, params, body)
	if in.Route.Operation == nil {
		return &noOperation{r.Method, tmpl}
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

type noOperation struct{ method, path string }

func (e *noOperation) Error() string {
	return "the description has no operation " + e.method + " " + e.path
}
