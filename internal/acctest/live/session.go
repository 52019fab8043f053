// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/conformance"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// Session is one run against one API: a loopback proxy in front of it whose
// transport records every exchange, and a client for the set-up and
// clean-up the tests do without Terraform. The provider under test is
// pointed at Endpoint, the proxy, so its exchanges are recorded too.
type Session struct {
	Settings Settings
	// Endpoint is the proxy's API base: the upstream's path on a loopback
	// address.
	Endpoint string
	Recorder *conformance.Recorder
	// Client speaks MyAccount through the proxy.
	Client *faas.MyAccountClient
	// HoldDeploys, when set, makes the deploys that start from now on stay
	// in flight until the returned function is called with a function's
	// name, which ends that function's deploy. A live API needs none (a
	// deploy takes minutes); a local one does, for the probe of a deploy
	// in progress.
	HoldDeploys func() (release func(name string))
	// ArmDeployFailure, when set, makes the next deploy fail; nil where
	// code that cannot build is what fails it (a live API).
	ArmDeployFailure func()
	// CannotInvoke, when set, says why invoke_url cannot be called (a local
	// server without a runner); the tests then note it in the report.
	CannotInvoke string

	server *http.Server
	done   chan struct{}
	once   sync.Once
}

// Start opens the proxy in front of s.Endpoint, sending through upstream
// (http.DefaultTransport when nil). Nothing is sent until a request comes.
func Start(s Settings, upstream http.RoundTripper) (*Session, error) {
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		return nil, err
	}
	rec, err := conformance.NewRecorder(upstream, s.Secrets()...)
	if err != nil {
		return nil, err
	}
	origin := &url.URL{Scheme: target.Scheme, Host: target.Host}
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(origin) },
		Transport: rec,
		// The default handler logs the error, whose URL carries the API key.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "live proxy: "+rec.Redactor().Text(err.Error()), http.StatusBadGateway)
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sess := &Session{
		Settings: s, Recorder: rec, Endpoint: "http://" + ln.Addr().String() + target.EscapedPath(),
		server: &http.Server{Handler: proxy, ReadHeaderTimeout: time.Minute}, done: make(chan struct{}),
	}
	go func() {
		defer close(sess.done)
		_ = sess.server.Serve(ln)
	}()
	sess.Client, err = faas.NewMyAccount(faas.Config{
		Endpoint: sess.Endpoint, APIKey: s.APIKey, AuthToken: s.AuthToken, ProjectID: s.ProjectID, Location: s.Location,
		UserAgent: "terraform-provider-e2e-live-tests",
	})
	if err != nil {
		sess.Close()
		return nil, err
	}
	return sess, nil
}

// Close stops the proxy.
func (s *Session) Close() {
	s.once.Do(func() {
		_ = s.server.Close()
		<-s.done
	})
}

// Report judges what the session recorded.
func (s *Session) Report() conformance.Report {
	return conformance.NewReport(s.Settings.Endpoint, s.Recorder)
}

// WriteReport writes the report to path, and says where and what it found.
func (s *Session) WriteReport(path string) (conformance.Report, error) {
	r := s.Report()
	if err := r.WriteFile(path, s.Recorder.Redactor()); err != nil {
		return r, err
	}
	return r, nil
}

// ProviderBlock configures the provider for the session: everything in the
// block, so that the variables of the user's shell cannot change it.
func (s *Session) ProviderBlock() string {
	return fmt.Sprintf(`
provider "e2e" {
  api_flavor   = "myaccount"
  api_endpoint = %q
  api_key      = %q
  auth_token   = %q
  project_id   = %q
  location     = %q
}
`, s.Endpoint, s.Settings.APIKey, s.Settings.AuthToken, s.Settings.ProjectID, s.Settings.Location)
}

// DeleteTimeout bounds the clean-up of one function.
const DeleteTimeout = 15 * time.Minute

// Delete deletes the function of that name and waits until it is gone; a
// function that is not there is no error. It refuses a name without the
// prefix.
func (s *Session) Delete(ctx context.Context, name string) error {
	return deleteFunction(ctx, s.Client, name)
}

func deleteFunction(ctx context.Context, c faas.API, name string) error {
	if !Ours(name) {
		return fmt.Errorf("refusing to delete %q: a live run touches only names starting with %s", name, Prefix)
	}
	if _, err := c.DeleteFunction(ctx, name); err != nil {
		if faas.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if err := c.WaitForDeletion(ctx, name, faas.DefaultPoll); err != nil {
		return fmt.Errorf("wait for the deletion of %s: %w", name, err)
	}
	return nil
}

// CleanUp deletes the function of that name through the client when the
// test ends, whatever Terraform left: every test cleans up what it made.
func (s *Session) CleanUp(t testing.TB, name string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), DeleteTimeout)
		defer cancel()
		if err := s.Delete(ctx, name); err != nil {
			t.Errorf("clean-up: %v (make sweep-live deletes what is left)", err)
		}
	})
}

// errNoAnswer is a probe without an answer.
var errNoAnswer = errors.New("no answer")

// raw sends one request through the proxy as E2E's CLI would, labelled for
// the report, and returns the HTTP status and the body's code (-1 when
// there is none).
func (s *Session) raw(ctx context.Context, label, method, path, body string) (int, int, error) {
	q := url.Values{"apikey": {s.Settings.APIKey}, "location": {s.Settings.Location}, "project_id": {s.Settings.ProjectID}}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.Endpoint+path+"?"+q.Encode(), rd)
	if err != nil {
		return 0, -1, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Settings.AuthToken)
	req.Header.Set("Content-Type", "application/json")
	if label != "" {
		req.Header.Set(conformance.ProbeHeader, label)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, -1, fmt.Errorf("%w: %s", errNoAnswer, s.Recorder.Redactor().Text(err.Error()))
	}
	defer resp.Body.Close()
	var env struct {
		Code *int `json:"code"`
	}
	code := -1
	if decodeJSON(resp.Body, &env) == nil && env.Code != nil {
		code = *env.Code
	}
	return resp.StatusCode, code, nil
}
