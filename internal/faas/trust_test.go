// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Which answers the client trusts (DESIGN.md#waits-and-retries): a
// not-found only in the dialect's own format and from an endpoint that
// otherwise answers as the API; a request that never reached a server is
// classified so; an error in the MyAccount envelope is retried as its HTTP
// status would be.

// A 404 that is not in the dialect's answer format is not a not-found.
func TestForeignNotFound(t *testing.T) {
	html := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body>Not Found</body></html>"))
	}
	tests := []struct {
		name      string
		myaccount bool
		answer    func(w http.ResponseWriter)
		gone      bool
	}{
		{name: "faas-v1 HTML 404", answer: html},
		{name: "faas-v1 empty 404", answer: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }},
		{name: "faas-v1 error object 404", gone: true, answer: func(w http.ResponseWriter) {
			writeError(w, http.StatusNotFound, "no such function", nil)
		}},
		{name: "faas-v1 success with a MyAccount not-found envelope", answer: func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, map[string]any{"code": 404, "data": nil, "errors": map[string]any{}, "message": "not found"})
		}},
		{name: "myaccount HTML 404", myaccount: true, answer: html},
		{name: "myaccount 404 without envelope (an unknown route's)", myaccount: true, answer: func(w http.ResponseWriter) {
			writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "message": "no endpoint GET /x", "errors": map[string]any{}})
		}},
		{name: "myaccount HTTP 200 with envelope code 404", myaccount: true, gone: true, answer: myAccountNotFound},
		{name: "myaccount HTTP 404 with envelope code 404", myaccount: true, gone: true, answer: func(w http.ResponseWriter) {
			writeEnvelope(w, http.StatusNotFound, 404, nil, "Function not found", nil)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			handler := func(w http.ResponseWriter, r *http.Request) { tc.answer(w) }
			if tc.myaccount {
				srv := newMyAccountServer(t, handler, lenient)
				_, err = srv.myAccountClient(func(c *Config) { c.MaxRetries = -1 }).GetFunction(context.Background(), myAccountName)
			} else {
				srv := newAPIServer(t, handler, lenient)
				_, err = srv.client(func(c *Config) { c.MaxRetries = -1 }).GetFunction(context.Background(), testID)
			}
			if IsNotFound(err) != tc.gone || IsForeignAnswer(err) == tc.gone {
				t.Fatalf("error %v: not-found %v, foreign %v; want not-found %v", err, IsNotFound(err), IsForeignAnswer(err), tc.gone)
			}
			if !tc.gone && !strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("error %q does not name the endpoint", err)
			}
			assertNoCredentials(t, "error", err.Error())
		})
	}
}

// ConfirmNotFound keeps a not-found only when the endpoint's runtime
// catalogue answers: an endpoint that answers 404 in the API's format to
// every path (a mistyped version, another deployment of the same server)
// is not the API.
func TestConfirmNotFound(t *testing.T) {
	for _, tc := range []struct {
		name      string
		myaccount bool
		runtimes  func(w http.ResponseWriter)
		check     func(t *testing.T, err error)
	}{
		{
			name:     "faas-v1 catalogue answers: gone",
			runtimes: func(w http.ResponseWriter) { writeJSON(w, 200, map[string]any{"runtimes": []any{}}) },
			check: func(t *testing.T, err error) {
				if !IsNotFound(err) {
					t.Errorf("error %v, want not found", err)
				}
			},
		},
		{
			name:     "faas-v1 catalogue not found either: not the API",
			runtimes: func(w http.ResponseWriter) { writeError(w, http.StatusNotFound, "no endpoint", nil) },
			check: func(t *testing.T, err error) {
				if IsNotFound(err) || !IsForeignAnswer(err) {
					t.Errorf("error %v, want foreign", err)
				}
			},
		},
		{
			name:     "faas-v1 catalogue fails: unknown, not gone",
			runtimes: func(w http.ResponseWriter) { writeError(w, http.StatusServiceUnavailable, "down", nil) },
			check: func(t *testing.T, err error) {
				if IsNotFound(err) || IsForeignAnswer(err) || !errors.Is(err, ErrServer) {
					t.Errorf("error %v, want a server error that is not a not-found", err)
				}
			},
		},
		{
			name: "myaccount catalogue answers: gone", myaccount: true,
			runtimes: func(w http.ResponseWriter) { myAccountOK(w, []any{}) },
			check: func(t *testing.T, err error) {
				if !IsNotFound(err) {
					t.Errorf("error %v, want not found", err)
				}
			},
		},
		{
			name: "myaccount catalogue not found either: not the API", myaccount: true,
			runtimes: func(w http.ResponseWriter) { writeEnvelope(w, 200, 404, nil, "not found", nil) },
			check: func(t *testing.T, err error) {
				if IsNotFound(err) || !IsForeignAnswer(err) {
					t.Errorf("error %v, want foreign", err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			handler := func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "runtimes") {
					tc.runtimes(w)
					return
				}
				if tc.myaccount {
					myAccountNotFound(w)
				} else {
					writeError(w, http.StatusNotFound, "no such function", nil)
				}
			}
			var api API
			if tc.myaccount {
				api = newMyAccountServer(t, handler, lenient).myAccountClient(func(c *Config) { c.MaxRetries = -1 })
			} else {
				api = newAPIServer(t, handler, lenient).client(func(c *Config) { c.MaxRetries = -1 })
			}
			_, err := api.GetFunction(context.Background(), myAccountName)
			if !IsNotFound(err) {
				t.Fatalf("GetFunction: %v, want not found", err)
			}
			tc.check(t, api.ConfirmNotFound(context.Background(), err))
		})
	}
}

