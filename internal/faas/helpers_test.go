// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
)

// Distinctive credentials: any test that finds them in an error or a log line
// has found a leak. The key holds characters that a query string escapes, so
// both its plain and its escaped form are looked for.
const (
	testKey   = "AKey+9f3c/1e7b=5d2a"
	testToken = "TokN-4b8d0a6e2c91f77"
)

// exchange is one request as the test server saw it.
type exchange struct {
	Method string
	Path   string // escaped, as sent
	Query  url.Values
	Header http.Header
	Body   []byte
}

// apiServer is a per-test httptest server that serves the API under
// api.BasePath. Every request is checked for credentials and against the
// OpenAPI document before the test's handler sees it; every answer the
// handler writes is checked against the document too, unless the test turns
// that off to send something the contract does not allow.
type apiServer struct {
	t       *testing.T
	srv     *httptest.Server
	checker *api.Checker
	// Base is the endpoint to configure the client with.
	Base string

	checkResponses bool
	// wantProject and wantLocation are the query values every request must
	// carry ("" means the parameter must be absent).
	wantProject  string
	wantLocation string
	wantUA       string

	mu        sync.Mutex
	exchanges []exchange
}

type serverOption func(*apiServer)

// lenient turns off the response check, for tests that answer outside the
// contract on purpose (non-JSON bodies, HTTP-date Retry-After, 501).
func lenient(s *apiServer) { s.checkResponses = false }

// myAccountDialect serves the MyAccount dialect under its base path and
// checks the exchanges against internal/api/myaccount.yaml, which requires the
// project and location on every request.
func myAccountDialect(s *apiServer) {
	checker, err := api.NewMyAccountChecker()
	if err != nil {
		s.t.Fatalf("load the MyAccount contract: %v", err)
	}
	s.checker = checker
	s.wantProject, s.wantLocation = testProject, testLocation
}

// The scope every MyAccount request must carry.
const (
	testProject  = "12345"
	testLocation = "Delhi"
)

func newAPIServer(t *testing.T, h http.HandlerFunc, opts ...serverOption) *apiServer {
	t.Helper()
	s := &apiServer{t: t, checkResponses: true, wantUA: "terraform-provider-e2e"}
	for _, o := range opts {
		o(s)
	}
	if s.checker == nil {
		checker, err := api.NewChecker()
		if err != nil {
			t.Fatalf("load the contract: %v", err)
		}
		s.checker = checker
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			// The client gave up on the body midway (a failing archive):
			// nothing to check, record or answer.
			return
		}
		s.verify(r, body)
		s.mu.Lock()
		s.exchanges = append(s.exchanges, exchange{
			Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(),
			Body: body,
		})
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
		h(rec, r)
		if s.checkResponses && !rec.hijacked {
			if err := s.checker.CheckResponse(r, body, rec.status, w.Header(), rec.body.Bytes()); err != nil {
				t.Errorf("the test server's answer breaks the contract: %v", err)
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	s.Base = s.srv.URL + s.checker.BasePath()
	return s
}

// verify checks what every request must carry.
func (s *apiServer) verify(r *http.Request, body []byte) {
	t := s.t
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("%s %s: Authorization header is %q, want the bearer token", r.Method, r.URL.Path, got)
	}
	q := r.URL.Query()
	if got := q["apikey"]; len(got) != 1 || got[0] != testKey {
		t.Errorf("%s %s: apikey query is %q, want the key once", r.Method, r.URL.Path, got)
	}
	for name, want := range map[string]string{"project_id": s.wantProject, "location": s.wantLocation} {
		got, present := q[name]
		switch {
		case want == "" && present:
			t.Errorf("%s %s: %s sent (%q) although not configured", r.Method, r.URL.Path, name, got)
		case want != "" && (len(got) != 1 || got[0] != want):
			t.Errorf("%s %s: %s is %q, want %q", r.Method, r.URL.Path, name, got, want)
		}
	}
	if got := r.Header.Get("User-Agent"); got != s.wantUA {
		t.Errorf("%s %s: User-Agent is %q, want %q", r.Method, r.URL.Path, got, s.wantUA)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("%s %s: Accept is %q", r.Method, r.URL.Path, got)
	}
	if len(body) > 0 && r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s: a body with Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	if err := s.checker.CheckRequest(r, body); err != nil {
		t.Errorf("the client's request breaks the contract: %v", err)
	}
}

// config is a Config for this server with tiny waits, so retries and the
// MyAccount client's conflict polls cost milliseconds; mods change it.
func (s *apiServer) config(mods []func(*Config)) Config {
	cfg := Config{
		Endpoint:     s.Base,
		APIKey:       testKey,
		AuthToken:    testToken,
		ProjectID:    s.wantProject,
		Location:     s.wantLocation,
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: time.Millisecond,
		ConflictPoll: Poll{Initial: time.Millisecond, Max: time.Millisecond},
	}
	for _, m := range mods {
		m(&cfg)
	}
	return cfg
}

// client builds a Client for this server (see config).
func (s *apiServer) client(mods ...func(*Config)) *Client {
	s.t.Helper()
	c, err := New(s.config(mods))
	if err != nil {
		s.t.Fatalf("New: %v", err)
	}
	return c
}

// myAccountClient builds a MyAccountClient for this server (see config).
func (s *apiServer) myAccountClient(mods ...func(*Config)) *MyAccountClient {
	s.t.Helper()
	c, err := NewMyAccount(s.config(mods))
	if err != nil {
		s.t.Fatalf("NewMyAccount: %v", err)
	}
	return c
}

func (s *apiServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.exchanges)
}

