// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faults

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// maxInjectedLog bounds the log of injected faults; the oldest go first.
const maxInjectedLog = 1000

// Injected is one fault the layer injected.
type Injected struct {
	// Route is the request's route; empty for a deploy fault.
	Route string
	// Request counts the route's requests since Layer.Set, from 1; for a
	// deploy fault, it counts deploys.
	Request uint64
	Kind    Kind
	// Latency is the wait of a latency fault, the stall of a deploy stall.
	Latency time.Duration
	// FunctionID is the deploying function of a deploy fault.
	FunctionID string
	Time       time.Time
}

// Options are what the layer needs of the server it is part of.
type Options struct {
	// Now is the clock of the injected faults' log.
	Now func() time.Time
	// WriteError answers a request with an injected error, in the form of
	// the request's dialect.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, message string)
	// LogDropped enters a dropped request in the server's request log with
	// the status its handler answered; it is called before the connection
	// closes, so that a client that sees the drop finds it in the log.
	LogDropped func(r *http.Request, route string, status int, start time.Time)
	// MaxBody bounds what is read of the body of a request answered
	// without being carried out.
	MaxBody int64
}

// Layer is the fault layer of one server. It is safe for concurrent use;
// its lock is its own, so the deploy hook may be called under the server's.
type Layer struct {
	opts Options
	// routes are the contract's routes, known to the request hook; written
	// only by Wrap, while the server registers them.
	routes []string

	mu       sync.Mutex
	cfg      Config
	on       bool
	counts   map[string]uint64 // requests per route since Set
	deploys  uint64
	injected []Injected
	// failNext is the one-shot failure FailNextDeploy arms; not part of the
	// configuration, so Set and Clear leave it.
	failNext *string
}

// New returns a layer that injects nothing until Set.
func New(opts Options) *Layer {
	return &Layer{opts: opts}
}

// Set replaces the fault configuration and restarts its sequence: the same
// configuration, seed included, and the same requests give the same faults
// again. A configuration that does not validate changes nothing, and the
// error wraps its answer.FieldErrors, by the field names of its JSON form.
func (l *Layer) Set(cfg Config) error {
	cfg = cfg.clone()
	if errs := cfg.validate(l.routes); len(errs) > 0 {
		return fmt.Errorf("invalid faults: %w", errs)
	}
	if cfg.Seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		// Small enough to read, type and survive a JSON number in any tool.
		cfg.Seed = binary.BigEndian.Uint64(b[:])%(1<<31) + 1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg = cfg
	l.on = cfg.Enabled()
	l.counts = map[string]uint64{}
	l.deploys = 0
	l.injected = nil
	return nil
}

// Clear stops injecting faults and forgets those injected.
func (l *Layer) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg, l.on, l.counts, l.deploys, l.injected = Config{}, false, nil, 0, nil
}

// Config returns the fault configuration in force, with the seed it uses.
func (l *Layer) Config() Config {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg.clone()
}

// Injected returns the faults injected since Set, oldest first (the last
// 1000).
func (l *Layer) Injected() []Injected {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.injected)
}

// draw returns the random source of the n-th event of a stream (a route, or
// deploys): a function of the seed, the stream and n alone, so that what one
// route meets does not depend on how other routes interleave with it.
func (l *Layer) draw(stream string, n uint64) *mathrand.Rand {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, l.cfg.Seed)
	b.WriteString(stream)
	b.WriteByte(0)
	_ = binary.Write(&b, binary.BigEndian, n)
	return mathrand.New(mathrand.NewChaCha8(sha256.Sum256(b.Bytes())))
}

func (l *Layer) recordLocked(fault Injected) {
	if len(l.injected) >= maxInjectedLog {
		l.injected = append(l.injected[:0], l.injected[len(l.injected)-maxInjectedLog+1:]...)
	}
	l.injected = append(l.injected, fault)
}
