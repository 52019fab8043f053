// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/ziptest"
)

const (
	testAPIKey    = "key-5f1d9c0a7b"
	testAuthToken = "token-8e2b4d6f31"
	// invalidHeader marks a request that breaks the contract on purpose, so
	// the checker's complaints about the request (not the answer) are expected.
	invalidHeader = "X-Test-Invalid-Request"
)

var t0 = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

// clock is an injected, manually advanced clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is one server behind the contract checker, with a client.
type harness struct {
	t     *testing.T
	srv   *localfaas.Server
	ts    *httptest.Server
	clock *clock
	opts  localfaas.Options

	mu sync.Mutex
	// secrets are values no response may contain.
	secrets []string
	// tolerated counts the checker's complaints about requests marked invalid.
	tolerated atomic.Int64
}

func newHarness(t *testing.T, configure ...func(*localfaas.Options)) *harness {
	t.Helper()
	c := &clock{now: t0}
	opts := localfaas.Options{APIKey: testAPIKey, AuthToken: testAuthToken, Now: c.Now}
	for _, f := range configure {
		f(&opts)
	}
	h := &harness{t: t, srv: localfaas.New(opts), clock: c, opts: opts}
	h.ts = httptest.NewServer(h.checked(h.srv))
	t.Cleanup(h.ts.Close)
	// A redirect is an answer like any other: its headers are checked too.
	h.ts.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return h
}

// checked wraps next in the checkers of both dialects, each judging the
// paths below its base; any violation fails the test, except complaints
// about a request marked as invalid on purpose.
func (h *harness) checked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		invalidOK := r.Header.Get(invalidHeader) != ""
		report := func(err error) {
			msg := err.Error()
			if invalidOK && (strings.HasPrefix(msg, "request ") || strings.Contains(msg, "is not in the contract")) {
				h.tolerated.Add(1)
				return
			}
			h.t.Errorf("contract violation: %v", err)
		}
		checked, err := api.CheckingBoth(next, report)
		if err != nil {
			h.t.Error(err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		checked.ServeHTTP(w, r)
	})
}