func (s *apiServer) countMethod(method string) int {
	n := 0
	for _, e := range s.all() {
		if e.Method == method {
			n++
		}
	}
	return n
}

func (s *apiServer) all() []exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]exchange(nil), s.exchanges...)
}

func (s *apiServer) last() exchange {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.exchanges) == 0 {
		s.t.Fatalf("the server saw no request")
	}
	return s.exchanges[len(s.exchanges)-1]
}

// recordingWriter keeps a copy of the answer for the contract check and lets
// handlers hijack the connection.
type recordingWriter struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (w *recordingWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// Flush lets handlers send part of an answer.
func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *recordingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("%T cannot be hijacked", w.ResponseWriter)
	}
	return h.Hijack()
}

// dropConnection closes the connection without an answer, as a crashing
// proxy would.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	h, ok := w.(http.Hijacker)
	if !ok {
		t.Errorf("%T cannot be hijacked", w)
		return
	}
	conn, _, err := h.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// envelope wraps v the way E2E's other APIs do.
func enveloped(v any) map[string]any {
	return map[string]any{"code": 200, "data": v, "errors": map[string]any{}, "message": "Success"}
}

func writeError(w http.ResponseWriter, status int, msg string, fields map[string][]string) {
	if fields == nil {
		fields = map[string][]string{}
	}
	writeJSON(w, status, map[string]any{"code": status, "message": msg, "errors": fields})
}

const testID = "3f2b8c1e-9a4d-4e7f-b6c5-0d1e2f3a4b5c"

// fullFunction is a complete function object as the contract describes it.
func fullFunction(status string) *Function {
	f := &Function{
		ID: testID, Name: "hello-fn", Namespace: "e2e-faas-20235-dl",
		Runtime: "python3.11", Template: "http", HandlerFunction: "handler.handle",
		Requirements: "requests==2.32.0\n",
		Config: &FunctionConfig{
			MemoryMB: 256, TimeoutSeconds: 30, Replicas: 1, HardwareType: "cpu", MinScale: 0, MaxScale: 3,
		},
		Environment:     map[string]string{"MODE": "prod"},
		Secrets:         []string{"db-password"},
		Labels:          map[string]string{"team": "core"},
		Annotations:     map[string]string{"owner": "ops"},
		InvokeURL:       "https://functions.e2enetworks.com/faas/function/v1/hello-fn.e2e-faas-20235-dl/",
		Status:          status,
		Version:         "v7",
		CodeSHA256:      strings.Repeat("ab", 32),
		InvocationCount: 12,
		CreatedAt:       "2025-01-02T03:04:05Z",
		UpdatedAt:       "2025-01-02T03:05:06Z",
	}
	if status == StatusFailed {
		f.ErrorMessage = "ModuleNotFoundError: No module named 'numpy'"
	}
	return f
}

