// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package answer holds what the local server's packages share to answer a
// request: Recorder, the one ResponseWriter wrapper that remembers the
// status, and FieldErrors, an error answer's "errors".
package answer

import "net/http"

// Recorder remembers the status of an answer. Made by Wrap, it passes the
// answer on; made by Discard, it keeps the header and drops the rest.
type Recorder struct {
	next   http.ResponseWriter // nil when discarding
	header http.Header         // the header of a discarded answer
	status int
}

// Wrap returns a Recorder that passes the answer on to w.
func Wrap(w http.ResponseWriter) *Recorder { return &Recorder{next: w} }

// Discard returns a Recorder that delivers nothing.
func Discard() *Recorder { return &Recorder{header: http.Header{}} }

// Status is the status of the answer: the first one written, or 200 when
// none was, as net/http sends then.
func (w *Recorder) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Header is the header of the answer.
func (w *Recorder) Header() http.Header {
	if w.next == nil {
		return w.header
	}
	return w.next.Header()
}

// WriteHeader records the first status written and passes it on.
func (w *Recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	if w.next != nil {
		w.next.WriteHeader(status)
	}
}

// Write writes the body, after an implicit 200.
func (w *Recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.next == nil {
		return len(b), nil
	}
	return w.next.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath: nil when
// discarding, which it takes as a writer that supports nothing.
func (w *Recorder) Unwrap() http.ResponseWriter { return w.next }
