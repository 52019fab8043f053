// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. An *APIError matches the one for its status.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrUnauthorized = errors.New("unauthorized")
	ErrRateLimited  = errors.New("rate limited")
	ErrServer       = errors.New("server error")
	// ErrUnsupported is a call the dialect has no endpoint for.
	ErrUnsupported = errors.New("not supported by this API dialect")
)

// APIError is an error answer of the API.
type APIError struct {
	StatusCode int
	Method     string
	// Path is the request path relative to the API base, never with the query
	// string (which holds the API key).
	Path       string
	Message    string
	Fields     map[string][]string
	RetryAfter time.Duration
	// Attempts is the number of attempts the request made, retries
	// included; 0 when the error was not an answer to one request.
	Attempts int
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if len(e.Fields) > 0 {
		b.WriteString(" (")
		b.WriteString(e.FieldSummary())
		b.WriteString(")")
	}
	return b.String()
}

// FieldSummary renders the per-field problems as "field: problem; ...",
// sorted by field.
func (e *APIError) FieldSummary() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+strings.Join(e.Fields[k], ", "))
	}
	return strings.Join(parts, "; ")
}

// Is maps the status code to the sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// IsNotFound reports whether err is the API's own not-found: a 404 in the
// dialect's answer format, from an endpoint whose other routes answer as
// that API (GetFunction and FindFunction check that before they say so). A
// 404 that is not the API's is a *ForeignAnswerError, which does not match.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// ForeignAnswerError is an answer that is not the E2E API's in the
// client's dialect: a 404 without the dialect's error format (an HTML page,
// a MyAccount answer without its envelope), or a not-found from an endpoint
// whose other routes are not found either. The endpoint is then mistyped,
// another API's, or of the other dialect: nothing can be concluded about
// the function, which must not be taken for gone.
type ForeignAnswerError struct {
	Method string
	// Path is relative to Endpoint, never with the query string.
	Path     string
	Status   int
	Dialect  Dialect
	Endpoint string
	// Why says what was not the API's.
	Why string
}

func (e *ForeignAnswerError) Error() string {
	return fmt.Sprintf("%s %s: the answer (HTTP %d) is not the E2E FaaS API's in the %s dialect: %s; the endpoint %s "+
		"may be mistyped, another API's, or speak the other dialect", e.Method, e.Path, e.Status, e.Dialect, e.Why, e.Endpoint)
}

// IsForeignAnswer reports whether err is an answer that is not the API's.
func IsForeignAnswer(err error) bool {
	var f *ForeignAnswerError
	return errors.As(err, &f)
}

// IsUnreachable reports whether err is a request that never reached the
// server (a refused connection, a host name that does not resolve): nothing
// was carried out, and the endpoint is likely wrong or down.
func IsUnreachable(err error) bool {
	var t *TransportError
	return errors.As(err, &t) && t.NeverReached()
}

// IsConflict reports whether err is the API's 409.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// TransportError is a request that got no HTTP answer (connection refused,
// reset, timeout). Its text never holds the request URL's query string.
type TransportError struct {
	Method string
	Path   string
	// Endpoint is the API base the request was sent to.
	Endpoint string
	// Attempts made before giving up.
	Attempts int
	// reached: an earlier attempt reached the server (retryPolicy.reached).
	reached bool
	msg     string
	cause   error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %s (after %d attempt(s))", e.Method, e.Path, e.msg, e.Attempts)
}

// NeverReached reports whether the request never reached the server: every
// attempt failed before a connection was made (refused, or a name that does
// not resolve), so nothing was carried out. One attempt that reached it
// (an answer, or a connection cut short) makes the outcome unknown, however
// the last attempt failed.
func (e *TransportError) NeverReached() bool { return !e.reached && neverReached(e.cause) }

// Unwrap gives the cause for errors.Is checks such as context.Canceled. Its
// text may hold the URL: print the TransportError, not the cause.
func (e *TransportError) Unwrap() error { return e.cause }

// FailedError is a deploy that ended in the Failed status.
type FailedError struct {
	Function *Function
}

func (e *FailedError) Error() string {
	msg := e.Function.ErrorMessage
	if msg == "" {
		msg = "the API gave no error_message"
	}
	f := e.Function
	var id, version string
	if f.ID != "" && f.ID != f.Name {
		id = " (id " + f.ID + ")"
	}
	if f.Version != "" {
		version = " version " + f.Version
	}
	return fmt.Sprintf("function %q%s failed to deploy%s: %s", f.Name, id, version, msg)
}

// NameTakenError is a create refused because a function of that name exists
// that this client did not create: it should be imported, not created again.
// Existing is that function as far as it could be read; under myaccount at
// least its ID and Name, which are the same.
type NameTakenError struct {
	Name     string
	Existing *Function
	Cause    error
}

func (e *NameTakenError) Error() string {
	var where, id string
	if e.Existing != nil && e.Existing.Namespace != "" {
		where = " in namespace " + e.Existing.Namespace
	}
	if e.Existing != nil && e.Existing.ID != "" && e.Existing.ID != e.Name {
		id = " (id " + e.Existing.ID + ")"
	}
	return fmt.Sprintf("a function named %q already exists%s%s and was not created by this request", e.Name, where, id)
}

// Unwrap gives the API's answer, so IsConflict holds.
func (e *NameTakenError) Unwrap() error { return e.Cause }