// A refused connection and a name that does not resolve never reached a
// server: IsUnreachable, and not ambiguous even for a create. (The name's
// failure is played by the dialer, so that the test asks no resolver.)
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/faas/api/v1/"
	l.Close()
	noSuchHost := &http.Client{Transport: &http.Transport{DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}}
	}}}
	for name, cfg := range map[string]Config{
		"refused":      {Endpoint: closed},
		"no such host": {Endpoint: "http://api.example.invalid/faas/api/v1/", HTTPClient: noSuchHost},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.APIKey, cfg.AuthToken, cfg.MaxRetries = testKey, testToken, 1
			cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, time.Millisecond
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ListRuntimes(context.Background())
			if !IsUnreachable(err) || ambiguous(err) {
				t.Fatalf("error %v: unreachable %v, ambiguous %v", err, IsUnreachable(err), ambiguous(err))
			}
			var te *TransportError
			if !errors.As(err, &te) || te.Endpoint != cfg.Endpoint {
				t.Errorf("error %v does not carry the endpoint %s", err, cfg.Endpoint)
			}
			assertNoCredentials(t, "error", err.Error())
		})
	}
}

// An error the MyAccount API reports in the envelope of an HTTP 200 is
// retried exactly as the same HTTP status would be, Retry-After included,
// and the error says how many attempts were made.
func TestMyAccountInBodyErrorsRetried(t *testing.T) {
	for _, tc := range []struct {
		name       string
		code       int
		retryAfter string
		idempotent bool
		attempts   int
	}{
		{name: "503 on a read", code: 503, idempotent: true, attempts: 3},
		{name: "429 on a read with Retry-After", code: 429, retryAfter: "0", idempotent: true, attempts: 3},
		{name: "429 on a create", code: 429, attempts: 3},
		{name: "500 on a create: the server may have acted", code: 500, attempts: 1},
		{name: "400 on a read", code: 400, idempotent: true, attempts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				mu.Unlock()
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				writeEnvelope(w, http.StatusOK, tc.code, nil, "in-body failure", nil)
			}, lenient)
			c := srv.myAccountClient(func(c *Config) {
				c.MaxRetries = 2
				c.RetryWaitMin, c.RetryWaitMax = time.Millisecond, 2*time.Millisecond
				// A Retry-After not honoured would wait the default backoff;
				// an honoured 0 waits no more than the jitter.
				c.RetryAfterMax = time.Millisecond
			})
			var err error
			if tc.idempotent {
				_, err = c.GetFunction(context.Background(), myAccountName)
			} else {
				_, err = c.do(context.Background(), &request{method: http.MethodPost, path: myAccountFunctionsPath, body: &myAccountCreateBody{
					Function: myAccountName, Runtime: myAccountRuntimeName, NodeType: "cpu",
					myAccountUpdateBody: myAccountUpdateBody{Code: myAccountCode, Memory: 128, Timeout: 30, EnvironmentVariables: map[string]string{}, Secrets: []string{}},
				}})
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.code {
				t.Fatalf("error %v, want the in-body %d", err, tc.code)
			}
			mu.Lock()
			defer mu.Unlock()
			if calls != tc.attempts || apiErr.Attempts != tc.attempts {
				t.Errorf("%d requests, error says %d attempts; want %d", calls, apiErr.Attempts, tc.attempts)
			}
		})
	}
}

