// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Poll sets how waits poll: the first look is immediate, then every Initial
// for the first Fast of the wait, then at an interval that grows by half each
// time up to Max, with ±20% jitter so that many resources waiting together
// spread their requests. The fast phase keeps a wait within a tenth of a
// second of a short deploy; the growth keeps a long one from costing many
// requests. A deploy wait (WaitForDeploy) differs: it follows the write that
// started the deploy, so its first look is one interval in, and once its
// client has seen deploys end it looks sparsely until shortly before the
// expected end and densely across it (aroundExpected).
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
	return p.run(ctx, 0, &growing{p: p, interval: p.Initial}, look)
}

// schedule says how long to wait before the next look, given the time since
// the wait began.
type schedule interface {
	next(elapsed time.Duration) time.Duration
}

// changing is a schedule that may change its mind between looks: changed
// is ready once it has (nil if it cannot any more), and the wait asks
// afterChange when to look, looking then if that is sooner.
type changing interface {
	changed() <-chan struct{}
	afterChange(elapsed time.Duration) time.Duration
}

// run looks first after first, then as sched says.
func (p Poll) run(ctx context.Context, first time.Duration, sched schedule, look func() (bool, error)) error {
	start := time.Now()
	due := start.Add(first)
	timer := time.NewTimer(first)
	defer timer.Stop()
	c, rethinks := sched.(changing)
	for {
		var changed <-chan struct{}
		if rethinks {
			changed = c.changed()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
			if sooner := time.Now().Add(c.afterChange(time.Since(start))); sooner.Before(due) {
				due = sooner
				timer.Reset(time.Until(due))
			}
			continue
		case <-timer.C:
		}
		done, err := look()
		if done || err != nil {
			return err
		}
		d := sched.next(time.Since(start))
		due = time.Now().Add(d)
		timer.Reset(d)
	}
}

// jittered is d ±20%, so that many resources waiting together spread their
// requests.
func jittered(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}

// growing is Poll's own schedule: every Initial for the first Fast, then
// growing by half up to Max.
type growing struct {
	p        Poll
	interval time.Duration
}

func (g *growing) next(elapsed time.Duration) time.Duration {
	d := jittered(g.interval)
	if elapsed > g.p.Fast {
		g.interval = min(g.interval*3/2, g.p.Max)
	}
	return d
}

// aroundExpected is the schedule of a deploy wait once the client has seen
// how long deploys take (deployClock): a few sparse looks until shortly
// before the expected end, dense looks across it, then Poll's own schedule
// for a deploy that runs long. A deploy that ends well before the expected
// time waits at most one sparse step (at most Max) longer than it needs.
type aroundExpected struct {
	from, until, step, dense time.Duration
	after                    *growing
}

func newAroundExpected(p Poll, expected time.Duration) *aroundExpected {
	lead := max(expected/40, p.Initial/4)
	dense := min(max(expected/100, 10*time.Millisecond), p.Initial)
	from := max(expected-lead, 0)
	return &aroundExpected{
		from:  from,
		until: expected + max(expected/5, p.Initial),
		step:  min(max(from/4, p.Initial), p.Max),
		dense: dense,
		after: &growing{p: p, interval: p.Initial},
	}
}

// first is when to look first: one step in, or at the dense window.
func (a *aroundExpected) first() time.Duration { return min(a.step, a.from) }

func (a *aroundExpected) next(elapsed time.Duration) time.Duration {
	switch {
	case elapsed < a.from:
		return min(jittered(a.step), a.from-elapsed)
	case elapsed < a.until:
		return jittered(a.dense)
	default:
		return a.after.next(elapsed)
	}
}

// learning is a deploy wait's schedule: Poll's own until the client's clock
// knows how long deploys take, aroundExpected from then on, so that waits
// running side by side take up what the first of them to end has learned.
type learning struct {
	p       Poll
	clock   *deployClock
	current schedule
	learned bool
}

