// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/answer"
)

// maxBodyBytes bounds a request body: a 50 MB archive in base64 plus the rest.
const maxBodyBytes = 72 << 20

// fieldErrors maps a path in the function object (or secret) to its problems.
type fieldErrors = answer.FieldErrors

// readObject reads a request body that must be a JSON object with only the
// allowed keys. Unknown keys are reported in errs under prefix+key.
func readObject(w http.ResponseWriter, r *http.Request, prefix string, errs fieldErrors, allowed ...string) (*object, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, newError(http.StatusBadRequest, "request body exceeds %d MB", maxBodyBytes>>20)
		}
		return nil, newError(http.StatusBadRequest, "cannot read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, newError(http.StatusBadRequest, "request body is empty; send a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		// The decoder's own message may quote the body, which can hold a
		// secret value: say only where it went wrong.
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, newError(http.StatusBadRequest, "request body is not valid JSON (syntax error at byte %d)", syntax.Offset)
		}
		return nil, newError(http.StatusBadRequest, "request body must be a JSON object")
	}
	return newObject(raw, prefix, errs, allowed), nil
}

// object is a JSON object decoded field by field; problems are collected in
// errs, keyed by path.
type object struct {
	raw    map[string]json.RawMessage
	prefix string
	errs   fieldErrors
}

func newObject(raw map[string]json.RawMessage, prefix string, errs fieldErrors, allowed []string) *object {
	for key := range raw {
		if !slices.Contains(allowed, key) {
			errs.Add(prefix+key, "unknown field; allowed fields: %s", strings.Join(allowed, ", "))
		}
	}
	return &object{raw: raw, prefix: prefix, errs: errs}
}

func (o *object) path(key string) string { return o.prefix + key }

// value returns the raw value of key when present and not null.
func (o *object) value(key string) (json.RawMessage, bool) {
	v, ok := o.raw[key]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

func (o *object) has(key string) bool {
	_, ok := o.value(key)
	return ok
}

func (o *object) require(keys ...string) {
	for _, k := range keys {
		if !o.has(k) {
			o.errs.Add(o.path(k), "is required")
		}
	}
}

func (o *object) str(key string) *string {
	v, ok := o.value(key)
	if !ok {
		return nil
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		o.errs.Add(o.path(key), "must be a string")
		return nil
	}
	return &s
}

func (o *object) integer(key string) *int {
	v, ok := o.value(key)
	if !ok {
		return nil
	}
	var n int
	if json.Unmarshal(v, &n) != nil {
		o.errs.Add(o.path(key), "must be an integer")
		return nil
	}
	return &n
}

// strMap returns nil when key is absent, and a non-nil map when present.
func (o *object) strMap(key string) map[string]string {
	v, ok := o.value(key)
	if !ok {
		return nil
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(v, &raw) != nil {
		o.errs.Add(o.path(key), "must be an object of strings")
		return nil
	}
	m := make(map[string]string, len(raw))
	for k, rv := range raw {
		var s string
		if json.Unmarshal(rv, &s) != nil {
			o.errs.Add(o.path(key)+"."+k, "must be a string")
			continue
		}
		m[k] = s
	}
	return m
}

// strList returns nil when key is absent, and a non-nil slice when present.
func (o *object) strList(key string) []string {
	v, ok := o.value(key)
	if !ok {
		return nil
	}
	l := []string{}
	if json.Unmarshal(v, &l) != nil {
		o.errs.Add(o.path(key), "must be a list of strings")
		return nil
	}
	return l
}

// object returns the nested object under key, or nil when absent.
func (o *object) object(key string, allowed ...string) *object {
	v, ok := o.value(key)
	if !ok {
		return nil
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(v, &raw) != nil {
		o.errs.Add(o.path(key), "must be an object")
		return nil
	}
	return newObject(raw, o.path(key)+".", o.errs, allowed)
}
