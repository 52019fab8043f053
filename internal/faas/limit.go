// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// limitedTransport holds every HTTP attempt to a request rate and a number in
// flight. It sits under the retrying client, so retries and polls count too.
type limitedTransport struct {
	base    http.RoundTripper
	limiter *rate.Limiter
	slots   chan struct{}
}

func newLimitedTransport(base http.RoundTripper, perSecond float64, burst, concurrent int) *limitedTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	t := &limitedTransport{base: base}
	if perSecond > 0 {
		if burst < 1 {
			burst = max(1, int(perSecond))
		}
		t.limiter = rate.NewLimiter(rate.Limit(perSecond), burst)
	}
	if concurrent > 0 {
		t.slots = make(chan struct{}, concurrent)
	}
	return t
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.slots != nil {
		select {
		case t.slots <- struct{}{}:
			defer func() { <-t.slots }()
		case <-ctx.Done():
			return nil, &notSentError{cause: ctx.Err()}
		}
	}
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx); err != nil {
			return nil, &notSentError{cause: err}
		}
	}
	return t.base.RoundTrip(req)
}

// CloseIdleConnections forwards to the wrapped transport.
func (t *limitedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// errNotSent marks a transport error that happened before the request left
// the client (waiting for its turn), so that any request may be retried.
var errNotSent = errors.New("the request was not sent")

type notSentError struct{ cause error }

func (e *notSentError) Error() string        { return e.cause.Error() }
func (e *notSentError) Unwrap() error        { return e.cause }
func (e *notSentError) Is(target error) bool { return target == errNotSent }

type attemptTimeoutKey struct{}

// attemptTransport gives each HTTP attempt its own time limit, taken from
// the request's context (attemptTimeoutKey), from sending the request to the
// end of the answer's body. An attempt that runs out fails with an
// *attemptTimeoutError, which the retry policy treats like any lost answer.
type attemptTransport struct {
	base http.RoundTripper
}

// attemptTimeoutError is an attempt that got no complete answer in time.
type attemptTimeoutError struct{ limit time.Duration }

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no complete answer within %s", e.limit)
}

// Timeout marks it as a timeout for net.Error users.
func (e *attemptTimeoutError) Timeout() bool { return true }

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	limit, _ := req.Context().Value(attemptTimeoutKey{}).(time.Duration)
	if limit <= 0 {
		return base.RoundTrip(req)
	}
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, limit)
	resp, err := base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, attemptErr(parent, ctx, limit, err)
	}
	resp.Body = &attemptBody{ReadCloser: resp.Body, parent: parent, ctx: ctx, cancel: cancel, limit: limit}
	return resp, nil
}

// attemptErr says that the attempt ran out of time when that, and not the
// caller, ended it.
func attemptErr(parent, ctx context.Context, limit time.Duration, err error) error {
	if parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &attemptTimeoutError{limit: limit}
	}
	return err
}

// CloseIdleConnections forwards to the wrapped transport.
func (t *attemptTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// attemptBody keeps the attempt's time limit running while the answer is
// read, and releases it on Close.
type attemptBody struct {
	io.ReadCloser
	parent, ctx context.Context
	cancel      context.CancelFunc
	limit       time.Duration
}

func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = attemptErr(b.parent, b.ctx, b.limit, err)
	}
	return n, err
}

func (b *attemptBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
