// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/answer"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner"
)

const invokePrefix = "/faas/function/v1/"

// Runner runs deployed functions; *runner.Runner is the implementation.
type Runner interface {
	// Runs returns nil when functions of the runtime and template can run
	// here, else why not.
	Runs(runtime, template string) error
	// Start prepares and starts a version, returning once it answers or
	// with why it cannot.
	Start(ctx context.Context, spec runner.Spec) (runner.Deployment, error)
}

// deployment is one version being started by the runner, or answering.
type deployment struct {
	cancel context.CancelFunc
	// Set when the start ends, under the server's lock.
	done   bool
	doneAt time.Time
	inst   runner.Deployment
	err    error
	// inflight counts the invocations using inst; it is only incremented
	// under the server's lock while the deployment is its function's live
	// one, so a retired deployment drains before it stops.
	inflight sync.WaitGroup
}

// runState is the server's part in running functions.
type runState struct {
	closed bool // by Close: nothing more is run
	// bg counts the goroutines that start and stop deployments.
	bg sync.WaitGroup
}

// invocations are what the metrics endpoint reports beyond the count.
type invocations struct {
	calls, errors int64
	total         time.Duration
	last          time.Time
}

// startRunLocked has the runner start the version startDeployLocked began;
// the deploy is Running once it is ready (see advanceLocked).
func (s *Server) startRunLocked(rec *record) {
	if s.opts.Runner == nil || s.run.closed {
		return
	}
	s.endRunsLocked(rec, true) // a start in flight is superseded
	if rec.deployErr != "" || s.opts.Runner.Runs(rec.fn.Runtime, rec.fn.Template) != nil {
		return // fails anyway, or deploys as the API says without running
	}
	f := &rec.fn
	env := maps.Clone(f.Environment)
	if env == nil {
		env = map[string]string{}
	}
	for _, name := range f.Secrets {
		if sec := s.secrets[secretKey{f.Namespace, name}]; sec != nil {
			env[name] = sec.value
		}
	}
	id := f.ID
	spec := runner.Spec{
		Name: f.Name, Namespace: f.Namespace, Version: f.Version,
		Runtime: f.Runtime, Template: f.Template, Handler: f.HandlerFunction,
		Archive: f.CodeArchive, Requirements: f.Requirements, Env: env,
		Timeout:  time.Duration(f.Config.TimeoutSeconds) * time.Second,
		MemoryMB: f.Config.MemoryMB, Replicas: f.Config.Replicas,
		Log: func(stream, message string) { s.appendLog(id, stream, message) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &deployment{cancel: cancel}
	rec.next = d
	s.run.bg.Add(1)
	go func() {
		defer s.run.bg.Done()
		defer cancel()
		inst, err := s.opts.Runner.Start(ctx, spec)
		s.mu.Lock()
		defer s.mu.Unlock()
		if cur := s.functions[id]; cur == nil || cur.next != d {
			if inst != nil { // superseded, deleted or closed meanwhile
				s.retireLocked(&deployment{inst: inst})
			}
			return
		}
		now := s.now()
		d.done, d.doneAt, d.inst, d.err = true, now, inst, err
		s.advanceLocked(now)
	}()
}

// finishRunLocked settles the runner's part of a deploy that ends: the new
// version replaces the live one, or, when the deploy fails, nothing serves.
func (s *Server) finishRunLocked(rec *record) {
	d := rec.next
	rec.next = nil
	if d != nil && d.err != nil && rec.deployErr == "" {
		rec.deployErr = d.err.Error()
	}
	old := rec.live
	rec.live = nil
	if rec.deployErr == "" && d != nil {
		rec.live = d
	} else if d != nil {
		s.retireLocked(d)
	}
	s.retireLocked(old)
}

// endRunsLocked cancels the start in flight and, unless keepLive, stops the
// live version too.
func (s *Server) endRunsLocked(rec *record, keepLive bool) {
	if d := rec.next; d != nil {
		rec.next = nil
		d.cancel()
		if d.done {
			s.retireLocked(d)
		}
	}
	if !keepLive {
		s.retireLocked(rec.live)
		rec.live = nil
	}
}

// retireLocked stops a deployment once its invocations have finished; it
// never blocks, as stopping waits for log lines that need the lock.
func (s *Server) retireLocked(d *deployment) {
	if d == nil || d.inst == nil {
		return
	}
	inst := d.inst
	d.inst = nil
	s.run.bg.Add(1)
	go func() {
		defer s.run.bg.Done()
		d.inflight.Wait()
		inst.Stop()
	}()
}

// appendLog adds a line of a function's workers to its log.
func (s *Server) appendLog(id, stream, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.functions[id]; rec != nil {
		rec.log(s.now(), stream, "%s", message)
	}
}

// Close stops every function's processes and waits for them to end. The
// server answers on, but runs nothing more.
func (s *Server) Close() {
	s.mu.Lock()
	s.run.closed = true
	for _, rec := range s.functions {
		s.endRunsLocked(rec, false)
	}
	s.mu.Unlock()
	s.run.bg.Wait()
}

// invoke answers /faas/function/v1/<name>.<namespace>/...: the function's
// live version answers, or why it cannot.
func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	nameRoute(r, "invoke")
	target := r.PathValue("target")
	name, ns, _ := strings.Cut(target, ".")
	start := time.Now()

	s.mu.Lock()
	s.advanceLocked(s.now())
	rec := s.findByNameLocked(ns, name)
	if rec == nil || rec.fn.Status == StatusDeleting {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, fmt.Sprintf("no function %q in namespace %q", name, ns), nil)
		return
	}
	id, live := rec.fn.ID, rec.live
	var inst runner.Deployment
	var status int
	var message string
	if live != nil {
		inst = live.inst // retireLocked clears it, once this call has started
		live.inflight.Add(1)
	} else if status, message = s.unavailableLocked(rec); status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	s.mu.Unlock()

	sw := answer.Wrap(w)
	if live != nil {
		rest := strings.TrimPrefix(r.URL.EscapedPath(), invokePrefix+target)
		forward := r.Clone(r.Context())
		forward.URL = &url.URL{Path: "/", RawQuery: r.URL.RawQuery}
		if p, err := url.PathUnescape(rest); err == nil && strings.HasPrefix(rest, "/") {
			forward.URL.Path, forward.URL.RawPath = p, rest
		}
		inst.ServeHTTP(sw, forward)
		live.inflight.Done()
	} else {
		writeError(sw, status, message, nil)
	}
	s.recordInvocation(id, sw.Status(), time.Since(start))
}