// envelopes runs f against a bare server and an enveloping one.
func envelopes(t *testing.T, f func(t *testing.T, h *harness), configure ...func(*localfaas.Options)) {
	for _, envelope := range []bool{false, true} {
		name := "bare"
		if envelope {
			name = "envelope"
		}
		t.Run(name, func(t *testing.T) {
			f(t, newHarness(t, append(configure, func(o *localfaas.Options) { o.Envelope = envelope })...))
		})
	}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// call describes a request; Path is relative to the API base unless it
// starts with "/". Host, when set, is sent as the Host header.
type call struct {
	Method, Path string
	Body         any // marshalled, unless []byte
	Invalid      bool
	Key, Token   *string // nil: the right credential; "" leaves it out
	Project      string
	Location     string
	Host         string
	// IdempotencyKey is sent as the Idempotency-Key header unless "".
	IdempotencyKey string
	// Client sends the request; the test server's client when nil.
	Client *http.Client
}

func (h *harness) url(c call) string {
	path := c.Path
	if !strings.HasPrefix(path, "/") {
		path = api.BasePath + path
	}
	u, err := url.Parse(h.ts.URL + path)
	if err != nil {
		panic(err) // paths are the tests' own
	}
	q := u.Query()
	key := testAPIKey
	if c.Key != nil {
		key = *c.Key
	}
	if key != "" {
		q.Set("apikey", key)
	}
	if c.Project != "" {
		q.Set("project_id", c.Project)
	}
	if c.Location != "" {
		q.Set("location", c.Location)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (h *harness) send(c call) response {
	h.t.Helper()
	r, err := h.try(c)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// try is send for any goroutine: it reports failures instead of stopping.
func (h *harness) try(c call) (response, error) {
	var body io.Reader
	switch b := c.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(c.Method, h.url(c), body)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	token := testAuthToken
	if c.Token != nil {
		token = *c.Token
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if c.Invalid {
		req.Header.Set(invalidHeader, "1")
	}
	if c.Host != "" {
		req.Host = c.Host
	}
	if c.IdempotencyKey != "" {
		req.Header.Set("Idempotency-Key", c.IdempotencyKey)
	}
	client := h.ts.Client()
	if c.Client != nil {
		client = c.Client
	}
	res, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	h.assertNoLeak(string(data))
	for _, values := range res.Header {
		h.assertNoLeak(strings.Join(values, " "))
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: data}, nil
}

// expect is try for any goroutine that reports, with Error, a failure or
// an answer other than status; it returns the response either way.
func (h *harness) expect(c call, status int) response {
	r, err := h.try(c)
	if err != nil {
		h.t.Error(err)
		return r
	}
	if r.Status != status {
		h.t.Errorf("%s %s: status %d, want %d: %s", c.Method, c.Path, r.Status, status, r.Body)
	}
	return r
}

// assertNoLeak fails the test when text holds a credential or secret value.
func (h *harness) assertNoLeak(text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range append([]string{testAPIKey, testAuthToken}, h.secrets...) {
		if strings.Contains(text, s) {
			h.t.Errorf("a credential or secret value leaked into %q", text)
		}
	}
}

func (h *harness) do(method, path string, body any) response {
	h.t.Helper()
	return h.send(call{Method: method, Path: path, Body: body})
}

// invalid sends a request that breaks the contract on purpose.
func (h *harness) invalid(method, path string, body any) response {
	h.t.Helper()
	return h.send(call{Method: method, Path: path, Body: body, Invalid: true})
}

// want fails unless the response has the status; it returns the response.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	return r
}

// decode reads a success body into v, unwrapping the envelope.
func (h *harness) decode(r response, v any) {
	h.t.Helper()
	data := r.Body
	if h.opts.Envelope {
		var env struct {
			Code    int             `json:"code"`
			Data    json.RawMessage `json:"data"`
			Message string          `json:"message"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			h.t.Fatalf("decode envelope %s: %v", data, err)
		}
		if env.Code != r.Status || env.Message != "Success" || env.Data == nil {
			h.t.Fatalf("bad envelope %s", data)
		}
		data = env.Data
	}
	if err := json.Unmarshal(data, v); err != nil {
		h.t.Fatalf("decode %s: %v", data, err)
	}
}

// apiErr is the contract's error body.
type apiErr struct {
	Code    int                 `json:"code"`
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

func errorOf(t *testing.T, r response) apiErr {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("decode error %s: %v", r.Body, err)
	}
	if e.Code != r.Status || e.Message == "" {
		t.Fatalf("bad error body %s", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	return e
}

// function is the wire form of a function, as a client sees it.
type function = localfaas.WireFunction

func (h *harness) function(r response) function {
	h.t.Helper()
	var f function
	h.decode(r, &f)
	return f
}

// create posts a function and returns it.
func (h *harness) create(body map[string]any) function {
	h.t.Helper()
	return h.function(h.do("POST", "functions", body).want(h.t, http.StatusCreated))
}

func (h *harness) get(id string) function {
	h.t.Helper()
	return h.function(h.do("GET", "functions/"+id, nil).want(h.t, http.StatusOK))
}

func (h *harness) createSecret(name, value string) {
	h.t.Helper()
	h.mu.Lock()
	h.secrets = append(h.secrets, value)
	h.mu.Unlock()
	h.do("POST", "secrets", map[string]any{"name": name, "value": value}).want(h.t, http.StatusCreated)
}

// minimal is the smallest valid create body.
func minimal(name string) map[string]any {
	return map[string]any{"name": name, "runtime": "python3.11", "code_archive": zipB64(nil)}
}

// with returns a copy of body with the given fields set (nil deletes).
func with(body map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// zipBytes builds a ZIP of the files (a handler.py when nil).
func zipBytes(files map[string]string) []byte {
	if files == nil {
		files = map[string]string{"handler.py": "def handle(event, context):\n    return 'ok'\n"}
	}
	return ziptest.Build(files)
}

func zipB64(files map[string]string) string {
	return b64(zipBytes(files))
}

func ptr(s string) *string { return &s }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
