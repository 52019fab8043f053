// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"testing"
	"time"
)

func TestDeployClockMedianOfRecent(t *testing.T) {
	var c deployClock
	if _, ok := c.expected(); ok {
		t.Fatal("a clock that saw nothing expects a deploy time")
	}
	for _, d := range []time.Duration{5 * time.Second, 1 * time.Second, 2 * time.Second} {
		c.record(d)
	}
	if got, _ := c.expected(); got != 2*time.Second {
		t.Errorf("expected %v after 5s, 1s, 2s, want the median 2s", got)
	}
	for range deploysRemembered {
		c.record(time.Second)
	}
	if got, _ := c.expected(); got != time.Second {
		t.Errorf("expected %v after %d deploys of 1s, want 1s: old ones are forgotten", got, deploysRemembered)
	}
	var none *deployClock
	none.record(time.Second)
	if _, ok := none.expected(); ok {
		t.Error("a nil clock expects a deploy time")
	}
}

// looks lists when a schedule looks, from its first look to the first at
// or after end (the look that finds a deploy ending at end done).
func looks(first time.Duration, s schedule, end time.Duration) []time.Duration {
	at := []time.Duration{first}
	for t := first; t < end; {
		t += s.next(t)
		at = append(at, t)
	}
	return at
}

// With deploys known to take about a second, the wait looks a few times
// before the expected end and densely across it: fewer looks than Poll's own
// schedule in all, and a deploy that ends on time is seen within tens of
// milliseconds rather than within a hundred.
func TestAroundExpectedLooksDenselyNearTheEnd(t *testing.T) {
	p := DefaultPoll.withDefaults()
	around := newAroundExpected(p, time.Second)
	at := looks(around.first(), around, time.Second)
	plain := looks(0, &growing{p: p, interval: p.Initial}, time.Second)
	if len(at) >= len(plain) {
		t.Errorf("around the expected time: %d looks to see a 1s deploy end, Poll's own schedule %d; want fewer", len(at), len(plain))
	}
	var before int
	var widest time.Duration
	for i, l := range at {
		if l < around.from {
			before++
		}
		if i > 0 && at[i-1] >= around.from {
			widest = max(widest, l-at[i-1])
		}
	}
	if before > 4 {
		t.Errorf("%d looks before the dense window (%v), want at most 4: %v", before, around.from, at)
	}
	if widest == 0 || widest > 30*time.Millisecond {
		t.Errorf("widest gap between looks near the expected end is %v, want at most 30ms: %v", widest, at)
	}
	// A deploy that runs long falls back to Poll's own schedule, which
	// grows up to Max.
	late := looks(around.first(), around, 2*time.Minute)
	if gap := late[len(late)-1] - late[len(late)-2]; gap < p.Max/2 || gap > p.Max*6/5 {
		t.Errorf("gap between looks two minutes in is %v, want about Max (%v)", gap, p.Max)
	}
	// A long expected deploy never leaves more than Max between looks.
	if long := newAroundExpected(p, time.Hour); long.step > p.Max {
		t.Errorf("sparse step %v for an hour's deploy exceeds Max %v", long.step, p.Max)
	}
}

// A deploy wait teaches its client's clock how long the deploy took, and the
// next wait of the same client uses it.
func TestWaitForDeployLearnsDeployTime(t *testing.T) {
	reads := 0
	w := waiter{clock: new(deployClock), get: func(context.Context, string) (*Function, error) {
		reads++
		if reads < 3 {
			return &Function{ID: "f", Status: StatusDeploying}, nil
		}
		return &Function{ID: "f", Status: StatusRunning}, nil
	}}
	p := Poll{Initial: time.Millisecond, Fast: time.Minute, Max: time.Millisecond}
	if _, err := w.WaitForDeploy(context.Background(), "f", p); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.clock.expected(); !ok {
		t.Fatal("a deploy wait that saw the function go from Deploying to Running taught its clock nothing")
	}
	reads = 0
	if f, err := w.WaitForDeploy(context.Background(), "f", p); err != nil || f.Status != StatusRunning {
		t.Fatalf("second wait: %v, %v", f, err)
	}
	if reads != 3 {
		t.Errorf("second wait read %d times, want 3", reads)
	}
}

// A wait that started before its client knew a deploy time takes it up as
// soon as another wait has learned it.
func TestLearningSwitchesMidWait(t *testing.T) {
	p := DefaultPoll.withDefaults()
	clock := new(deployClock)
	l := &learning{p: p, clock: clock, current: &growing{p: p, interval: p.Initial}}
	if d := l.next(400 * time.Millisecond); d < p.Initial*4/5 {
		t.Fatalf("before anything is learned the wait looks again in %v, want Poll's own %v", d, p.Initial)
	}
	clock.record(time.Second)
	if d := l.next(960 * time.Millisecond); d > 30*time.Millisecond {
		t.Errorf("960ms into a wait for a deploy now known to take 1s, the next look is in %v, want the dense window's", d)
	}
}

// rethinking is a schedule that looks an hour apart until told otherwise;
// asked signals each time it is asked while it still says an hour.
type rethinking struct {
	told  chan struct{}
	asked chan struct{}
	after time.Duration
}

func (r *rethinking) next(time.Duration) time.Duration {
	select {
	case <-r.told:
		return r.after
	default:
		select {
		case r.asked <- struct{}{}:
		default:
		}
		return time.Hour
	}
}

func (r *rethinking) changed() <-chan struct{} { return r.told }

func (r *rethinking) afterChange(elapsed time.Duration) time.Duration { return r.next(elapsed) }

// A wait whose schedule changes while it waits for its next look looks as
// the new schedule says, not when the old one would have.
func TestRunLooksSoonerWhenTheScheduleChanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sched := &rethinking{told: make(chan struct{}), asked: make(chan struct{}, 1), after: time.Millisecond}
	go func() {
		<-sched.asked // the next look is an hour away
		close(sched.told)
	}()
	looks := 0
	err := DefaultPoll.run(ctx, 0, sched, func() (bool, error) {
		looks++
		return looks > 1, nil
	})
	if err != nil {
		t.Fatalf("the wait kept its hour-long step after the schedule changed: %v", err)
	}
}

// The clock's first record wakes the waits that are under way.
func TestDeployClockFirstLearnedWakes(t *testing.T) {
	clock := new(deployClock)
	l := &learning{p: DefaultPoll.withDefaults(), clock: clock, current: &growing{p: DefaultPoll, interval: DefaultPoll.Initial}}
	woken := l.changed()
	select {
	case <-woken:
		t.Fatal("woken before the clock learned anything")
	default:
	}
	clock.record(time.Second)
	clock.record(time.Second)
	select {
	case <-woken:
	default:
		t.Fatal("not woken when the clock learned a deploy time")
	}
	if d := l.afterChange(990 * time.Millisecond); d != 0 {
		t.Errorf("woken 990ms into a wait for a deploy now known to take 1s, the wait looks in %v, want at once", d)
	}
	if l.changed() != nil {
		t.Error("a schedule that has learned still waits to be woken")
	}
	var none *deployClock
	if none.firstLearned() != nil {
		t.Error("a nil clock offers a wake-up")
	}
}
