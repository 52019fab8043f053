// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Poll sets how waits poll: the first look is immediate, then every Initial
// for the first Fast of the wait, then at an interval that grows by half each
// time up to Max, with ±20% jitter so that many resources waiting together
// spread their requests. The fast phase keeps a wait within a tenth of a
// second of a short deploy; the growth keeps a long one from costing many
// requests.
type Poll struct {
	Initial time.Duration
	Fast    time.Duration
	Max     time.Duration
	// Observe, if set, sees every function read during the wait.
	Observe func(*Function)
}

// DefaultPoll suits deploys that take from under a second to minutes.
var DefaultPoll = Poll{Initial: 100 * time.Millisecond, Fast: 3 * time.Second, Max: 5 * time.Second}

func (p Poll) withDefaults() Poll {
	if p.Initial <= 0 {
		p.Initial = DefaultPoll.Initial
	}
	if p.Max < p.Initial {
		p.Max = max(DefaultPoll.Max, p.Initial)
	}
	return p
}

// Until calls look until it reports done or fails, or ctx ends.
func (p Poll) Until(ctx context.Context, look func() (done bool, err error)) error {
	p = p.withDefaults()
	interval := p.Initial
	fastUntil := time.Now().Add(p.Fast)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		done, err := look()
		if done || err != nil {
			return err
		}
		jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(interval))
		timer.Reset(interval + jitter)
		if time.Now().After(fastUntil) {
			interval = min(interval*3/2, p.Max)
		}
	}
}

// WaitError is a wait that ended before the function reached the status
// wanted. Last is the last function read, if any.
type WaitError struct {
	ID     string
	Wanted string
	Last   *Function
	Err    error
	// lastFailure is what the last read answered when it failed transiently
	// and the wait then ran out of time.
	lastFailure error
}

func (e *WaitError) Error() string {
	status := "unknown"
	if e.Last != nil {
		status = e.Last.Status
	}
	reason := e.Err.Error()
	if errors.Is(e.Err, context.DeadlineExceeded) {
		reason = "the timeout ran out"
		if e.lastFailure != nil {
			reason += " (the last status read failed: " + e.lastFailure.Error() + ")"
		}
	} else if errors.Is(e.Err, context.Canceled) {
		reason = "the wait was interrupted"
	}
	return fmt.Sprintf("function %s did not become %s: %s; its status is %s", e.ID, e.Wanted, reason, status)
}

func (e *WaitError) Unwrap() error { return e.Err }

// waiter gives a client its waits (DESIGN.md#waits-and-retries), which poll
// the function through the dialect's GetFunction.
type waiter struct {
	get func(ctx context.Context, id string) (*Function, error)
}

// transient reports whether a failed read during a wait says nothing about
// the function: a 5xx, a 429, or no answer at all. A wait rides those out
// until its own timeout; only a definite answer (a 4xx, Failed) ends it early.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var transport *TransportError
	if errors.As(err, &transport) {
		return true
	}
	return errors.Is(err, ErrServer) || errors.Is(err, ErrRateLimited)
}

// WaitForDeploy waits until the function is Running. A Failed status ends the
// wait with a *FailedError carrying the server's error_message.
func (w waiter) WaitForDeploy(ctx context.Context, id string, p Poll) (*Function, error) {
	last, lastTransient, err := w.poll(ctx, id, p, false, func(f *Function) (bool, error) {
		if p.Observe != nil {
			p.Observe(f)
		}
		switch f.Status {
		case StatusRunning:
			return true, nil
		case StatusFailed:
			return false, &FailedError{Function: f}
		case StatusDeleting:
			return false, fmt.Errorf("function is being deleted")
		}
		return false, nil
	})
	if err != nil {
		var failed *FailedError
		if errors.As(err, &failed) {
			return failed.Function, err
		}
		return last, waitError(id, StatusRunning, last, err, lastTransient)
	}
	return last, nil
}

// WaitUntilSettled waits until the function is no longer Deploying (Running
// or Failed), for calls the API refuses mid-deploy. A function that is gone
// ends the wait with the API's 404.
func (w waiter) WaitUntilSettled(ctx context.Context, id string, p Poll) (*Function, error) {
	last, lastTransient, err := w.poll(ctx, id, p, false, func(f *Function) (bool, error) {
		return f.Status != StatusDeploying, nil
	})
	if err != nil && !IsNotFound(err) {
		return last, waitError(id, "Running or Failed", last, err, lastTransient)
	}
	return last, err
}

// WaitForDeletion waits until the function is gone (a 404).
func (w waiter) WaitForDeletion(ctx context.Context, id string, p Poll) error {
	last, lastTransient, err := w.poll(ctx, id, p, true, func(*Function) (bool, error) { return false, nil })
	if err != nil {
		return waitError(id, "deleted", last, err, lastTransient)
	}
	return nil
}

// poll reads the function until reached says the wait is over or fails, a
// read fails for good, or ctx ends; with goneIsDone, a 404 ends the wait as
// reached. Reads that fail transiently are ridden out: the last of them,
// unless a read succeeded since, is lastTransient. last is the last function
// read.
func (w waiter) poll(ctx context.Context, id string, p Poll, goneIsDone bool, reached func(*Function) (bool, error)) (last *Function, lastTransient, err error) {
	err = p.Until(ctx, func() (bool, error) {
		f, err := w.get(ctx, id)
		if goneIsDone && IsNotFound(err) {
			return true, nil
		}
		if transient(err) {
			// A read cut short by the wait's own end says nothing new.
			if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
				lastTransient = err
			}
			return false, ctx.Err()
		}
		if err != nil {
			return false, err
		}
		last, lastTransient = f, nil
		return reached(f)
	})
	return last, lastTransient, err
}

// waitError is a wait that ended early; a wait that ran out of time while
// the API was failing also says what the last read answered.
func waitError(id, wanted string, last *Function, err, lastTransient error) *WaitError {
	e := &WaitError{ID: id, Wanted: wanted, Last: last, Err: err}
	if errors.Is(err, context.DeadlineExceeded) {
		e.lastFailure = lastTransient
	}
	return e
}
