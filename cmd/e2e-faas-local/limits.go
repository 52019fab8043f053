// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// limitFlags bound what a client can hold of the server: time, connections,
// and how long a shutdown may take.
type limitFlags struct {
	readHeader, read, write, idle, stall time.Duration
	maxConns                             int
	shutdown                             time.Duration
}

// defaultMaxConns caps connections where the open-file limit allows more;
// a lower limit caps them at half of it (see openFileLimit).
const defaultMaxConns = 512

func addLimitFlags(fs *flag.FlagSet) *limitFlags {
	l := &limitFlags{}
	fs.DurationVar(&l.readHeader, "read-header-timeout", 10*time.Second, "longest a client may take to send a request's headers")
	// On loopback a 50 MB code archive arrives in well under a second; two
	// minutes leave room for a slow link with -allow-remote (about 3.5
	// Mbit/s) while a client that sends headers and no body is dropped.
	fs.DurationVar(&l.read, "read-timeout", 2*time.Minute, "longest a client may take to send a whole request, body included")
	// The response of a function call comes after the call, which may take
	// up to timeout_seconds (900 s at most) after the request was read.
	fs.DurationVar(&l.write, "write-timeout", 18*time.Minute, "longest from a request's headers to the end of its answer; keep it above -read-timeout plus the longest function call (timeout_seconds, up to 900s)")
	fs.DurationVar(&l.idle, "idle-timeout", time.Minute, "longest a keep-alive connection may stay idle between requests")
	fs.DurationVar(&l.stall, "stall-timeout", 30*time.Second, "longest the server waits on a client that sends no more of a request it has begun (its body): the connection is then closed")
	fs.IntVar(&l.maxConns, "max-conns", 0, fmt.Sprintf("most client connections open at once; past it the longest idle one, else one whose request has stalled for a second, is closed for a new one (default %d, or half the open-file limit when that is lower)", defaultMaxConns))
	fs.DurationVar(&l.shutdown, "shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, longest the server waits for calls in flight and for the functions to stop before it cuts them")
	return l
}

func (l *limitFlags) check() error {
	for name, d := range map[string]time.Duration{"-read-header-timeout": l.readHeader, "-read-timeout": l.read, "-write-timeout": l.write, "-idle-timeout": l.idle, "-stall-timeout": l.stall, "-shutdown-timeout": l.shutdown} {
		if d <= 0 {
			return fmt.Errorf("%s %s: it must be above 0", name, d)
		}
	}
	if l.maxConns < 0 {
		return fmt.Errorf("-max-conns %d: it must be 0 (the default) or above", l.maxConns)
	}
	if l.maxConns == 0 {
		l.maxConns = defaultMaxConns
		if n := openFileLimit() / 2; n > 0 && n < l.maxConns {
			l.maxConns = max(n, 8)
		}
	}
	return nil
}

func (l *limitFlags) listener(ln net.Listener) *connLimiter {
	return &connLimiter{
		Listener: ln, max: l.maxConns, stallTimeout: l.stall, stalledAfter: min(l.stall, stalledAfter),
		conns: map[net.Conn]*connEntry{}, freed: make(chan struct{}), closing: make(chan struct{}),
	}
}

func (l *limitFlags) server(h http.Handler, ln *connLimiter) *http.Server {
	return &http.Server{
		Handler:           ln.follow(h),
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		ConnState:         ln.connState,
		ConnContext:       func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
	}
}

// stalledAfter is how long, when connections are at -max-conns and none is
// idle, a request may have kept the server waiting for more of it before its
// connection is closed for a new one.
const stalledAfter = time.Second

// connLimiter caps the connections open at once. Past the cap, a new
// connection closes the one idle longest (one that has sent nothing yet, or
// a keep-alive connection between requests), else the one whose request
// has kept the server waiting longest, past stalledAfter (a body begun and
// not sent), so that clients holding connections open cannot keep a new one
// waiting; only when every connection is busy with a request that is not
// waiting on its client does Accept wait for one to end.
// golang.org/x/net/netutil.LimitListener only waits, so idle or stalled
// connections would keep new clients out until their timeouts.
//
// Apart from the cap, a request that keeps the server waiting for
// stallTimeout has its connection closed (-read-timeout bounds the whole
// request, so a body that trickles in slowly still has until then).
type connLimiter struct {
	net.Listener
	max          int
	stallTimeout time.Duration
	stalledAfter time.Duration

	mu        sync.Mutex
	conns     map[net.Conn]*connEntry // the connections accepted and not closed
	freed     chan struct{}           // closed, and replaced, when a connection ends
	closing   chan struct{}
	closeOnce sync.Once
}