// learn switches to aroundExpected if the clock now knows a deploy time, and
// returns it when it did.
func (l *learning) learn() *aroundExpected {
	if l.learned {
		return nil
	}
	expected, ok := l.clock.expected()
	if !ok {
		return nil
	}
	around := newAroundExpected(l.p, expected)
	l.current, l.learned = around, true
	return around
}

func (l *learning) next(elapsed time.Duration) time.Duration {
	l.learn()
	return l.current.next(elapsed)
}

// changed is ready once the clock first learns a deploy time, so that waits
// already under way (the first wave of creates) look across the expected end
// at once rather than at their next look, up to Poll.Initial later.
func (l *learning) changed() <-chan struct{} {
	if l.learned {
		return nil
	}
	return l.clock.firstLearned()
}

// afterChange is when a wait woken by what its clock learned looks: at once
// if the deploy is already in or past the dense window around its expected
// end (the waits of one wave end about together, and the first of them to
// see its deploy end has just taught the clock), as the schedule says
// otherwise.
func (l *learning) afterChange(elapsed time.Duration) time.Duration {
	if around := l.learn(); around != nil && elapsed >= around.from {
		return 0
	}
	return l.next(elapsed)
}

// deployClock learns, from one client's waits, how long its deploys take:
// the median of the last few, each the middle of the span between the last
// look that found the deploy still running and the first that found it done.
type deployClock struct {
	mu   sync.Mutex
	seen []time.Duration
	// learned is closed by the first record.
	learned chan struct{}
}

// firstLearned is closed once the clock has recorded a deploy time; nil for
// a nil clock, which never learns.
func (c *deployClock) firstLearned() <-chan struct{} {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.learnedLocked()
}

// learnedLocked is the channel the first record closes, made on first
// use; c.mu is held.
func (c *deployClock) learnedLocked() chan struct{} {
	if c.learned == nil {
		c.learned = make(chan struct{})
	}
	return c.learned
}

// deploysRemembered is how many deploy times the clock keeps.
const deploysRemembered = 9

func (c *deployClock) record(d time.Duration) {
	if c == nil || d < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) == 0 {
		close(c.learnedLocked())
	}
	c.seen = append(c.seen, d)
	if len(c.seen) > deploysRemembered {
		c.seen = c.seen[len(c.seen)-deploysRemembered:]
	}
}

// expected is the median deploy time seen, if any.
func (c *deployClock) expected() (time.Duration, bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	sorted := slices.Clone(c.seen)
	c.mu.Unlock()
	if len(sorted) == 0 {
		return 0, false
	}
	slices.Sort(sorted)
	return sorted[len(sorted)/2], true
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
	// clock, if set, learns deploy times for the schedule of deploy waits.
	clock *deployClock
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
	// The wait follows a write that started the deploy, so a look at once
	// would find it still Deploying: the first look is one interval in, or
	// as the deploys seen so far suggest (aroundExpected).
	p = p.withDefaults()
	sched := &learning{p: p, clock: w.clock, current: &growing{p: p, interval: p.Initial}}
	first := jittered(p.Initial)
	if around := sched.learn(); around != nil {
		first = around.first()
	}
	start := time.Now()
	var stillDeploying time.Duration // when a look last found it Deploying
	last, lastTransient, err := w.pollWith(ctx, id, p, false, first, sched, func(f *Function) (bool, error) {
		if p.Observe != nil {
			p.Observe(f)
		}
		switch f.Status {
		case StatusRunning:
			w.clock.record((stillDeploying + time.Since(start)) / 2)
			return true, nil
		case StatusFailed:
			return false, &FailedError{Function: f}
		case StatusDeleting:
			return false, fmt.Errorf("function is being deleted")
		}
		stillDeploying = time.Since(start)
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
	p = p.withDefaults()
	return w.pollWith(ctx, id, p, goneIsDone, 0, &growing{p: p, interval: p.Initial}, reached)
}

// pollWith is poll with its first look after first, then as sched says.
func (w waiter) pollWith(ctx context.Context, id string, p Poll, goneIsDone bool, first time.Duration, sched schedule,
	reached func(*Function) (bool, error)) (last *Function, lastTransient, err error) {
	err = p.run(ctx, first, sched, func() (bool, error) {
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
