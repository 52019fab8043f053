// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
)

// A call under test: one client method and the success answer that suits it.
type retryCall struct {
	name    string
	call    func(context.Context, *Client) error
	success func(http.ResponseWriter)
}

// method is the HTTP method of the call, the first word of its name.
func (rc retryCall) method() string { m, _, _ := strings.Cut(rc.name, " "); return m }

func okFunction() func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeJSON(w, http.StatusOK, fullFunction(StatusDeploying)) }
}

var (
	callGet = retryCall{"GET function", func(ctx context.Context, c *Client) error {
		_, err := c.GetFunction(ctx, testID)
		return err
	}, okFunction()}
	callList = retryCall{"GET functions", func(ctx context.Context, c *Client) error {
		_, err := c.listFunctions(ctx, ListFunctionsOptions{})
		return err
	}, func(w http.ResponseWriter) {
		writeJSON(w, 200, FunctionList{Functions: []Function{}, Total: 0, Page: 1, PerPage: 50})
	}}
	callPut = retryCall{"PUT config", func(ctx context.Context, c *Client) error {
		_, err := c.UpdateFunctionConfig(ctx, testID, &FunctionConfig{MemoryMB: 128, TimeoutSeconds: 10, Replicas: 1, HardwareType: "cpu", MaxScale: 2})
		return err
	}, okFunction()}
	callPutCode = retryCall{"PUT code", func(ctx context.Context, c *Client) error {
		_, err := c.UpdateFunctionCode(ctx, testID, &CodeUpdate{Code: &bytesArchive{data: testArchive(1000)}})
		return err
	}, okFunction()}
	callDelete = retryCall{"DELETE function", func(ctx context.Context, c *Client) error {
		_, err := c.DeleteFunction(ctx, testID)
		return err
	}, func(w http.ResponseWriter) { writeJSON(w, 202, fullFunction(StatusDeleting)) }}
	callDeleteSecret = retryCall{"DELETE secret", func(ctx context.Context, c *Client) error {
		return c.DeleteSecret(ctx, "db-password")
	}, func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }}
	callUpdateSecret = retryCall{"PUT secret", func(ctx context.Context, c *Client) error {
		_, err := c.UpdateSecret(ctx, "db-password", "n3w-v4lue")
		return err
	}, func(w http.ResponseWriter) { writeJSON(w, http.StatusOK, testRotation()) }}
	callDeploy = retryCall{"POST deploy", func(ctx context.Context, c *Client) error {
		_, err := c.DeployFunction(ctx, testID)
		return err
	}, okFunction()}
	callCreate = retryCall{"POST functions", func(ctx context.Context, c *Client) error {
		_, err := c.CreateFunction(ctx, &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{Runtime: "node20", Code: &bytesArchive{data: testArchive(1000)}}})
		return err
	}, func(w http.ResponseWriter) { writeJSON(w, 201, named(testID, "hello-fn", "ns")) }}
	callCreateSecret = retryCall{"POST secrets", func(ctx context.Context, c *Client) error {
		_, err := c.CreateSecret(ctx, &CreateSecretRequest{Name: "db-password", Value: "v4lue"})
		return err
	}, func(w http.ResponseWriter) {
		writeJSON(w, 201, Secret{ID: "s-1", Name: "db-password", Namespace: "ns", CreatedAt: "2025-01-02T03:04:05Z"})
	}}
)

var idempotentCalls = []retryCall{callGet, callList, callPut, callPutCode, callDelete, callDeleteSecret, callUpdateSecret, callDeploy}

// TestRetryIdempotentOn5xx: idempotent calls are retried on 500, 502 and 503
// up to MaxRetries; then the last answer is the error.
func TestRetryIdempotentOn5xx(t *testing.T) {
	for _, rc := range idempotentCalls {
		for _, status := range []int{500, 502, 503} {
			t.Run(fmt.Sprintf("%s %d gives up", rc.name, status), func(t *testing.T) {
				var n atomic.Int32
				srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
					writeError(w, status, fmt.Sprintf("attempt %d", n.Add(1)), nil)
				}, lenient) // not every path lists 502 and 503
				err := rc.call(context.Background(), srv.client(func(c *Config) { c.MaxRetries = 3 }))
				e := asAPIError(t, err)
				if got := srv.count(); got != 4 {
					t.Errorf("%d attempts, want 4 (1 + MaxRetries)", got)
				}
				if e.StatusCode != status || e.Message != "attempt 4" || !errors.Is(err, ErrServer) {
					t.Errorf("error %v, want the last answer", err)
				}
			})
			t.Run(fmt.Sprintf("%s %d recovers", rc.name, status), func(t *testing.T) {
				var n atomic.Int32
				srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
					if n.Add(1) <= 2 {
						writeError(w, status, "flaky", nil)
						return
					}
					rc.success(w)
				}, lenient)
				if err := rc.call(context.Background(), srv.client()); err != nil {
					t.Fatalf("error %v after recovery", err)
				}
				if got := srv.count(); got != 3 {
					t.Errorf("%d attempts, want 3", got)
				}
			})
		}
	}
}

