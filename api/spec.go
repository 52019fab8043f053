// Package api embeds the E2E FaaS OpenAPI document and checks HTTP exchanges
// against it. Both the client's tests and the local server's tests use it, so
// the wire format has a single reference.
package api

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

//go:embed openapi.yaml
var document []byte

// BasePath is the path prefix every contract path is relative to.
const BasePath = "/faas/api/v1/"

// Document returns the raw OpenAPI document.
func Document() []byte { return bytes.Clone(document) }

// Checker validates requests and responses against the document.
type Checker struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	loadOnce sync.Once
	loaded   *Checker
	loadErr  error
)

// NewChecker loads and validates the document once per process.
func NewChecker() (*Checker, error) {
	loadOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(document)
		if err != nil {
			loadErr = fmt.Errorf("load openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			loadErr = fmt.Errorf("openapi.yaml is invalid: %w", err)
			return
		}
		// Routes are matched on the path below BasePath, whatever host serves it.
		doc.Servers = openapi3.Servers{{URL: "/"}}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			loadErr = fmt.Errorf("route openapi.yaml: %w", err)
			return
		}
		loaded = &Checker{doc: doc, router: router}
	})
	return loaded, loadErr
}

// IsContractPath reports whether the path lies under BasePath.
func IsContractPath(path string) bool {
	return strings.Contains(path, BasePath)
}

func (c *Checker) route(r *http.Request) (*http.Request, *routers.Route, map[string]string, error) {
	i := strings.Index(r.URL.Path, BasePath)
	if i < 0 {
		return nil, nil, nil, fmt.Errorf("%s %s is outside %s", r.Method, r.URL.Path, BasePath)
	}
	u := *r.URL
	u.Scheme, u.Host = "", ""
	u.Path = "/" + r.URL.Path[i+len(BasePath):]
	u.RawPath = ""
	rr := r.Clone(context.Background())
	rr.URL = &u
	rr.Host = ""
	route, params, err := c.router.FindRoute(rr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s %s is not in the contract: %w", r.Method, u.Path, err)
	}
	return rr, route, params, nil
}

func (c *Checker) input(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	rr, route, params, err := c.route(r)
	if err != nil {
		return nil, err
	}
	rr.Body = io.NopCloser(bytes.NewReader(body))
	rr.ContentLength = int64(len(body))
	return &openapi3filter.RequestValidationInput{
		Request:    rr,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
		},
	}, nil
}

// CheckRequest validates a request (its body given separately, since the
// caller has usually consumed it).
func (c *Checker) CheckRequest(r *http.Request, body []byte) error {
	in, err := c.input(r, body)
	if err != nil {
		return err
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("request %s %s: %s", r.Method, redact(r.URL), err)
	}
	return nil
}

// CheckResponse validates a response to the given request.
func (c *Checker) CheckResponse(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	in, err := c.input(r, reqBody)
	if err != nil {
		return err
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response %d to %s %s: %s", status, r.Method, redact(r.URL), err)
	}
	return nil
}

// redact drops query values so credentials never reach a test log.
func redact(u *url.URL) string {
	q := u.Query()
	for k := range q {
		q.Set(k, "REDACTED")
	}
	v := *u
	v.RawQuery = q.Encode()
	return v.String()
}