// testRotation is an answer to PUT secrets/db-password that redeployed two
// functions.
func testRotation() *SecretRotation {
	return &SecretRotation{
		Secret:    Secret{ID: "s-1", Name: "db-password", Namespace: "e2e-faas-20235-dl", CreatedAt: "2025-01-02T03:04:05Z"},
		UpdatedAt: "2025-01-03T04:05:06Z",
		Functions: []string{testID, "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"},
	}
}

// named is a short function object with the given name and namespace.
func named(id, name, namespace string) Function {
	return Function{ID: id, Name: name, Namespace: namespace, Status: StatusRunning, CreatedAt: "2025-01-02T03:04:05Z"}
}

// bytesArchive is an in-memory Archive that counts Opens and Closes, so that
// tests can see that every reader the client opens is closed again.
type bytesArchive struct {
	data    []byte
	opens   atomic.Int32
	closes  atomic.Int32
	openErr error
	readErr error // returned after the first half of the data
}

func (a *bytesArchive) Open() (io.ReadCloser, error) {
	if a.openErr != nil {
		return nil, a.openErr
	}
	a.opens.Add(1)
	var r io.Reader = bytes.NewReader(a.data)
	if a.readErr != nil {
		r = io.MultiReader(bytes.NewReader(a.data[:len(a.data)/2]), &failingReader{err: a.readErr})
	}
	return &countingCloser{Reader: r, closes: &a.closes}, nil
}

type failingReader struct{ err error }

func (f *failingReader) Read([]byte) (int, error) { return 0, f.err }

type countingCloser struct {
	io.Reader
	once   sync.Once
	closes *atomic.Int32
}

func (c *countingCloser) Close() error {
	c.once.Do(func() { c.closes.Add(1) })
	return nil
}

// waitAllClosed waits, within a generous bound, for the encoding goroutines
// to close every reader they opened and to exit.
func waitAllClosed(t *testing.T, a *bytesArchive) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		opens, closes := a.opens.Load(), a.closes.Load()
		leaked := encoderGoroutines()
		if opens == closes && leaked == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the archive was opened %d times and closed %d times; %d encoding goroutine(s) still run", opens, closes, leaked)
		}
		time.Sleep(time.Millisecond)
	}
}

// encoderGoroutines counts the goroutines encodeBody started that are still
// running.
func encoderGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "faas.encodeBody.func")
}

// testArchive is n deterministic pseudo-random bytes, standing in for a ZIP.
func testArchive(n int) []byte {
	b := make([]byte, n)
	var x uint32 = 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// decodeBody parses a JSON request body, and decodes and removes its
// code_archive.
func decodeBody(t *testing.T, body []byte) (fields map[string]any, archive []byte) {
	t.Helper()
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatalf("the request body is not JSON: %v (%.200s)", err, body)
	}
	if enc, ok := fields["code_archive"].(string); ok {
		var err error
		archive, err = base64.StdEncoding.DecodeString(enc)
		if err != nil {
			t.Fatalf("code_archive is not standard base64: %v", err)
		}
		delete(fields, "code_archive")
	}
	return fields, archive
}

// jsonValue round-trips v through JSON, to compare it with a decoded body.
func jsonValue(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// assertNoCredentials fails when s holds the key, the token or any of the
// extra sensitive values, plainly or query-escaped.
func assertNoCredentials(t *testing.T, what, s string, extra ...string) {
	t.Helper()
	for _, secret := range append([]string{testKey, testToken}, extra...) {
		for _, form := range []string{secret, url.QueryEscape(secret)} {
			if strings.Contains(s, form) {
				t.Errorf("%s leaks a secret %q: %s", what, form, s)
			}
		}
	}
}

// logRecorder is a Config.Log that keeps every line.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) log(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %v", msg, fields))
}

func (l *logRecorder) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// refusedEndpoint is an API base on which nothing listens: the server that
// owned the port is closed.
func refusedEndpoint(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL + api.BasePath
	srv.Close()
	return base
}

func asAPIError(t *testing.T, err error) *APIError {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return apiErr
}

// as returns v as a T, failing the test, rather than panicking through the
// rest of the package's tests, when it is something else.
func as[T any](t *testing.T, v any) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("got %T, want %T", v, x)
	}
	return x
}

func asTransportError(t *testing.T, err error) *TransportError {
	t.Helper()
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T) is not a *TransportError", err, err)
	}
	return te
}

// isBadRequest reports whether err is the API's answer 400 (or 422).
func isBadRequest(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity)
}
