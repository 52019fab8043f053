// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package api

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
)

// CheckingHandler wraps next so that every exchange on a path below the
// checker's base path is validated against its document; each violation is
// passed to report. Other paths (the other dialect's, the local server's
// admin and invoke routes) pass through unchecked, so checkers of both
// dialects can be chained. It buffers bodies, so it is meant for tests.
func (c *Checker) CheckingHandler(next http.Handler, report func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.Covers(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		reqBody, _ := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err := c.CheckRequest(r, reqBody); err != nil {
			report(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if err := c.CheckResponse(r, reqBody, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			report(err)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// CheckingBoth wraps next in the checkers of both documents, each judging
// the paths below its base, as CheckingHandler does: how tests serve both
// dialects.
func CheckingBoth(next http.Handler, report func(error)) (http.Handler, error) {
	faasV1, err := NewChecker()
	if err != nil {
		return nil, err
	}
	myAccount, err := NewMyAccountChecker()
	if err != nil {
		return nil, err
	}
	return faasV1.CheckingHandler(myAccount.CheckingHandler(next, report), report), nil
}
