// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The time limits of a request: an API that accepts connections and never
// answers (or stops halfway through an answer) costs each request at most
// Config.RequestTimeout, retries included, and an attempt at most
// AttemptTimeout (UploadAttemptTimeout when it uploads an archive). The
// limits here are milliseconds; the defaults are 30 s, 90 s and 2 min.

// hang never answers: it waits until the client gives up on the attempt.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func shortLimits(c *Config) {
	c.AttemptTimeout, c.UploadAttemptTimeout, c.RequestTimeout = 20*time.Millisecond, 20*time.Millisecond, 150*time.Millisecond
	c.MaxRetries = 1000
}

// within runs call and fails the test if it has not returned after a bound
// far above the configured limits (a hang, not a slow machine).
func within(t *testing.T, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the call still runs: the request timeout did not end it")
		return nil
	}
}

func TestRequestTimeoutEndsAHangingAPI(t *testing.T) {
	v1 := newAPIServer(t, hang, lenient)
	myAccount := newMyAccountServer(t, hang, lenient)
	calls := map[string]func(ctx context.Context) error{
		"faas-v1 GET": func(ctx context.Context) error {
			_, err := v1.client(shortLimits).GetFunction(ctx, testID)
			return err
		},
		"faas-v1 PUT code (upload)": func(ctx context.Context) error {
			_, err := v1.client(shortLimits).UpdateFunctionCode(ctx, testID, &CodeUpdate{Code: &bytesArchive{data: testArchive(100)}})
			return err
		},
		"myaccount GET": func(ctx context.Context) error {
			_, err := myAccount.myAccountClient(shortLimits).GetFunction(ctx, myAccountName)
			return err
		},
		"myaccount PUT": func(ctx context.Context) error {
			_, err := myAccount.myAccountClient(shortLimits).UpdateFunction(ctx, myAccountName, &UpdateFunctionRequest{CodeText: myAccountCode, Config: &FunctionConfig{MemoryMB: 128, TimeoutSeconds: 3}})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := within(t, func() error { return call(context.Background()) })
			te := asTransportError(t, err)
			if !errors.Is(err, errRequestTimeout) || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want the request timeout, not the caller's deadline", err)
			}
			if !strings.Contains(err.Error(), "request timeout of 150ms") {
				t.Errorf("error %q does not say which limit ran out", err)
			}
			if te.Attempts < 2 {
				t.Errorf("%d attempts: the attempt timeout should have ended the first", te.Attempts)
			}
			assertNoCredentials(t, "error", err.Error())
		})
	}
}

// A create that gets no answer is ambiguous: the lookup that follows has its
// own request timeout, and then the create gives up saying both.
func TestRequestTimeoutEndsAHangingCreate(t *testing.T) {
	v1 := newAPIServer(t, hang, lenient)
	myAccount := newMyAccountServer(t, hang, lenient)
	calls := map[string]func() error{
		"faas-v1": func() error {
			_, err := v1.client(shortLimits).CreateFunction(context.Background(), createReq())
			return err
		},
		"myaccount": func() error {
			_, err := myAccount.myAccountClient(shortLimits).CreateFunction(context.Background(), myAccountCreateRequest())
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := within(t, call)
			if err == nil || !strings.Contains(err.Error(), "no complete answer within 20ms") || !strings.Contains(err.Error(), "looking the function up afterwards also failed") {
				t.Fatalf("error %v", err)
			}
		})
	}
	if got := v1.countMethod(http.MethodPost) + myAccount.countMethod(http.MethodPost); got != 2 {
		t.Errorf("%d POSTs, want one per dialect: a POST that got no answer is not sent again blindly", got)
	}
}

// An attempt that runs out of time is retried like any lost answer.
func TestAttemptTimeoutRetried(t *testing.T) {
	for _, dialect := range []string{"faas-v1", "myaccount"} {
		t.Run(dialect, func(t *testing.T) {
			var n atomic.Int32
			handler := func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					hang(w, r)
					return
				}
				if dialect == "faas-v1" {
					writeJSON(w, http.StatusOK, fullFunction(StatusRunning))
				} else {
					myAccountOK(w, myAccountWireFunction("running"))
				}
			}
			limits := func(c *Config) { c.AttemptTimeout = 20 * time.Millisecond }
			var err error
			if dialect == "faas-v1" {
				srv := newAPIServer(t, handler, lenient)
				_, err = srv.client(limits).GetFunction(context.Background(), testID)
			} else {
				srv := newMyAccountServer(t, handler, lenient)
				_, err = srv.myAccountClient(limits).GetFunction(context.Background(), myAccountName)
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Load() != 2 {
				t.Errorf("%d attempts, want 2", n.Load())
			}
		})
	}
}

// An answer that stops halfway is cut off by the attempt timeout too.
func TestAttemptTimeoutWhileReadingTheAnswer(t *testing.T) {
	srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"code": 200, "data": {"name": "hel`))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		} else {
			t.Errorf("%T cannot flush", w)
		}
		<-r.Context().Done()
	}, lenient)
	err := within(t, func() error {
		_, err := srv.myAccountClient(func(c *Config) { c.AttemptTimeout = 20 * time.Millisecond }).GetFunction(context.Background(), myAccountName)
		return err
	})
	if te := asTransportError(t, err); te.Attempts != 1 {
		t.Errorf("%d attempts: an answer cut off while read is not retried", te.Attempts)
	}
	if !strings.Contains(err.Error(), "reading the answer: no complete answer within 20ms") {
		t.Fatalf("error %v", err)
	}
}

// Uploads have their own, longer, attempt timeout: with an attempt timeout
// too short for any answer, a GET fails and an upload goes through.
func TestUploadAttemptTimeout(t *testing.T) {
	srv := newAPIServer(t, contractHandler(t))
	c := srv.client(func(c *Config) {
		c.AttemptTimeout, c.UploadAttemptTimeout = time.Nanosecond, 10*time.Second
		c.MaxRetries = -1
	})
	if _, err := c.GetFunction(context.Background(), testID); !strings.Contains(fmtErr(err), "no complete answer within 1ns") {
		t.Errorf("GET: error %v, want the attempt timeout", err)
	}
	if _, err := c.UpdateFunctionCode(context.Background(), testID, &CodeUpdate{Code: &bytesArchive{data: testArchive(1000)}}); err != nil {
		t.Errorf("upload: %v", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// A Retry-After longer than what is left of the request timeout does not
// keep the request waiting: the backoff ends with the request's deadline.
func TestRequestTimeoutEndsABackoff(t *testing.T) {
	srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		myAccountFail(w, http.StatusTooManyRequests, "slow down")
	})
	err := within(t, func() error {
		_, err := srv.myAccountClient(func(c *Config) { c.RequestTimeout = 50 * time.Millisecond }).ListRuntimes(context.Background())
		return err
	})
	if !errors.Is(err, errRequestTimeout) || srv.count() != 1 {
		t.Fatalf("error %v after %d attempts, want the request timeout after 1", err, srv.count())
	}
}
