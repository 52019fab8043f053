// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"fmt"
	"net/http"
)

// idempotencyHeader carries the key that makes a create safe to retry: a
// client whose answer was lost sends the same POST again, with the same key,
// and gets the function its first POST made instead of a 409.
const idempotencyHeader = "Idempotency-Key"

// maxIdempotencyKey bounds a key; clients send a UUID.
const maxIdempotencyKey = 255

// idempotencyKey returns the request's key, "" when it has none.
func idempotencyKey(r *http.Request, errs fieldErrors) string {
	key := r.Header.Get(idempotencyHeader)
	if len(key) > maxIdempotencyKey {
		errs.Add(idempotencyHeader, "must be at most %d characters; send a UUID", maxIdempotencyKey)
	}
	return key
}

// replayCreateLocked answers a create whose key a function of the namespace
// already carries, and reports whether it did. When the names match, the
// create is a retry of the one that made the function: it gets that function
// as it is now (201), and nothing is created, changed or redeployed; the rest
// of the body is not compared. When they differ, the key is being reused for
// another function: 409, naming the function the key made.
func (s *Server) replayCreateLocked(w http.ResponseWriter, r *http.Request, ns, key, name string) bool {
	var made *record
	for _, rec := range s.functions {
		if rec.fn.Namespace == ns && rec.fn.CreateRequestID == key {
			made = rec
			break
		}
	}
	if made == nil {
		return false
	}
	if made.fn.Name != name {
		writeError(w, http.StatusConflict, fmt.Sprintf(
			"the %s of this request already created function %q (id %s) in namespace %s; a create of %q needs a new key",
			idempotencyHeader, made.fn.Name, made.fn.ID, ns, name), nil)
		return true
	}
	s.writeOK(w, http.StatusCreated, s.wire(r, &made.fn))
	return true
}
