// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// What an answer's body says, in each dialect: faas-v1 answers bare or in
// E2E's envelope {"code", "data", "errors", "message"}; myaccount always in
// the envelope, whose code may say failure under an HTTP 200. A failed
// answer's body becomes an *APIError, scrubbed; a success body that is not
// the JSON expected, an unreadableError.

// do sends a faas-v1 request and decodes a success body (enveloped or bare)
// into out, which may be nil. A 404 is the API's only in its error format
// (internal/api/openapi.yaml's Error: an object with a numeric code and a
// message); any other 404 is a *ForeignAnswerError.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	ans, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	if ans.status >= 300 {
		if ans.status == http.StatusNotFound && !isErrorObject(ans.body, false) {
			return c.foreign(r, ans.status, "a 404 without the API's error object {code, message}")
		}
		message, fields := c.errorText(r, ans.body)
		return c.apiError(r, ans, ans.status, message, fields)
	}
	if code, ok := failureCode(ans.body); ok {
		// faas-v1 says failure by its HTTP status; a success that says
		// failure in an envelope is the MyAccount API's. Checked before an
		// answer is taken as a bare success (a DELETE), which it is not.
		return c.foreign(r, ans.status, fmt.Sprintf("a %d answer whose envelope says code %d, as the MyAccount API answers", ans.status, code))
	}
	body := bytes.TrimSpace(ans.body)
	if out == nil && len(body) > 0 && !json.Valid(body) {
		// Nothing to decode, but a page of a proxy or of another server is
		// not the API's success (of a DELETE, say).
		return c.foreign(r, ans.status, fmt.Sprintf("a %d answer that is not JSON", ans.status))
	}
	if out == nil || len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(unwrapEnvelope(ans.body), out); err != nil {
		return unreadable(r, ans.status, err)
	}
	return nil
}

// isErrorObject reports whether a failed answer's body is in the API's
// error format: a JSON object with a numeric code and a message, and under
// myaccount (enveloped) the envelope's data too.
func isErrorObject(body []byte, enveloped bool) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return false
	}
	if _, ok := envelopeCode(obj["code"]); !ok {
		return false
	}
	if _, ok := obj["message"]; !ok {
		return false
	}
	if _, ok := obj["data"]; enveloped && !ok {
		return false
	}
	return true
}

// failureCode is the code of an envelope that says failure (400 or more).
func failureCode(body []byte) (int, bool) {
	var env struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(body, &env) != nil {
		return 0, false
	}
	code, ok := envelopeCode(env.Code)
	return code, ok && code >= 400
}

// foreign is the error of an answer that is not the API's.
func (c *core) foreign(r *request, status int, why string) *ForeignAnswerError {
	return &ForeignAnswerError{Method: r.method, Path: r.path, Status: status, Dialect: c.dialect, Endpoint: c.scrubText(c.cfg.Endpoint), Why: why}
}

type envelope struct {
	Code    *int            `json:"code"`
	Data    json.RawMessage `json:"data"`
	Message *string         `json:"message"`
	Errors  json.RawMessage `json:"errors"`
}

// unwrapEnvelope returns the data of {"code":..,"data":..,"message":..}, or
// the body itself when it is bare.
func unwrapEnvelope(data []byte) []byte {
	var env envelope
	if err := json.Unmarshal(data, &env); err == nil && env.Code != nil && env.Message != nil && len(env.Data) > 0 {
		return env.Data
	}
	return data
}

// do sends a myaccount request and returns the data of the answer's
// envelope {"code", "data", "errors", "message"}. The answer failed when its
// HTTP status or its body's code is 400 or more: the API answers HTTP 200
// with code 404 for a name it does not know. The *APIError then carries the
// body's code when that says failure, the HTTP status otherwise.
func (c *MyAccountClient) do(ctx context.Context, r *request) (json.RawMessage, error) {
	ans, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	var env struct {
		Code json.RawMessage `json:"code"`
		Data json.RawMessage `json:"data"`
	}
	isObject := json.Unmarshal(ans.body, &env) == nil && bytes.HasPrefix(bytes.TrimSpace(ans.body), []byte("{"))
	code, hasCode := envelopeCode(env.Code)
	if ans.status >= 400 || (hasCode && code >= 400) {
		status := ans.status
		if hasCode && code >= 400 {
			status = code
		}
		if status == http.StatusNotFound && !isErrorObject(ans.body, true) {
			// The API says not-found in its envelope, always: a bare 404
			// (an HTML page, an unknown route's) is not its answer.
			return nil, c.foreign(r, ans.status, "a 404 without the MyAccount API's envelope {code, data, errors, message}")
		}
		message, fields := c.errorText(r, ans.body)
		return nil, c.apiError(r, ans, status, message, fields)
	}
	if !isObject {
		return nil, unreadable(r, ans.status, errors.New("no envelope"))
	}
	return env.Data, nil
}

// envelopeCode reads the envelope's code, a number or a numeric string.
func envelopeCode(raw json.RawMessage) (int, bool) {
	n, ok := looseNumber(raw)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return int(i), true
	}
	if f, err := n.Float64(); err == nil {
		return int(f), true
	}
	return 0, false
}

