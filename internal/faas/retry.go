// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// What is retried, and after how long. The retrying HTTP client asks
// checkRetry after every attempt and backoff for the wait before the next;
// a request's retryPolicy, in its context, says whether the server may have
// acted on it. Retry-After from the server is honoured up to
// Config.RetryAfterMax (DESIGN.md#waits-and-retries).

type retryPolicyKey struct{}

// retryPolicy says which failures of one request may be retried.
type retryPolicy struct {
	// idempotent requests are retried on 5xx and on any transport error; the
	// others only where the server cannot have acted (429, refused connection).
	idempotent bool
	attempts   *int
	// enveloped: the dialect reports failures in the body's envelope code,
	// under any HTTP status (myaccount); the retry rule then reads the code
	// as it reads the HTTP status.
	enveloped bool
	// bodyStatus is the failure code the last answer's envelope reported,
	// 0 for none.
	bodyStatus int
	// reached: some attempt got an answer or failed after a connection was
	// made, so the server may have acted on the request even if the last
	// attempt never reached it.
	reached bool
}

func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	policy, _ := ctx.Value(retryPolicyKey{}).(*retryPolicy)
	if policy != nil {
		*policy.attempts++
		if err == nil || !neverReached(err) {
			policy.reached = true
		}
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	idempotent := policy == nil || policy.idempotent
	if err != nil {
		if idempotent {
			return true, nil
		}
		return neverSent(err), nil
	}
	switch status := answerStatus(resp); {
	case status == http.StatusTooManyRequests:
		return true, nil
	case status >= 500 && status != http.StatusNotImplemented:
		return idempotent, nil
	}
	return false, nil
}

// maxEnvelopePeek bounds what the retry rule reads of a success answer to
// find its envelope's code: an answer that reports a failure has no data,
// so one longer than this is not one.
const maxEnvelopePeek = 1 << 20

// answerStatus is the status an answer reports: its HTTP status or, in a
// dialect that reports failures in the body (retryPolicy.enveloped), the
// envelope's code when that says failure. The body read to learn it is put
// back for the caller, and the status kept for the backoff that follows
// (which sees the answer once its body is drained).
func answerStatus(resp *http.Response) int {
	policy := policyOf(resp)
	if policy == nil || !policy.enveloped || resp.StatusCode >= 400 || resp.Body == nil {
		return resp.StatusCode
	}
	policy.bodyStatus = 0
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxEnvelopePeek+1))
	orig := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), orig), orig}
	if err != nil || len(head) > maxEnvelopePeek {
		return resp.StatusCode
	}
	var env struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(head, &env) != nil {
		return resp.StatusCode
	}
	if code, ok := envelopeCode(env.Code); ok && code >= 400 {
		policy.bodyStatus = code
		return code
	}
	return resp.StatusCode
}

func policyOf(resp *http.Response) *retryPolicy {
	if resp == nil || resp.Request == nil {
		return nil
	}
	policy, _ := resp.Request.Context().Value(retryPolicyKey{}).(*retryPolicy)
	return policy
}

// statusOf is the status answerStatus found for the answer.
func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	if policy := policyOf(resp); policy != nil && policy.bodyStatus != 0 && resp.StatusCode < 400 {
		return policy.bodyStatus
	}
	return resp.StatusCode
}

// neverSent reports whether a transport error happened before the request
// could reach the server, so retrying a non-idempotent request is safe.
func neverSent(err error) bool {
	if errors.Is(err, errNotSent) {
		return true
	}
	return neverReached(err)
}

// neverReached reports whether a transport error happened before a
// connection to the server was made: refused, timed out while connecting,
// or a host name that does not resolve.
func neverReached(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// backoff is capped exponential backoff with full jitter, or the server's
// Retry-After when it sends one.
func (c *core) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if status := statusOf(resp); status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After")); ok {
			if d > c.cfg.RetryAfterMax {
				d = c.cfg.RetryAfterMax
			}
			return d + time.Duration(rand.Int64N(int64(retryAfterSpread(minWait, d))+1))
		}
	}
	ceiling := float64(minWait) * float64(uint64(1)<<min(attempt, 30))
	if ceiling > float64(maxWait) {
		ceiling = float64(maxWait)
	}
	// Half fixed, half random: never hammers, never waits more than the cap.
	half := int64(ceiling / 2)
	return time.Duration(half + rand.Int64N(half+1))
}

// retryAfterSpread is the most jitter added to a Retry-After the server
// sent: enough that clients told the same moment do not return in
// lockstep (a tenth of the shortest backoff, plus a hundredth of the wait
// told), small enough that obeying "Retry-After: 0" costs no more than a
// few tens of milliseconds (BENCHMARKS.md, apply under 429s).
func retryAfterSpread(minWait, told time.Duration) time.Duration {
	return minWait/10 + told/100
}

func parseRetryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && s >= 0 {
		// Beyond this many seconds time.Duration overflows to a negative wait.
		const maxSeconds = int64(math.MaxInt64 / time.Second)
		return time.Duration(min(s, maxSeconds)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// ambiguous reports whether the server may have carried out a request that
// failed.
func ambiguous(err error) bool {
	if errors.Is(err, errUnreadableAnswer) {
		return true
	}
	var transport *TransportError
	if errors.As(err, &transport) {
		return transport.reached || !neverSent(transport.cause)
	}
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode >= 500 && apiErr.StatusCode != http.StatusNotImplemented
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
