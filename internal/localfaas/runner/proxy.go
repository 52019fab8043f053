// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// The proxy: an instance answers a call by sending it to one of its
// workers, chosen round robin, and copying the answer back; a call that
// takes longer than the function's timeout gets 504 and its worker is
// replaced. supervisor.go starts, watches, restarts and stops the workers.

const (
	// maxRequestBody bounds what a caller may send to a function; the
	// request is held in memory so that it can go to another worker when the
	// first one turns out to be dead.
	maxRequestBody = 32 << 20
	// crashGrace is how long a call that lost its connection waits to learn
	// whether the worker died.
	crashGrace = 500 * time.Millisecond
)

// hopHeaders are not forwarded (RFC 9110, section 7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func forwardable(h http.Header) http.Header {
	out := h.Clone()
	for _, f := range out.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			out.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range hopHeaders {
		out.Del(name)
	}
	return out
}

// ServeHTTP sends the request to a worker and copies its answer.
func (inst *instance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d MB", maxRequestBody>>20))
		}
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), inst.spec.Timeout)
	defer cancel()
	timedOut := func() bool { return r.Context().Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) }
	for {
		p, err := inst.pick(ctx)
		switch {
		case timedOut():
			inst.timeout(w, r, nil)
			return
		case errors.Is(err, errStopped):
			writeError(w, http.StatusServiceUnavailable, "this version of the function was stopped; retry")
			return
		case err != nil:
			return // the caller went away
		}
		out, err := http.NewRequestWithContext(ctx, r.Method, p.url+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		out.Header = forwardable(r.Header)
		out.Host = r.Host
		resp, err := inst.transport.RoundTrip(out)
		if err != nil {
			var op *net.OpError
			switch {
			case timedOut():
				inst.timeout(w, r, p)
			case r.Context().Err() != nil:
			case errors.As(err, &op) && op.Op == "dial":
				inst.discard(p) // it never got the request: try another
				continue
			default:
				// A worker that crashed resets its connections a moment
				// before it can be reaped: wait that moment, so that the
				// next call waits for its restart rather than meeting its
				// socket on the way out.
				select {
				case <-p.exited:
					inst.discard(p)
				case <-time.After(crashGrace):
				}
				inst.spec.Log("stderr", fmt.Sprintf("%s %s: the worker did not answer (%v); the caller got 502", r.Method, r.URL.Path, err))
				writeError(w, http.StatusBadGateway, "the function's worker did not answer (it may have crashed; it is restarted): "+err.Error())
			}
			return
		}
		for k, v := range forwardable(resp.Header) {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, err = io.Copy(w, resp.Body)
		_ = resp.Body.Close()
		if err != nil && timedOut() {
			inst.spec.Log("stderr", fmt.Sprintf("%s %s: timed out after %s (timeout_seconds) while answering; the answer was cut", r.Method, r.URL.Path, inst.spec.Timeout))
		}
		return
	}
}

// timeout answers 504. When the call was with worker p, the handler is
// still running there: p is killed, with what it started, and replaced.
func (inst *instance) timeout(w http.ResponseWriter, r *http.Request, p *process) {
	msg := fmt.Sprintf("%s %s: timed out after %s (timeout_seconds); the caller got 504", r.Method, r.URL.Path, inst.spec.Timeout)
	if p != nil && inst.retire(p, "a call to it timed out") {
		msg += fmt.Sprintf("; its worker %d (pid %d) is killed and replaced", p.index+1, p.cmd.Process.Pid)
	}
	inst.spec.Log("stderr", msg)
	writeError(w, http.StatusGatewayTimeout, fmt.Sprintf("the function did not answer within %s (timeout_seconds)", inst.spec.Timeout))
}

// writeError answers in the form of the API's errors.
func writeError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(struct {
		Code    int      `json:"code"`
		Message string   `json:"message"`
		Errors  struct{} `json:"errors"`
	}{Code: status, Message: message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