type connEntry struct {
	idle  bool // new, or idle between requests
	since time.Time
	// waiting is since when the server has been waiting on the client for
	// more of the request it serves; zero when it is not (the handler
	// works, or the connection is idle).
	waiting time.Time
	stall   *time.Timer // closes the connection after stallTimeout of waiting
}

// connKey is the context key of a request's connection.
type connKey struct{}

func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	for {
		l.mu.Lock()
		if len(l.conns) < l.max {
			l.conns[c] = &connEntry{idle: true, since: time.Now()}
			l.mu.Unlock()
			return c, nil
		}
		victim, recheck := l.victimLocked(time.Now())
		if victim != nil {
			l.dropLocked(victim)
			l.mu.Unlock()
			_ = victim.Close()
			continue
		}
		freed := l.freed
		l.mu.Unlock()
		timer := time.NewTimer(recheck)
		select {
		case <-freed:
		case <-timer.C:
		case <-l.closing:
			timer.Stop()
			_ = c.Close()
			return nil, net.ErrClosed
		}
		timer.Stop()
	}
}

// victimLocked is the connection to close for a new one: the one idle
// longest, else the one whose request has kept the server waiting longest,
// if past stalledAfter. Without one, recheck is how soon one may be.
func (l *connLimiter) victimLocked(now time.Time) (victim net.Conn, recheck time.Duration) {
	var oldest time.Time
	for c, e := range l.conns {
		if e.idle && (victim == nil || e.since.Before(oldest)) {
			victim, oldest = c, e.since
		}
	}
	if victim != nil {
		return victim, 0
	}
	recheck = l.stalledAfter
	for c, e := range l.conns {
		if e.waiting.IsZero() {
			continue
		}
		if now.Sub(e.waiting) >= l.stalledAfter && (victim == nil || e.waiting.Before(oldest)) {
			victim, oldest = c, e.waiting
		}
		recheck = min(recheck, l.stalledAfter-now.Sub(e.waiting))
	}
	return victim, max(recheck, time.Millisecond)
}

// dropLocked forgets a connection that is closed, or about to be.
func (l *connLimiter) dropLocked(c net.Conn) {
	if e := l.conns[c]; e != nil && e.stall != nil {
		e.stall.Stop()
	}
	delete(l.conns, c)
}

func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.closing) })
	err := l.Listener.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// connState follows the connections through http.Server.ConnState.
func (l *connLimiter) connState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.conns[c]
	if e == nil {
		return // closed to make room
	}
	switch state {
	case http.StateNew, http.StateIdle:
		e.idle, e.since, e.waiting = true, time.Now(), time.Time{}
	case http.StateActive:
		e.idle, e.waiting = false, time.Time{}
	case http.StateHijacked, http.StateClosed:
		l.dropLocked(c)
		close(l.freed)
		l.freed = make(chan struct{})
	}
}

// follow lets the limiter see when a request keeps the server waiting on
// its client: while the handler reads its body, and after the handler
// returns, until the connection is idle again (the server reads the rest
// of the request, or the client the rest of the answer).
func (l *connLimiter) follow(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		if c == nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &followedBody{ReadCloser: r.Body, l: l, c: c}
		}
		next.ServeHTTP(w, r)
		l.wait(c)
	})
}

// followedBody is a request body whose reads the limiter follows: a read
// that blocks is the server waiting on the client.
type followedBody struct {
	io.ReadCloser
	l *connLimiter
	c net.Conn
}

func (b *followedBody) Read(p []byte) (int, error) {
	b.l.wait(b.c)
	n, err := b.ReadCloser.Read(p)
	if n > 0 || err != nil {
		b.l.progress(b.c)
	}
	return n, err
}

// wait notes that the server now waits on c's client, and arms the stall
// timeout.
func (l *connLimiter) wait(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.conns[c]
	if e == nil || !e.waiting.IsZero() {
		return
	}
	e.waiting = time.Now()
	if e.stall == nil {
		e.stall = time.AfterFunc(l.stallTimeout, func() { l.checkStall(c) })
	} else {
		e.stall.Reset(l.stallTimeout)
	}
}

// progress notes that c's client sent more: the server no longer waits.
func (l *connLimiter) progress(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.conns[c]; e != nil {
		e.waiting = time.Time{}
	}
}

// checkStall closes c if its client has kept the server waiting for
// stallTimeout; a wait that began later has a timer of its own.
func (l *connLimiter) checkStall(c net.Conn) {
	l.mu.Lock()
	e := l.conns[c]
	stalled := e != nil && !e.waiting.IsZero() && time.Since(e.waiting) >= l.stallTimeout
	l.mu.Unlock()
	if stalled {
		_ = c.Close()
	}
}
