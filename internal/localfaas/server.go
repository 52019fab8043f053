// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/answer"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

const (
	apiPrefix       = "/faas/api/v1/"
	myAccountPrefix = "/myaccount/api/v1/"
	adminPrefix     = "/_local/"

	// maxRequestLog bounds the request log of a long-running server; the
	// oldest entries go first.
	maxRequestLog = 10000
)

// Options configure a Server.
type Options struct {
	// APIKey and AuthToken are the credentials every request must carry: the
	// apikey query parameter and the header "Authorization: Bearer <token>".
	// A server without them rejects every request.
	APIKey, AuthToken string
	// DefaultProject names the namespace of requests without a project_id
	// query parameter; "local" when empty.
	DefaultProject string
	// DeployDelay is how long a deploy takes (Deploying -> Running or Failed).
	DeployDelay time.Duration
	// DeleteDelay is how long a delete takes (Deleting -> gone).
	DeleteDelay time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Envelope wraps success bodies of the contract's endpoints as
	// {"code":..,"data":..,"errors":{},"message":"Success"}.
	Envelope bool
	// Runner runs the deployed functions behind their invoke_url; when nil,
	// functions only go through their lifecycle and invocations answer 501.
	// Close stops what it runs.
	Runner Runner
	// OmitCreateRequestID makes faas-v1 answers never carry
	// create_request_id, as a server that does not echo the Idempotency-Key
	// would answer; the key still makes a repeated create a replay. It lets
	// clients' handling of a lost create answer be tested without that proof.
	OmitCreateRequestID bool
	// Console, when set, is where the server says what it does: a line per
	// API request (method, route name, status, duration), and each
	// function's log lines (deploys started, finished or failed and why,
	// its handler's stdout and stderr) prefixed by its name. It is written
	// under the server's lock, a line at a time: it must not block for long.
	Console io.Writer
	// MyAccountSparse makes the MyAccount dialect's GET faas/function/{name}/
	// answer only name, runtime, status and url, as E2E may, so that clients
	// can be tested against a subset of the function object.
	MyAccountSparse bool
}

// Server is the local E2E FaaS API: an http.Handler over an in-memory store.
// It is safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux
	run  runState // see invoke.go; closed is guarded by mu

	mu        sync.Mutex
	functions map[string]*record // by id
	secrets   map[secretKey]*secretRecord
	requests  []Request
	console   *console

	// faults is the fault layer, hooked into each contract route (routes)
	// and into each deploy that starts (startDeployLocked); under its own
	// lock, taken under mu by deploys.
	faults *faults.Layer
}

// New returns a server with an empty store.
func New(opts Options) *Server {
	if opts.DefaultProject == "" {
		opts.DefaultProject = "local"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:      opts,
		mux:       http.NewServeMux(),
		functions: map[string]*record{},
		secrets:   map[secretKey]*secretRecord{},
		console:   newConsole(opts.Console),
	}
	s.faults = s.newFaultLayer()
	s.routes()
	return s
}

