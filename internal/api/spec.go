// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package api embeds the OpenAPI documents of the E2E FaaS API's two dialects
// and checks HTTP exchanges against them. Both the client's tests and the
// local server's tests use it, so each wire format has a single reference:
//
//   - openapi.yaml, the faas-v1 dialect (the design's API; see
//     DESIGN.md#api-dialects), under BasePath;
//   - myaccount.yaml, the MyAccount dialect (what E2E serves today), under
//     MyAccountBasePath.
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

var (
	//go:embed openapi.yaml
	document []byte
	//go:embed myaccount.yaml
	myAccountDocument []byte
)

// BasePath is the path prefix every faas-v1 contract path is relative to.
const BasePath = "/faas/api/v1/"

// MyAccountBasePath is the path prefix every MyAccount path is relative to;
// its FaaS paths are below it under faas/.
const MyAccountBasePath = "/myaccount/api/v1/"

// Document returns the raw faas-v1 OpenAPI document.
func Document() []byte { return bytes.Clone(document) }

// MyAccountDocument returns the raw MyAccount OpenAPI document.
func MyAccountDocument() []byte { return bytes.Clone(myAccountDocument) }

// Checker validates requests and responses against one document, for the
// paths below its base path.
type Checker struct {
	name     string
	basePath string
	doc      *openapi3.T
	router   routers.Router
}

// spec is a document loaded at most once per process.
type spec struct {
	name     string
	basePath string
	data     []byte

	once    sync.Once
	checker *Checker
	err     error
}

var (
	faasV1    = &spec{name: "openapi.yaml", basePath: BasePath, data: document}
	myAccount = &spec{name: "myaccount.yaml", basePath: MyAccountBasePath, data: myAccountDocument}
)

// NewChecker returns the checker of the faas-v1 document (openapi.yaml),
// loaded and validated once per process.
func NewChecker() (*Checker, error) { return faasV1.load() }

// NewMyAccountChecker returns the checker of the MyAccount document
// (myaccount.yaml), loaded and validated once per process.
func NewMyAccountChecker() (*Checker, error) { return myAccount.load() }

func (s *spec) load() (*Checker, error) {
	s.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(s.data)
		if err != nil {
			s.err = fmt.Errorf("load %s: %w", s.name, err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			s.err = fmt.Errorf("%s is invalid: %w", s.name, err)
			return
		}
		// Routes are matched on the path below the base path, whatever host
		// serves it.
		doc.Servers = openapi3.Servers{{URL: "/"}}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			s.err = fmt.Errorf("route %s: %w", s.name, err)
			return
		}
		s.checker = &Checker{name: s.name, basePath: s.basePath, doc: doc, router: router}
	})
	return s.checker, s.err
}

// IsContractPath reports whether the path lies under BasePath (faas-v1).
func IsContractPath(path string) bool {
	return strings.Contains(path, BasePath)
}

// IsMyAccountPath reports whether the path lies under MyAccountBasePath.
func IsMyAccountPath(path string) bool {
	return strings.Contains(path, MyAccountBasePath)
}

// BasePath is the prefix of the paths the checker's document describes.
func (c *Checker) BasePath() string { return c.basePath }

// Covers reports whether the path lies under the checker's base path; other
// paths are not the checker's to judge.
func (c *Checker) Covers(path string) bool {
	return strings.Contains(path, c.basePath)
}

// Route is the document's path, below the base path and without its
// leading slash, of a request's method and path: "faas/function/{name}/"
// for GET /myaccount/api/v1/faas/function/hello/. It is false for a
// request the document has no route for.
func (c *Checker) Route(method, path string) (string, bool) {
	r, err := http.NewRequestWithContext(context.Background(), method, (&url.URL{Path: path}).String(), nil)
	if err != nil {
		return "", false
	}
	_, route, _, err := c.route(r)
	if err != nil {
		return "", false
	}
	return strings.TrimPrefix(route.Path, "/"), true
}

func (c *Checker) route(r *http.Request) (*http.Request, *routers.Route, map[string]string, error) {
	i := strings.Index(r.URL.Path, c.basePath)
	if i < 0 {
		return nil, nil, nil, fmt.Errorf("%s %s is outside %s", r.Method, r.URL.Path, c.basePath)
	}
	u := *r.URL
	u.Scheme, u.Host = "", ""
	u.Path = "/" + r.URL.Path[i+len(c.basePath):]
	u.RawPath = ""
	rr := r.Clone(context.Background())
	rr.URL = &u
	rr.Host = ""
	route, params, err := c.router.FindRoute(rr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s %s is not in the contract (%s): %w", r.Method, u.Path, c.name, err)
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
