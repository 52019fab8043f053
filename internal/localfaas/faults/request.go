// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faults

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/answer"
)

// Wrap is the request hook: it makes h, the handler of a route of the
// contract in either dialect, meet the faults the configuration draws for
// the route, and makes the route's name one a Rule may name. The server
// wraps each route once, before it serves.
func (l *Layer) Wrap(route string, h http.HandlerFunc) http.HandlerFunc {
	l.routes = append(l.routes, route)
	return func(w http.ResponseWriter, r *http.Request) {
		fault, cfg, ok := l.decide(route)
		if !ok {
			h(w, r)
			return
		}
		where := fmt.Sprintf("seed %d, request %d of %s", cfg.Seed, fault.Request, route)
		switch fault.Kind {
		case Latency:
			wait(r, fault.Latency)
			h(w, r)
		case Drop:
			l.dropAfter(w, r, route, h)
		case RateLimited:
			l.drain(w, r)
			seconds := int64(math.Ceil(cfg.RetryAfter.Seconds()))
			w.Header().Set("Retry-After", strconv.FormatInt(seconds, 10))
			l.opts.WriteError(w, r, http.StatusTooManyRequests, fmt.Sprintf(
				"too many requests (fault injected by e2e-faas-local, %s); nothing was done; retry after %d s", where, seconds))
		default:
			l.drain(w, r)
			status, _ := strconv.Atoi(string(fault.Kind))
			l.opts.WriteError(w, r, status, fmt.Sprintf(
				"%s (fault injected by e2e-faas-local, %s); nothing was done", http.StatusText(status), where))
		}
	}
}

// decide counts a request of the route and draws its fault, if any.
func (l *Layer) decide(route string) (Injected, Config, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.on {
		return Injected{}, Config{}, false
	}
	rule, ok := l.cfg.Routes[route]
	if !ok {
		rule = Rule{Rate: l.cfg.Rate, Kinds: l.cfg.Kinds}
	}
	l.counts[route]++
	n := l.counts[route]
	rng := l.draw(route, n)
	if rng.Float64() >= rule.Rate {
		return Injected{}, Config{}, false
	}
	kinds := rule.Kinds
	if len(kinds) == 0 {
		kinds = requestKinds
	}
	fault := Injected{Route: route, Request: n, Kind: kinds[rng.IntN(len(kinds))], Time: l.opts.Now()}
	if fault.Kind == Latency {
		lat := l.cfg.Latency
		fault.Latency = lat.Min + time.Duration(rng.Int64N(int64(lat.Max-lat.Min)+1))
	}
	l.recordLocked(fault)
	return fault, l.cfg, true
}

// wait sleeps d, or until the client gives up.
func wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// drain reads the request body a fault answers without carrying out, as a
// real server behind a proxy would, so that the client reads the answer
// rather than a reset from a half-sent body.
func (l *Layer) drain(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, l.opts.MaxBody))
}

// dropAfter carries the request out, then closes the connection without a
// word: the change is made, and the client sees a transport error.
//
// The request log gets the request's own status, and gets it before the
// connection closes, so that a client that sees the drop also finds it in
// the log. The handler then aborts with http.ErrAbortHandler, so that the
// server does not log it again; where the writer cannot give up its
// connection (HTTP/2, or a wrapper that buffers, such as a test's contract
// checker), that abort is what resets the stream or closes the connection
// unanswered.
func (l *Layer) dropAfter(w http.ResponseWriter, r *http.Request, route string, h http.HandlerFunc) {
	start := l.opts.Now()
	lost := answer.Discard() // the answer a dropped connection never delivers
	h(lost, r)
	l.opts.LogDropped(r, route, lost.Status(), start)
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
	panic(http.ErrAbortHandler)
}
