// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package conformance records the HTTP exchanges of a run against E2E's
// MyAccount API, checks them against internal/api/myaccount.yaml and against
// the assumptions the project takes where nothing public says (DESIGN.md,
// "API dialects"), and writes what held and what did not as a short Markdown
// report. It never fails a run on a difference: a difference is what the
// report is for. Credentials never reach an exchange it keeps.
package conformance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
)

// ProbeHeader labels a request as a probe of one assumption; the recorder
// keeps the label and removes the header before the request leaves.
const ProbeHeader = "X-Conformance-Probe"

// Exchange is one request and its answer, redacted.
type Exchange struct {
	Seq    int
	Time   time.Time
	Label  string // the probe's label; empty for any other request
	Method string
	Path   string
	// Query is the query string with the API key's value replaced.
	Query       string
	RequestBody string
	// Status is the HTTP status; 0 when there was no answer (Err says why).
	Status       int
	ResponseBody string
	Err          string
	// Violations are the differences from myaccount.yaml the checker found.
	Violations []string
}

// Route is the exchange's method and path below the MyAccount base as
// myaccount.yaml names it ("GET faas/function/{name}/"); a path the
// document has no route for is given as it is.
func (e Exchange) Route() string {
	if checker, err := api.NewMyAccountChecker(); err == nil {
		if route, ok := checker.Route(e.Method, e.Path); ok {
			return e.Method + " " + route
		}
	}
	p := e.Path
	if i := strings.Index(p, api.MyAccountBasePath); i >= 0 {
		p = p[i+len(api.MyAccountBasePath):]
	}
	return e.Method + " " + p
}

// Recorder is an http.RoundTripper that keeps every exchange it carries and
// checks those under the MyAccount base path against myaccount.yaml.
type Recorder struct {
	next     http.RoundTripper
	checker  *api.Checker
	redactor *Redactor

	mu        sync.Mutex
	exchanges []Exchange
	notes     []string
}

// Note keeps an observation of the run for the report's notes (redacted).
func (r *Recorder) Note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, r.redactor.Text(fmt.Sprintf(format, args...)))
}

// Notes returns the observations kept so far.
func (r *Recorder) Notes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.notes...)
}

// NewRecorder records what next carries (http.DefaultTransport when nil).
// secrets are the credentials to scrub from everything kept.
func NewRecorder(next http.RoundTripper, secrets ...string) (*Recorder, error) {
	if next == nil {
		next = http.DefaultTransport
	}
	checker, err := api.NewMyAccountChecker()
	if err != nil {
		return nil, err
	}
	return &Recorder{next: next, checker: checker, redactor: NewRedactor(secrets...)}, nil
}

// Redactor is the recorder's, for text that did not pass through it.
func (r *Recorder) Redactor() *Redactor { return r.redactor }

// Exchanges returns the exchanges so far, oldest first.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

// RoundTrip sends the request through the next transport and records it.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
	}
	out := req.Clone(req.Context())
	label := out.Header.Get(ProbeHeader)
	out.Header.Del(ProbeHeader)
	// Let the transport ask for and undo compression itself, so that the
	// body kept and passed on is the JSON.
	out.Header.Del("Accept-Encoding")
	out.Body, out.GetBody, out.ContentLength = http.NoBody, nil, 0
	if len(reqBody) > 0 {
		out.Body = io.NopCloser(bytes.NewReader(reqBody))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
		out.ContentLength = int64(len(reqBody))
	}

	ex := Exchange{
		Time: time.Now().UTC(), Label: label, Method: req.Method, Path: req.URL.Path,
		Query: r.redactor.Query(req.URL.Query()), RequestBody: r.redactor.Body(reqBody),
	}
	resp, err := r.next.RoundTrip(out)
	if err != nil {
		ex.Err = r.redactor.Text(err.Error())
		r.add(ex)
		return nil, err
	}
	respBody, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if rerr != nil {
		// An answer cut short is no answer: the caller sees the error.
		ex.Err = r.redactor.Text("reading the answer: " + rerr.Error())
		r.add(ex)
		return nil, rerr
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	resp.ContentLength = int64(len(respBody))
	resp.Header.Del("Content-Length")
	resp.Header.Del("Content-Encoding")
	ex.Status, ex.ResponseBody = resp.StatusCode, r.redactor.Body(respBody)
	if r.checker.Covers(req.URL.Path) {
		if err := r.checker.CheckRequest(out, reqBody); err != nil {
			ex.Violations = append(ex.Violations, r.redactor.Text(err.Error()))
		}
		if err := r.checker.CheckResponse(out, reqBody, resp.StatusCode, resp.Header, respBody); err != nil {
			ex.Violations = append(ex.Violations, r.redactor.Text(err.Error()))
		}
	}
	r.add(ex)
	return resp, nil
}

func (r *Recorder) add(ex Exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ex.Seq = len(r.exchanges) + 1
	r.exchanges = append(r.exchanges, ex)
}

// Redactor scrubs credentials from what is kept: each secret, raw and in
// its URL-escaped forms, and the value of the apikey query parameter
// whatever it is.
type Redactor struct {
	replacer *strings.Replacer
}

// Redacted stands for a scrubbed value.
const Redacted = "REDACTED"

// NewRedactor scrubs the given secrets (empty ones are ignored).
func NewRedactor(secrets ...string) *Redactor {
	var pairs []string
	seen := map[string]bool{}
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if form != "" && !seen[form] {
				seen[form] = true
				pairs = append(pairs, form, Redacted)
			}
		}
	}
	return &Redactor{replacer: strings.NewReplacer(pairs...)}
}

// Text scrubs a string.
func (d *Redactor) Text(s string) string { return d.replacer.Replace(s) }

// Body scrubs a body. It keeps it whole: the assumptions are judged on the
// parsed body, and a cut one is no JSON; the report cuts what it shows.
func (d *Redactor) Body(b []byte) string { return d.Text(string(b)) }

// Query encodes the query with the API key's value replaced.
func (d *Redactor) Query(q url.Values) string {
	if _, ok := q["apikey"]; ok {
		q.Set("apikey", Redacted)
	}
	return d.Text(q.Encode())
}