func (s *Server) routes() {
	api := func(route string, h http.HandlerFunc) {
		s.handle(apiPrefix, route, s.faults.Wrap(route, checkProject(h)))
	}
	api("POST functions", s.createFunction)
	api("GET functions", s.listFunctions)
	api("GET functions/{id}", s.getFunction)
	api("PUT functions/{id}", s.replaceFunction)
	api("DELETE functions/{id}", s.deleteFunction)
	api("PUT functions/{id}/code", s.updateCode)
	api("PUT functions/{id}/config", s.updateConfig)
	api("PUT functions/{id}/environment", s.updateEnvironment)
	api("PUT functions/{id}/metadata", s.updateMetadata)
	api("POST functions/{id}/deploy", s.deployFunction)
	api("POST functions/{id}/scale", s.scaleFunction)
	api("GET functions/{id}/logs", s.functionLogs)
	api("GET functions/{id}/metrics", s.functionMetrics)
	api("POST secrets", s.createSecret)
	api("GET secrets", s.listSecrets)
	api("PUT secrets/{name}", s.updateSecret)
	api("DELETE secrets/{name}", s.deleteSecret)
	api("GET runtimes", s.listRuntimes)

	// The MyAccount dialect (internal/api/myaccount.yaml) over the same store; see
	// myaccount.go. Routes are named relative to its base path.
	myAccount := func(route string, h http.HandlerFunc) {
		s.handle(myAccountPrefix, route, s.faults.Wrap(route, myAccountQuery(h)))
	}
	myAccount("GET faas/runtimes/", s.myAccountListRuntimes)
	myAccount("POST faas/functions/", s.myAccountCreateFunction)
	myAccount("GET faas/functions/", s.myAccountListFunctions)
	myAccount("GET faas/function/{name}/", s.myAccountGetFunction)
	myAccount("PUT faas/handler_file/{name}/", s.myAccountUpdateFunction)
	myAccount("DELETE faas/function/{name}/", s.myAccountDeleteFunction)

	s.mux.HandleFunc(invokePrefix+"{target}/{rest...}", s.invoke)
	s.mux.HandleFunc(invokePrefix+"{target}", s.invoke)

	admin := func(route string, h http.HandlerFunc) { s.handle(adminPrefix, route, h) }
	admin("GET requests", s.adminListRequests)
	admin("DELETE requests", s.adminResetRequests)
	admin("PATCH functions/{id}", s.adminPatchFunction)
	admin("DELETE functions/{id}", s.adminDeleteFunction)
	admin("POST fail-next-deploy", s.adminFailNextDeploy)
	admin("GET faults", s.adminGetFaults)
	admin("PUT faults", s.adminPutFaults)
	admin("DELETE faults", s.adminDeleteFaults)
}

// handle registers h for route ("METHOD path") below prefix, and makes the
// route's name known to the request log. A path ending in "/" matches only
// itself, not the paths below it.
func (s *Server) handle(prefix, route string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(route, " ")
	if strings.HasSuffix(path, "/") {
		path += "{$}"
	}
	s.mux.HandleFunc(method+" "+prefix+path, func(w http.ResponseWriter, r *http.Request) {
		nameRoute(r, route)
		h(w, r)
	})
}

// routeKey is the context key of where the handler that serves a request
// writes its route's name for the request log.
type routeKey struct{}

// nameRoute gives the request log the name of the route serving r.
func nameRoute(r *http.Request, route string) {
	if name, ok := r.Context().Value(routeKey{}).(*string); ok {
		*name = route
	}
}

// ServeHTTP authenticates, routes and logs a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := answer.Wrap(w)
	var route string
	r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
	start, began := s.now(), time.Now()
	admin := strings.HasPrefix(r.URL.Path, adminPrefix)
	s.serve(rec, r, admin || strings.HasPrefix(r.URL.Path, apiPrefix) || isMyAccount(r))
	if !admin {
		s.logRequest(Request{Method: r.Method, Path: r.URL.Path, Route: route, Status: rec.Status(), Time: start})
		s.console.request(r, route, rec.Status(), time.Since(began))
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, needsAuth bool) {
	if needsAuth {
		if problem := s.authenticate(r); problem != "" {
			writeErrorFor(w, r, http.StatusUnauthorized, problem)
			return
		}
	}
	// Every route is a HandlerFunc (handle); the mux answers a path it
	// would redirect with a handler of its own, which must not serve.
	if h, pattern := s.mux.Handler(r); pattern != "" {
		if _, routed := h.(http.HandlerFunc); routed {
			s.mux.ServeHTTP(w, r)
			return
		}
	}
	// No route: learn from the mux whether the path exists for other methods,
	// and answer in the dialect's error form rather than plain text.
	probe := answer.Discard()
	s.mux.ServeHTTP(probe, r)
	switch probe.Status() {
	case http.StatusMethodNotAllowed:
		allow := probe.Header().Get("Allow")
		w.Header().Set("Allow", allow)
		writeErrorFor(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// The mux would redirect to the endpoint's own path (a trailing
		// slash added, the path cleaned) with the query, which holds the
		// apikey: a header never repeats a credential, so the answer names
		// the endpoint instead.
		writeErrorFor(w, r, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s; the endpoint is %s %s", r.Method, r.URL.Path, r.Method, redirectPath(probe.Header().Get("Location"), r.URL.Path)))
	default:
		writeErrorFor(w, r, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path))
	}
}

// redirectPath is the path of the mux's redirect location, without its
// query; fallback when the location cannot be read.
func redirectPath(location, fallback string) string {
	u, err := url.Parse(location)
	if err != nil || u.Path == "" {
		return fallback
	}
	return u.Path
}

// authenticate returns what is wrong with the request's credentials, or "".
// It never repeats what the client sent.
func (s *Server) authenticate(r *http.Request) string {
	if s.opts.APIKey == "" || s.opts.AuthToken == "" {
		return "the local server has no credentials configured; set its API key and auth token"
	}
	header := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(header, "Bearer ")
	switch {
	case header == "":
		return "missing Authorization header; send \"Authorization: Bearer <auth_token>\""
	case !ok:
		return "the Authorization header must be \"Bearer <auth_token>\""
	}
	key := r.URL.Query().Get("apikey")
	if key == "" {
		return "missing apikey query parameter"
	}
	tokenOK := subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.AuthToken)) == 1
	keyOK := subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.APIKey)) == 1
	if !tokenOK || !keyOK {
		return "invalid API key or auth token"
	}
	return ""
}