// TestRetryIdempotentOnDroppedConnection: a connection closed without an
// answer is retried for idempotent calls.
func TestRetryIdempotentOnDroppedConnection(t *testing.T) {
	for _, rc := range idempotentCalls {
		t.Run(rc.name+" gives up", func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w) })
			err := rc.call(context.Background(), srv.client(func(c *Config) { c.MaxRetries = 3 }))
			te := asTransportError(t, err)
			if got := srv.count(); got != 4 {
				t.Errorf("%d attempts reached the server, want 4", got)
			}
			if te.Attempts != 4 {
				t.Errorf("TransportError.Attempts %d, want 4", te.Attempts)
			}
			assertNoCredentials(t, "error", err.Error())
		})
		t.Run(rc.name+" recovers", func(t *testing.T) {
			var n atomic.Int32
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					dropConnection(t, w)
					return
				}
				rc.success(w)
			})
			if err := rc.call(context.Background(), srv.client()); err != nil {
				t.Fatal(err)
			}
			if got := srv.count(); got != 2 {
				t.Errorf("%d attempts, want 2", got)
			}
		})
	}
}

// TestRetry429EveryMethod: a 429 means the server did nothing, so even the
// POSTs that are never retried otherwise are retried.
func TestRetry429EveryMethod(t *testing.T) {
	for _, rc := range append([]retryCall{callCreate, callCreateSecret}, idempotentCalls...) {
		t.Run(rc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) <= 2 {
					w.Header().Set("Retry-After", "0")
					writeError(w, http.StatusTooManyRequests, "slow down", nil)
					return
				}
				rc.success(w)
			})
			if err := rc.call(context.Background(), srv.client()); err != nil {
				t.Fatal(err)
			}
			if got := srv.count(); got != 3 {
				t.Errorf("%d attempts, want 3", got)
			}
		})
	}
}

// TestPostNotRetriedWhenTheServerMayHaveActed: a second POST secrets could
// create a duplicate, so a 5xx or a connection dropped after sending ends the
// call after exactly one attempt. (POST functions carries an Idempotency-Key
// and looks before it sends again: see create_test.go.)
func TestPostNotRetriedWhenTheServerMayHaveActed(t *testing.T) {
	for _, rc := range []retryCall{callCreateSecret} {
		for _, status := range []int{500, 502, 503} {
			t.Run(fmt.Sprintf("%s %d", rc.name, status), func(t *testing.T) {
				srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
					writeError(w, status, "oops", nil)
				}, lenient)
				err := rc.call(context.Background(), srv.client(func(c *Config) { c.MaxRetries = 5 }))
				if !errors.Is(err, ErrServer) {
					t.Errorf("error %v, want a server error", err)
				}
				if got := srv.count(); got != 1 {
					t.Errorf("%d attempts reached the server, want exactly 1", got)
				}
			})
		}
		t.Run(rc.name+" dropped connection", func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w) })
			err := rc.call(context.Background(), srv.client(func(c *Config) { c.MaxRetries = 5 }))
			te := asTransportError(t, err)
			if got := srv.count(); got != 1 {
				t.Errorf("%d attempts reached the server, want exactly 1", got)
			}
			if te.Attempts != 1 {
				t.Errorf("TransportError.Attempts %d, want 1", te.Attempts)
			}
		})
	}
}

