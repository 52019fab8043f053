// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// ErrNotFound is returned (wrapped) by UpdateFunction for an unknown id.
var ErrNotFound = errors.New("function not found")

// patchableFields are the function object's fields an out-of-band change may
// set over HTTP.
var patchableFields = append(slices.Clone(settingFields), "status", "error_message", "code_sha256", "invocation_count")

// Requests returns the request log, oldest first. Admin requests (under
// /_local/) are not logged.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Function returns a copy of the function with the given id, as a GET would
// see it now.
func (s *Server) Function(id string) (Function, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	rec := s.functions[id]
	if rec == nil {
		return Function{}, false
	}
	return rec.fn.clone(), true
}

// Functions returns copies of every function of every namespace, by creation
// time then name.
func (s *Server) Functions() []Function {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	out := make([]Function, 0, len(s.functions))
	for _, rec := range s.functions {
		out = append(out, rec.fn.clone())
	}
	slices.SortFunc(out, func(a, b Function) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// UpdateFunction changes a function out of band, as the platform or its
// console would, and bumps its updated_at. It does not redeploy, except that
// setting Status starts that status: Deploying starts a deploy (new
// version), Deleting a delete, Running or Failed end any deploy in flight.
// ID, Name, Namespace and CreatedAt cannot change. A changed CodeArchive
// brings its CodeSHA256; a CodeSHA256 changed alone is kept, to simulate a
// hash that no longer matches. The rules of the API's requests do not apply
// (the platform may set com.openfaas.* labels, say), but the result must
// still make valid answers: config in its ranges, a known status, a hex
// SHA-256, a count not below 0. Otherwise UpdateFunction changes nothing
// and returns what is wrong.
func (s *Server) UpdateFunction(id string, mutate func(*Function)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateFunctionLocked(id, mutate, nil)
}

// updateFunctionLocked is UpdateFunction; checked, when given, is the
// already checked archive that mutate sets.
func (s *Server) updateFunctionLocked(id string, mutate func(*Function), checked *code) error {
	now := s.now()
	s.advanceLocked(now)
	rec := s.functions[id]
	if rec == nil {
		return fmt.Errorf("localfaas: function %s: %w", id, ErrNotFound)
	}
	old := rec.fn
	f := old.clone()
	mutate(&f)
	f.ID, f.Name, f.Namespace, f.CreatedAt = old.ID, old.Name, old.Namespace, old.CreatedAt
	f = f.clone() // no nil maps or slices, and nothing shared with the caller
	codeChanged := !bytes.Equal(f.CodeArchive, old.CodeArchive)
	if codeChanged {
		if checked == nil {
			checked = newCode(f.CodeArchive)
		}
		f.CodeSHA256 = checked.sha256
		if f.Code == old.Code {
			f.Code = "" // the handler text no longer matches the archive
		}
	}

	errs := fieldErrors{}
	validateConfig(f.Config, errs)
	if !slices.Contains([]string{StatusDeploying, StatusRunning, StatusFailed, StatusDeleting}, f.Status) {
		errs.Add("status", "must be Deploying, Running, Failed or Deleting")
	}
	if !sha256RE.MatchString(f.CodeSHA256) {
		errs.Add("code_sha256", "must be 64 lowercase hexadecimal digits")
	}
	if f.InvocationCount < 0 {
		errs.Add("invocation_count", "must not be negative")
	}
	if len(errs) > 0 {
		return fmt.Errorf("localfaas: function %s: %w", id, errs)
	}

	if codeChanged {
		rec.unpackErr = checked.unpackErr
	}
	rec.fn = f
	rec.fn.Status = old.Status
	rec.fn.UpdatedAt = now
	rec.log(now, "stdout", "function changed out of band")
	if f.Status == old.Status {
		if f.Status != StatusFailed {
			rec.fn.ErrorMessage = ""
		}
		return nil
	}
	switch f.Status {
	case StatusDeploying:
		s.startDeployLocked(rec, now)
	case StatusDeleting:
		rec.beginDelete(now)
		s.endRunsLocked(rec, false)
	case StatusRunning:
		s.endRunsLocked(rec, true) // the version answering goes on
		rec.fn.Status = StatusRunning
		rec.fn.ErrorMessage = ""
		rec.log(now, "stdout", "status set to Running")
	case StatusFailed:
		s.endRunsLocked(rec, false)
		rec.fn.Status = StatusFailed
		rec.fn.ErrorMessage = cmp.Or(f.ErrorMessage, "failed (status set out of band)")
		rec.log(now, "stderr", "status set to Failed: %s", rec.fn.ErrorMessage)
	}
	return nil
}

// RemoveFunction deletes a function at once, out of band.
func (s *Server) RemoveFunction(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.functions[id]
	if ok {
		s.endRunsLocked(rec, false)
	}
	delete(s.functions, id)
	return ok
}

// The admin routes.

func (s *Server) adminListRequests(w http.ResponseWriter, r *http.Request) {
	out := []wireRequest{}
	for _, req := range s.Requests() {
		out = append(out, wireRequest{Method: req.Method, Path: req.Path, Route: req.Route, Status: req.Status, Time: formatTime(req.Time)})
	}
	writeJSON(w, http.StatusOK, struct {
		Requests []wireRequest `json:"requests"`
	}{out})
}

func (s *Server) adminResetRequests(w http.ResponseWriter, r *http.Request) {
	s.ResetRequests()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminPatchFunction(w http.ResponseWriter, r *http.Request) {
	errs := fieldErrors{}
	o, bad := readObject(w, r, "", errs, patchableFields...)
	if bad != nil {
		writeAPIError(w, bad)
		return
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid change", errs)
		return
	}
	id := r.PathValue("id")

	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	rec := s.functions[id]
	if rec == nil {
		writeError(w, http.StatusNotFound, "function "+id+" not found", nil)
		return
	}
	// Merge the patch into the current value of each field it names.
	current := map[string]json.RawMessage{}
	data, _ := json.Marshal(toWire(&rec.fn, ""))
	_ = json.Unmarshal(data, &current)
	merged := map[string]json.RawMessage{}
	for k, v := range o.raw {
		merged[k] = mergePatch(current[k], v)
	}
	m := newObject(merged, "", errs, patchableFields)
	p := decodePatch(m)
	status, message, sum, count := m.str("status"), m.str("error_message"), m.str("code_sha256"), m.integer("invocation_count")
	if len(errs) == 0 {
		err := s.updateFunctionLocked(id, func(f *Function) {
			p.applyTo(f)
			set(&f.Status, status)
			set(&f.ErrorMessage, message)
			set(&f.CodeSHA256, sum)
			if count != nil {
				f.InvocationCount = int64(*count)
			}
		}, p.Code)
		if err != nil && !errors.As(err, &errs) {
			writeError(w, http.StatusInternalServerError, err.Error(), nil)
			return
		}
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid change", errs)
		return
	}
	writeJSON(w, http.StatusOK, s.wire(r, &rec.fn))
}

// mergePatch applies an RFC 7386 JSON merge patch: objects merge key by key,
// null removes a key, anything else replaces.
func mergePatch(target, patch json.RawMessage) json.RawMessage {
	var p map[string]json.RawMessage
	if json.Unmarshal(patch, &p) != nil || p == nil {
		return patch
	}
	var t map[string]json.RawMessage
	if json.Unmarshal(target, &t) != nil || t == nil {
		t = map[string]json.RawMessage{}
	}
	for k, v := range p {
		if string(v) == "null" {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	out, _ := json.Marshal(t)
	return out
}

func (s *Server) adminDeleteFunction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !s.RemoveFunction(id) {
		writeError(w, http.StatusNotFound, "function "+id+" not found", nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminFailNextDeploy(w http.ResponseWriter, r *http.Request) {
	var message string
	if r.ContentLength != 0 { // the body is optional
		errs := fieldErrors{}
		o, bad := readObject(w, r, "", errs, "message")
		if bad != nil {
			writeAPIError(w, bad)
			return
		}
		if m := o.str("message"); m != nil {
			message = *m
		}
		if len(errs) > 0 {
			writeError(w, http.StatusBadRequest, "invalid request", errs)
			return
		}
	}
	s.FailNextDeploy(message)
	w.WriteHeader(http.StatusNoContent)
}