// unavailableLocked says why a function without a live version cannot
// answer.
func (s *Server) unavailableLocked(rec *record) (int, string) {
	f := &rec.fn
	switch {
	case s.opts.Runner == nil:
		return http.StatusNotImplemented, "this e2e-faas-local does not run functions (it was started with -run=false)"
	case f.Status == StatusFailed:
		return http.StatusServiceUnavailable, fmt.Sprintf("function %q is Failed: %s", f.Name, f.ErrorMessage)
	}
	if err := s.opts.Runner.Runs(f.Runtime, f.Template); err != nil {
		return http.StatusNotImplemented, err.Error()
	}
	switch {
	case s.run.closed:
		return http.StatusServiceUnavailable, "the server is shutting down"
	case f.Status == StatusDeploying:
		return http.StatusServiceUnavailable, fmt.Sprintf("function %q is Deploying %s; retry when it is Running", f.Name, f.Version)
	}
	return http.StatusServiceUnavailable, fmt.Sprintf("function %q has no running workers (its status was set out of band); redeploy it", f.Name)
}

func (s *Server) recordInvocation(id string, status int, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.functions[id]
	if rec == nil {
		return
	}
	rec.fn.InvocationCount++
	rec.invocations.calls++
	rec.invocations.total += took
	rec.invocations.last = s.now()
	if status >= 500 {
		rec.invocations.errors++
	}
}