// TestPostRetriedOnConnectionRefused: a refused connection never reached the
// server, so POST functions is retried. The first two dials go to a port
// nothing listens on.
func TestPostRetriedOnConnectionRefused(t *testing.T) {
	for _, rc := range []retryCall{callCreate, callCreateSecret} {
		t.Run(rc.name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) { rc.success(w) })
			refused := strings.TrimPrefix(strings.TrimSuffix(refusedEndpoint(t), "/faas/api/v1/"), "http://")
			var dials atomic.Int32
			tr := cleanhttp.DefaultTransport()
			dialer := &net.Dialer{Timeout: 5 * time.Second}
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) <= 2 {
					return dialer.DialContext(ctx, network, refused)
				}
				return dialer.DialContext(ctx, network, addr)
			}
			c := srv.client(func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
			if err := rc.call(context.Background(), c); err != nil {
				t.Fatalf("error %v", err)
			}
			if got := dials.Load(); got != 3 {
				t.Errorf("%d dials, want 3", got)
			}
			if got := srv.count(); got != 1 {
				t.Errorf("%d requests reached the server, want 1", got)
			}
		})
	}
}

// TestNotRetried: 501 and 4xx answers are final.
func TestNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 422, 501} {
		for _, rc := range []retryCall{callGet, callPut, callDelete, callCreate, callUpdateSecret} {
			t.Run(fmt.Sprintf("%s %d", rc.name, status), func(t *testing.T) {
				srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
					writeError(w, status, "no", nil)
				}, lenient)
				err := rc.call(context.Background(), srv.client(func(c *Config) { c.MaxRetries = 5 }))
				if e := asAPIError(t, err); e.StatusCode != status {
					t.Errorf("status %d", e.StatusCode)
				}
				// A refused create may look the name up (to say whose
				// function holds it), but never sends the POST again.
				if got := srv.countMethod(rc.method()); got != 1 {
					t.Errorf("%d attempts, want 1", got)
				}
			})
		}
	}
}

// TestRetryAfterCappedEndToEnd: the server asks for an hour; RetryAfterMax
// of a millisecond lets the retries run at once. Without the cap the call
// would outlive its context.
func TestRetryAfterCappedEndToEnd(t *testing.T) {
	for _, header := range []string{"3600", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)} {
		t.Run(header, func(t *testing.T) {
			var n atomic.Int32
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) <= 2 {
					w.Header().Set("Retry-After", header)
					writeError(w, http.StatusTooManyRequests, "slow down", nil)
					return
				}
				callGet.success(w)
			}, lenient) // an HTTP-date is outside the contract's integer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := callGet.call(ctx, srv.client(func(c *Config) { c.RetryAfterMax = time.Millisecond }))
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if got := srv.count(); got != 3 {
				t.Errorf("%d attempts, want 3", got)
			}
		})
	}
}

func retryAfterResponse(status int, header string) *http.Response {
	h := http.Header{}
	if header != "" {
		h.Set("Retry-After", header)
	}
	return &http.Response{StatusCode: status, Header: h}
}