// The Retry-After of an in-body 429 is what the backoff waits.
func TestMyAccountInBodyRetryAfter(t *testing.T) {
	c, err := NewMyAccount(Config{APIKey: testKey, AuthToken: testToken, ProjectID: testProject, Location: testLocation})
	if err != nil {
		t.Fatal(err)
	}
	attempts := 0
	policy := &retryPolicy{idempotent: true, attempts: &attempts, enveloped: true}
	req, err := http.NewRequestWithContext(context.WithValue(context.Background(), retryPolicyKey{}, policy), http.MethodGet, "http://127.0.0.1/", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := &http.Response{
		StatusCode: http.StatusOK, Request: req, Header: http.Header{"Retry-After": {"3"}},
		Body: io.NopCloser(strings.NewReader(`{"code":429,"data":null,"errors":{},"message":"slow down"}`)),
	}
	if retry, _ := checkRetry(req.Context(), resp, nil); !retry {
		t.Fatal("an in-body 429 is not retried")
	}
	if wait := c.backoff(time.Millisecond, 2*time.Millisecond, 1, resp); wait < 3*time.Second {
		t.Errorf("backoff %v, want the Retry-After of 3s", wait)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"code":429`) {
		t.Errorf("the body read by the retry rule was not put back: %q", body)
	}
}

// Code is sent without HTML escaping: <, > and & stay one byte each, so the
// request is the size the plan checked.
func TestBodyNotHTMLEscaped(t *testing.T) {
	srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
		myAccountOK(w, myAccountWireFunction("running"))
	}, lenient)
	req := myAccountCreateRequest()
	req.CodeText = "def handle(req):\n    return '<b>a & b</b>'\n"
	if _, err := srv.myAccountClient().CreateFunction(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	body := string(srv.all()[0].Body)
	if !strings.Contains(body, `<b>a & b</b>`) || strings.Contains(body, `\u003c`) {
		t.Errorf("the body escapes HTML: %s", body)
	}
}

// An answer larger than the read limit is an error that says so, never an
// answer cut short.
func TestAnswerTooLarge(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"runtimes":[],"pad":"`))
		_, _ = w.Write(bytes.Repeat([]byte("x"), maxAnswerSize))
		_, _ = w.Write([]byte(`"}`))
	}, lenient)
	_, err := srv.client().ListRuntimes(context.Background())
	if err == nil || !strings.Contains(err.Error(), "larger than the client's limit") || !errors.Is(err, errUnreadableAnswer) || !errors.Is(err, errAnswerTooLarge) {
		t.Fatalf("error %v, want the answer refused as too large", err)
	}
}

// A request one of whose attempts reached the server (its connection cut
// after the request went out) is not "never reached" when its last attempt
// is refused: the server may have acted, so nobody may say nothing changed.
func TestReachedOnceIsNotUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			// Read the request, then close without answering.
			_, _ = conn.Read(make([]byte, 4096))
			conn.Close()
		}
	}()
	var dials sync.Mutex
	dialed := 0
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Lock()
		dialed++
		first := dialed == 1
		dials.Unlock()
		if first {
			return dialer.DialContext(ctx, network, l.Addr().String())
		}
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
	}}}
	c, err := New(Config{Endpoint: "http://" + l.Addr().String() + "/faas/api/v1/", APIKey: testKey, AuthToken: testToken, HTTPClient: client,
		MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = c.DeleteSecret(context.Background(), "db-password")
	if err == nil || IsUnreachable(err) || !ambiguous(err) {
		t.Fatalf("error %v: unreachable %v, ambiguous %v; want an outcome that is not known", err, IsUnreachable(err), ambiguous(err))
	}
}

// A create whose first POST failed ambiguously and whose second was refused
// keeps the first failure: the function may exist.
func TestCreateRetryRefusedStaysAmbiguous(t *testing.T) {
	c, err := New(Config{APIKey: testKey, AuthToken: testToken, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	posts := 0
	_, err = c.createOrAdopt(context.Background(), creation{
		name: "orders",
		post: func(context.Context) (*Function, error) {
			posts++
			if posts == 1 {
				return nil, &APIError{StatusCode: http.StatusBadGateway, Method: http.MethodPost, Path: "functions"}
			}
			return nil, &TransportError{Method: http.MethodPost, Path: "functions", msg: "refused",
				cause: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
		},
		lookUp: func(context.Context, string) (*Function, error) {
			return nil, &APIError{StatusCode: http.StatusNotFound, Method: http.MethodGet, Path: "functions"}
		},
	})
	if posts != 2 || err == nil || IsUnreachable(err) || !ambiguous(err) {
		t.Fatalf("%d posts, error %v: unreachable %v, ambiguous %v; want the first, ambiguous failure kept", posts, err, IsUnreachable(err), ambiguous(err))
	}
}

// Answers that are not the API's say nothing of a faas-v1 secret: a list
// without its secrets is no empty list, and a DELETE answered by a page or
// by a MyAccount-style envelope of 404 is no success.
func TestSecretAnswersThatAreNotTheAPIs(t *testing.T) {
	for name, body := range map[string]string{"empty": "", "no list": `{"total": 0}`} {
		t.Run("list "+name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) }, lenient)
			if list, err := srv.client().ListSecrets(context.Background()); err == nil {
				t.Fatalf("got %v, want an error", list)
			}
		})
	}
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"secrets": []}`)) }, lenient)
	if list, err := srv.client().ListSecrets(context.Background()); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("empty list: %v, %v", list, err)
	}
	for name, body := range map[string]string{"page": "<html>ok</html>", "envelope 404": `{"code": 404, "data": null, "message": "not found"}`} {
		t.Run("delete "+name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) }, lenient)
			err := srv.client().DeleteSecret(context.Background(), "db-password")
			if !IsForeignAnswer(err) {
				t.Fatalf("error %v, want the answer refused as not the API's", err)
			}
		})
	}
}