// looseNumber reads a JSON number, or a string that holds one.
func looseNumber(raw json.RawMessage) (json.Number, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return json.Number(strings.TrimSpace(s)), true
}

// decodeData decodes an answer's data; null is an empty list.
func decodeData(data json.RawMessage, out any) error {
	if len(bytes.TrimSpace(data)) == 0 || string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	return json.Unmarshal(data, out)
}

// apiError builds the *APIError of a failed answer from what the body said,
// scrubbed of the credentials and of the request's sensitive values.
func (c *core) apiError(r *request, ans *answer, status int, message string, fields map[string][]string) *APIError {
	clean := func(s string) string { return scrubValues(c.scrubText(s), r.sensitive) }
	e := &APIError{StatusCode: status, Method: r.method, Path: r.path, Message: clean(message), Attempts: ans.attempts}
	header := ans.header
	for k, msgs := range fields {
		if e.Fields == nil {
			e.Fields = map[string][]string{}
		}
		cleaned := make([]string, len(msgs))
		for i, m := range msgs {
			cleaned[i] = clean(m)
		}
		e.Fields[clean(k)] = cleaned
	}
	if d, ok := parseRetryAfter(header.Get("Retry-After")); ok {
		e.RetryAfter = d
	}
	return e
}

// errorText is what a failed answer says: the message and per-field problems
// of a JSON object, else the start of the body's text.
func (c *core) errorText(r *request, data []byte) (message string, fields map[string][]string) {
	var body struct {
		Message json.RawMessage `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(data, &body); err == nil {
		return lenientString(body.Message), lenientFields(body.Errors)
	}
	text := strings.TrimSpace(string(data))
	// Scrub before cutting: a credential across the cut would otherwise keep
	// all but its last bytes.
	text = scrubValues(c.scrubText(text), r.sensitive)
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return text, nil
}

// lenientString is a JSON string's value, or the JSON text of anything else
// but null.
func lenientString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// lenientFields reads "errors" as per-field problems: an object of lists of
// strings, or of strings, or a mix. Anything else says nothing per field.
func lenientFields(raw json.RawMessage) map[string][]string {
	var byField map[string]json.RawMessage
	if json.Unmarshal(raw, &byField) != nil || len(byField) == 0 {
		return nil
	}
	fields := map[string][]string{}
	for k, v := range byField {
		var list []json.RawMessage
		if json.Unmarshal(v, &list) == nil {
			for _, item := range list {
				if s := lenientString(item); s != "" {
					fields[k] = append(fields[k], s)
				}
			}
		} else if s := lenientString(v); s != "" {
			fields[k] = []string{s}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return fields
}

// errAnswerTooLarge is the cause of an answer larger than maxAnswerSize.
var errAnswerTooLarge = errors.New("answer too large")

// errUnreadableAnswer marks a success answer whose body is not what the
// request expects: for a create, it leaves open whether anything was made.
var errUnreadableAnswer = errors.New("unreadable answer")

// unreadableError is an answer whose body is not the JSON expected; it
// matches errUnreadableAnswer.
type unreadableError struct {
	msg   string
	cause error
}

func unreadable(r *request, status int, why error) error {
	return &unreadableError{msg: fmt.Sprintf("%s %s: the API answered %d with a body that is not the expected JSON: %v", r.method, r.path, status, why), cause: why}
}

func (e *unreadableError) Error() string        { return e.msg }
func (e *unreadableError) Unwrap() error        { return e.cause }
func (e *unreadableError) Is(target error) bool { return target == errUnreadableAnswer }

// confirmNotFound checks that a not-found comes from the API rather than
// from an endpoint that answers 404 to everything (a mistyped path, a
// proxy, another service): probe reads a route every endpoint of the
// dialect serves (the runtime catalogue). When it answers, notFound stands;
// when it is not found either, the endpoint is not the API's
// (*ForeignAnswerError); when it fails otherwise, neither is known, and the
// error says so without matching ErrNotFound (a transient failure stays
// one, for waits to try again).
func (c *core) confirmNotFound(ctx context.Context, notFound error, probe func(context.Context) error) error {
	var apiErr *APIError
	if !errors.As(notFound, &apiErr) || !IsNotFound(notFound) {
		return notFound
	}
	r := &request{method: apiErr.Method, path: apiErr.Path}
	err := probe(ctx)
	switch {
	case err == nil:
		return notFound
	case IsNotFound(err) || IsForeignAnswer(err):
		return c.foreign(r, apiErr.StatusCode, "the runtime catalogue is not found there either")
	}
	return &unconfirmedError{msg: fmt.Sprintf("%s %s: not found, but checking that the endpoint is the API's failed: %v", r.method, r.path, err), cause: err}
}

// unconfirmedError is a not-found that could not be confirmed; it unwraps
// to the probe's failure, never to the not-found.
type unconfirmedError struct {
	msg   string
	cause error
}

func (e *unconfirmedError) Error() string { return e.msg }
func (e *unconfirmedError) Unwrap() error { return e.cause }