// TestBackoff checks the computed waits directly, without sleeping.
func TestBackoff(t *testing.T) {
	c, err := New(Config{APIKey: testKey, AuthToken: testToken, RetryAfterMax: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const minW, maxW = 100 * time.Millisecond, 2 * time.Second
	between := func(t *testing.T, what string, d, lo, hi time.Duration) {
		t.Helper()
		if d < lo || d > hi {
			t.Errorf("%s: wait %v, want within [%v, %v]", what, d, lo, hi)
		}
	}
	for i := 0; i < 200; i++ { // the jitter is random: try it many times
		between(t, "attempt 0", c.backoff(minW, maxW, 0, nil), 50*time.Millisecond, 100*time.Millisecond)
		between(t, "attempt 2", c.backoff(minW, maxW, 2, nil), 200*time.Millisecond, 400*time.Millisecond)
		between(t, "attempt 10 (capped)", c.backoff(minW, maxW, 10, nil), time.Second, maxW)
		between(t, "attempt 200 (no overflow)", c.backoff(minW, maxW, 200, nil), time.Second, maxW)
		between(t, "500 ignores Retry-After", c.backoff(minW, maxW, 0, retryAfterResponse(500, "30")), 50*time.Millisecond, 100*time.Millisecond)
		between(t, "429 seconds", c.backoff(minW, maxW, 0, retryAfterResponse(429, "30")), 30*time.Second, 30*time.Second+minW/10+300*time.Millisecond)
		between(t, "503 seconds", c.backoff(minW, maxW, 3, retryAfterResponse(503, "4")), 4*time.Second, 4*time.Second+minW/10+40*time.Millisecond)
		between(t, "429 zero", c.backoff(minW, maxW, 5, retryAfterResponse(429, "0")), 0, minW/10)
		between(t, "429 capped by RetryAfterMax", c.backoff(minW, maxW, 0, retryAfterResponse(429, "86400")), 90*time.Second, 90*time.Second+minW/10+900*time.Millisecond)
		between(t, "429 beyond time.Duration", c.backoff(minW, maxW, 0, retryAfterResponse(429, "10000000000")), 90*time.Second, 90*time.Second+minW/10+900*time.Millisecond)
		between(t, "429 without Retry-After", c.backoff(minW, maxW, 1, retryAfterResponse(429, "")), 100*time.Millisecond, 200*time.Millisecond)
		between(t, "429 garbage Retry-After", c.backoff(minW, maxW, 1, retryAfterResponse(429, "soon")), 100*time.Millisecond, 200*time.Millisecond)
		between(t, "429 negative Retry-After", c.backoff(minW, maxW, 1, retryAfterResponse(429, "-5")), 100*time.Millisecond, 200*time.Millisecond)
	}
	date := time.Now().Add(45 * time.Second).UTC().Format(http.TimeFormat)
	between(t, "429 HTTP-date", c.backoff(minW, maxW, 0, retryAfterResponse(429, date)), 43*time.Second, 45*time.Second+minW/10+450*time.Millisecond)
	far := time.Now().Add(24 * time.Hour).UTC().Format(http.TimeFormat)
	between(t, "429 HTTP-date capped", c.backoff(minW, maxW, 0, retryAfterResponse(429, far)), 90*time.Second, 90*time.Second+minW/10+900*time.Millisecond)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	between(t, "429 HTTP-date in the past", c.backoff(minW, maxW, 0, retryAfterResponse(429, past)), 0, minW/10)
}

func TestParseRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"12", 12 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0, true}, // in the past
	} {
		got, ok := parseRetryAfter(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if got, ok := parseRetryAfter(strconv.FormatInt(1<<62, 10)); !ok || got <= 0 {
		t.Errorf("a huge Retry-After gives %v, %v; want a long positive wait", got, ok)
	}
}

// TestContextCancelStopsRetries: the backoff would be an hour; cancelling
// the context ends the call at once.
func TestContextCancelStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusServiceUnavailable, "busy", nil)
		cancel()
	})
	c := srv.client(func(c *Config) {
		c.MaxRetries = 10
		c.RetryWaitMin, c.RetryWaitMax = time.Hour, time.Hour
	})
	err := callGet.call(ctx, c)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if got := srv.count(); got != 1 {
		t.Errorf("%d attempts, want 1", got)
	}
	te := asTransportError(t, err)
	if te.Attempts != 1 {
		t.Errorf("Attempts %d", te.Attempts)
	}
}

// TestContextCancelDuringBackoff cancels the context while the client waits
// a minute (an hour's Retry-After, capped by the default RetryAfterMax)
// before its retry: the wait ends at once.
func TestContextCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		writeError(w, http.StatusTooManyRequests, "slow down", nil)
	})
	c := srv.client(func(c *Config) { c.MaxRetries = 10 })
	backoffs := 0
	wait := c.http.Backoff
	c.http.Backoff = func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		backoffs++
		d := wait(minWait, maxWait, attempt, resp)
		if d < time.Minute {
			t.Errorf("backoff %v, want RetryAfterMax", d)
		}
		cancel()
		return d
	}
	done := make(chan error, 1)
	go func() { done <- callCreate.call(ctx, c) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the call still waits after its context was cancelled")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if backoffs != 1 || srv.count() != 1 {
		t.Errorf("%d backoffs and %d attempts, want 1 and 1", backoffs, srv.count())
	}
	if te := asTransportError(t, err); te.Attempts != 1 {
		t.Errorf("Attempts %d, want 1", te.Attempts)
	}
}

// TestContextCancelDuringRequest: the server never answers; cancelling ends
// the call and no retry follows.
func TestContextCancelDuringRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	}, lenient)
	err := callPut.call(ctx, srv.client(func(c *Config) { c.MaxRetries = 10 }))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if got := srv.count(); got != 1 {
		t.Errorf("%d attempts, want 1", got)
	}
	assertNoCredentials(t, "error", err.Error())
}