func (s *Server) now() time.Time { return s.opts.Now().UTC() }

// projectIDRE is what a faas-v1 project_id may be; it becomes part of the
// namespace's name.
var projectIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// checkProject refuses a faas-v1 request whose project_id cannot name a
// namespace.
func checkProject(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("project_id") && !projectIDRE.MatchString(q.Get("project_id")) {
			writeError(w, http.StatusBadRequest, "invalid query", fieldErrors{
				"project_id": {"must be 1 to 64 letters, digits, '-' and '_'"},
			})
			return
		}
		h(w, r)
	}
}

// namespace is the namespace a request addresses.
func (s *Server) namespace(r *http.Request) string {
	project := r.URL.Query().Get("project_id")
	if project == "" {
		project = s.opts.DefaultProject
	}
	return "e2e-faas-" + project + "-dl"
}

// invokeURL is where the function answers: on the address the request
// reached, as the server's listener knows it. The Host header is the
// client's to choose, so it never makes the URL; only a request served
// without a connection (a handler called in-process) falls back on it.
func invokeURL(r *http.Request, f *Function) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		host = addr.String()
	}
	return fmt.Sprintf("%s://%s%s%s.%s/", scheme, host, invokePrefix, f.Name, f.Namespace)
}

// wire is the faas-v1 form of f for an answer to r.
func (s *Server) wire(r *http.Request, f *Function) wireFunction {
	out := toWire(f, invokeURL(r, f))
	if s.opts.OmitCreateRequestID {
		out.CreateRequestID = ""
	}
	return out
}

func (s *Server) logRequest(req Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= maxRequestLog {
		s.requests = append(s.requests[:0], s.requests[len(s.requests)-maxRequestLog+1:]...)
	}
	s.requests = append(s.requests, req)
}

// writeOK answers a contract endpoint with a success body, enveloped when
// the server is configured so.
func (s *Server) writeOK(w http.ResponseWriter, status int, body any) {
	if s.opts.Envelope {
		body = struct {
			Code    int                 `json:"code"`
			Data    any                 `json:"data"`
			Errors  map[string][]string `json:"errors"`
			Message string              `json:"message"`
		}{status, body, map[string][]string{}, "Success"}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // messages such as "Bearer <auth_token>" stay readable
	if err := enc.Encode(body); err != nil {
		// Only our own types are encoded; this is a bug, not bad input.
		writeError(w, http.StatusInternalServerError, "cannot encode the response", nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// apiError is an error answer in the contract's form.
type apiError struct {
	Code    int                 `json:"code"`
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

func (e *apiError) Error() string { return e.Message }

func newError(status int, format string, args ...any) *apiError {
	return &apiError{Code: status, Message: fmt.Sprintf(format, args...), Errors: map[string][]string{}}
}

func writeError(w http.ResponseWriter, status int, message string, fields fieldErrors) {
	if fields == nil {
		fields = fieldErrors{}
	}
	writeJSON(w, status, apiError{Code: status, Message: message, Errors: fields})
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	writeError(w, e.Code, e.Message, e.Errors)
}

// writeErrorFor answers an error in the form of the dialect the request
// addresses: the MyAccount envelope below its base path, the faas-v1 error
// object elsewhere.
func writeErrorFor(w http.ResponseWriter, r *http.Request, status int, message string) {
	if isMyAccount(r) {
		writeMyAccountError(w, status, message, nil)
		return
	}
	writeError(w, status, message, nil)
}
