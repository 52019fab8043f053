// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// limitFlags bound what a client can hold of the server: time, connections,
// and how long a shutdown may take.
type limitFlags struct {
	readHeader, read, write, idle time.Duration
	maxConns                      int
	shutdown                      time.Duration
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
	fs.IntVar(&l.maxConns, "max-conns", 0, fmt.Sprintf("most client connections open at once; past it the longest idle one is closed for a new one (default %d, or half the open-file limit when that is lower)", defaultMaxConns))
	fs.DurationVar(&l.shutdown, "shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, longest the server waits for calls in flight and for the functions to stop before it cuts them")
	return l
}

func (l *limitFlags) check() error {
	for name, d := range map[string]time.Duration{"-read-header-timeout": l.readHeader, "-read-timeout": l.read, "-write-timeout": l.write, "-idle-timeout": l.idle, "-shutdown-timeout": l.shutdown} {
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
	return &connLimiter{Listener: ln, max: l.maxConns, conns: map[net.Conn]*connEntry{}, freed: make(chan struct{}), closing: make(chan struct{})}
}

func (l *limitFlags) server(h http.Handler, ln *connLimiter) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		ConnState:         ln.connState,
	}
}

// connLimiter caps the connections open at once. Past the cap, a new
// connection closes the one idle longest (one that has sent nothing yet, or
// a keep-alive connection between requests), so that clients holding
// connections open cannot keep a new one waiting; only when every
// connection is busy with a request does Accept wait for one to end.
// golang.org/x/net/netutil.LimitListener only waits, so idle connections
// would keep new clients out until their timeouts.
type connLimiter struct {
	net.Listener
	max int

	mu        sync.Mutex
	conns     map[net.Conn]*connEntry // the connections accepted and not closed
	freed     chan struct{}           // closed, and replaced, when a connection ends
	closing   chan struct{}
	closeOnce sync.Once
}

type connEntry struct {
	idle  bool // new, or idle between requests
	since time.Time
}

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
		var victim net.Conn
		var oldest time.Time
		for vc, e := range l.conns {
			if e.idle && (victim == nil || e.since.Before(oldest)) {
				victim, oldest = vc, e.since
			}
		}
		if victim != nil {
			delete(l.conns, victim)
			l.mu.Unlock()
			_ = victim.Close()
			continue
		}
		freed := l.freed
		l.mu.Unlock()
		select {
		case <-freed:
		case <-l.closing:
			_ = c.Close()
			return nil, net.ErrClosed
		}
	}
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
		e.idle, e.since = true, time.Now()
	case http.StateActive:
		e.idle = false
	case http.StateHijacked, http.StateClosed:
		delete(l.conns, c)
		close(l.freed)
		l.freed = make(chan struct{})
	}
}
