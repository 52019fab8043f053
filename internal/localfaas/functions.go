// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPerPage  = 50
	maxPerPage      = 200
	defaultLogLimit = 100
	// maxPage bounds page, so that the offset of a page cannot overflow.
	maxPage = 1_000_000
)

func (s *Server) createFunction(w http.ResponseWriter, r *http.Request) {
	errs := fieldErrors{}
	o, bad := readObject(w, r, "", errs, createFields...)
	if bad != nil {
		writeAPIError(w, bad)
		return
	}
	o.require("name", "runtime", "code_archive")
	name := o.str("name")
	if name != nil {
		validateFunctionName(*name, errs)
	}
	p := decodePatch(o)
	ns := s.namespace(r)
	key := idempotencyKey(r, errs)

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.advanceLocked(now)
	if key != "" && name != nil && s.replayCreateLocked(w, r, ns, key, *name) {
		return
	}
	f := Function{Namespace: ns}
	resetSettings(&f)
	p.applyTo(&f)
	s.validateFunctionLocked(&f, nil, errs)
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid function", errs)
		return
	}
	f.Name, f.CreateRequestID = *name, key
	if other := s.findByNameLocked(ns, f.Name); other != nil {
		writeError(w, http.StatusConflict, "a function named \""+f.Name+"\" already exists in namespace "+ns+
			" (id "+other.fn.ID+"); choose another name or import that function", nil)
		return
	}
	f.ID = newUUID()
	f.InvokeURL = invokeURL(r, &f)
	f.CreatedAt = now
	rec := &record{fn: f, unpackErr: p.Code.unpackErr, console: s.console}
	s.functions[f.ID] = rec
	s.startDeployLocked(rec, now)
	s.writeOK(w, http.StatusCreated, s.wire(r, &rec.fn))
}

func (s *Server) findByNameLocked(ns, name string) *record {
	for _, rec := range s.functions {
		if rec.fn.Namespace == ns && rec.fn.Name == name {
			return rec
		}
	}
	return nil
}

// lookupLocked finds the function of the path's id in the request's
// namespace; functions of other projects are not found.
func (s *Server) lookupLocked(r *http.Request) (*record, *apiError) {
	id := r.PathValue("id")
	rec := s.functions[id]
	if rec == nil || rec.fn.Namespace != s.namespace(r) {
		return nil, newError(http.StatusNotFound, "function %s not found in namespace %s", id, s.namespace(r))
	}
	return rec, nil
}

// withFunction runs do on the request's function, under the lock and after
// settling the lifecycle; it answers 404 itself.
func (s *Server) withFunction(w http.ResponseWriter, r *http.Request, do func(rec *record, now time.Time)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.advanceLocked(now)
	rec, bad := s.lookupLocked(r)
	if bad != nil {
		writeAPIError(w, bad)
		return
	}
	do(rec, now)
}

func (s *Server) getFunction(w http.ResponseWriter, r *http.Request) {
	s.withFunction(w, r, func(rec *record, _ time.Time) {
		s.writeOK(w, http.StatusOK, s.wire(r, &rec.fn))
	})
}

func (s *Server) listFunctions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := fieldErrors{}
	page := queryInt(q.Get("page"), 1, 1, maxPage, "page", errs)
	perPage := queryInt(q.Get("per_page"), defaultPerPage, 1, maxPerPage, "per_page", errs)
	labels := map[string]string{}
	for _, l := range q["label"] {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			errs.Add("label", "%q must have the form key=value", l)
			continue
		}
		labels[k] = v
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid query", errs)
		return
	}
	name, filterName := q.Get("name"), q.Has("name")
	ns := s.namespace(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	matched := s.listLocked(ns, func(f *Function) bool {
		return (!filterName || f.Name == name) && hasLabels(f.Labels, labels)
	})
	out := []wireFunction{}
	for i := (page - 1) * perPage; i < len(matched) && i < page*perPage; i++ {
		out = append(out, s.wire(r, matched[i]))
	}
	s.writeOK(w, http.StatusOK, struct {
		Functions []wireFunction `json:"functions"`
		Total     int            `json:"total"`
		Page      int            `json:"page"`
		PerPage   int            `json:"per_page"`
	}{out, len(matched), page, perPage})
}

// listLocked is the namespace's functions that keep accepts, oldest first
// (then by name and ID), as both dialects list them. s.mu is held.
func (s *Server) listLocked(ns string, keep func(*Function) bool) []*Function {
	var matched []*Function
	for _, rec := range s.functions {
		if rec.fn.Namespace == ns && keep(&rec.fn) {
			matched = append(matched, &rec.fn)
		}
	}
	slices.SortFunc(matched, func(a, b *Function) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return matched
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// queryInt parses an optional integer query parameter in [lo, hi] (no upper
// bound when hi is 0).
func queryInt(raw string, def, lo, hi int, field string, errs fieldErrors) int {
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		errs.Add(field, "must be an integer")
	case n < lo:
		errs.Add(field, "must be at least %d", lo)
	case hi > 0 && n > hi:
		errs.Add(field, "must be at most %d", hi)
	default:
		return n
	}
	return def
}

// change applies a request that updates a function and answers with the
// function. prefix roots the body's fields in the function object ("config."
// for a body that is the config object); decode reads the body, and is nil
// for a request without one. redeploy says whether the change starts a deploy.
func (s *Server) change(w http.ResponseWriter, r *http.Request, prefix string, allowed []string, decode func(*object) *patch, redeploy bool) {
	errs := fieldErrors{}
	p := &patch{}
	if decode != nil {
		o, bad := readObject(w, r, prefix, errs, allowed...)
		if bad != nil {
			writeAPIError(w, bad)
			return
		}
		p = decode(o)
	}

	s.withFunction(w, r, func(rec *record, now time.Time) {
		if rec.fn.Status == StatusDeleting {
			writeError(w, http.StatusConflict, "function \""+rec.fn.Name+"\" ("+rec.fn.ID+") is being deleted", nil)
			return
		}
		f := rec.fn.clone()
		if p.replace {
			resetSettings(&f)
		}
		p.applyTo(&f)
		s.validateFunctionLocked(&f, &rec.fn, errs)
		if len(errs) > 0 {
			writeError(w, http.StatusBadRequest, "invalid function", errs)
			return
		}
		rec.fn = f
		if p.Code != nil {
			rec.unpackErr = p.Code.unpackErr
		}
		if redeploy {
			s.startDeployLocked(rec, now)
		} else {
			rec.fn.UpdatedAt = now
			rec.log(now, "stdout", "labels and annotations updated; no redeploy")
		}
		s.writeOK(w, http.StatusOK, s.wire(r, &rec.fn))
	})
}

func (s *Server) replaceFunction(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, "", settingFields, func(o *object) *patch {
		o.require("runtime", "code_archive")
		p := decodePatch(o)
		p.replace = true
		return p
	}, true)
}

func (s *Server) updateCode(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, "", codeFields, func(o *object) *patch {
		o.require("code_archive")
		return decodePatch(o)
	}, true)
}

func (s *Server) updateConfig(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, "config.", configFields, func(o *object) *patch {
		return &patch{Config: decodeConfigPatch(o)}
	}, true)
}

func (s *Server) updateEnvironment(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, "", environmentFields, decodePatch, true)
}

func (s *Server) updateMetadata(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, "", metadataFields, decodePatch, false)
}

func (s *Server) deployFunction(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, "", nil, nil, true)
}

func (s *Server) scaleFunction(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, "config.", []string{"replicas"}, func(o *object) *patch {
		o.require("replicas")
		return &patch{Config: configPatch{Replicas: o.integer("replicas")}}
	}, true)
}

func (s *Server) deleteFunction(w http.ResponseWriter, r *http.Request) {
	s.withFunction(w, r, func(rec *record, now time.Time) {
		if bad := rec.requestDelete(now); bad != nil {
			writeAPIError(w, bad)
			return
		}
		s.endRunsLocked(rec, false)
		s.writeOK(w, http.StatusAccepted, s.wire(r, &rec.fn))
	})
}

func (s *Server) functionLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := fieldErrors{}
	limit := queryInt(q.Get("limit"), defaultLogLimit, 1, 0, "limit", errs)
	var since time.Time
	if raw := q.Get("since"); raw != "" {
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			errs.Add("since", "must be an RFC 3339 time, e.g. 2025-01-15T10:30:00Z")
		}
		since = t
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid query", errs)
		return
	}

	s.withFunction(w, r, func(rec *record, _ time.Time) {
		lines := []wireLogLine{}
		for _, l := range rec.logs {
			if !l.at.Before(since) {
				lines = append(lines, wireLogLine{Timestamp: formatTime(l.at), Stream: l.stream, Message: l.message})
			}
		}
		// The most recent lines, oldest first.
		lines = lines[max(0, len(lines)-limit):]
		s.writeOK(w, http.StatusOK, struct {
			Logs []wireLogLine `json:"logs"`
		}{lines})
	})
}

func (s *Server) functionMetrics(w http.ResponseWriter, r *http.Request) {
	s.withFunction(w, r, func(rec *record, _ time.Time) {
		// Invocations through invoke_url, plus what was set out of band.
		inv := rec.invocations
		var avg float64
		var last *string
		if inv.calls > 0 {
			avg = float64(inv.total.Microseconds()) / 1000 / float64(inv.calls)
			t := formatTime(inv.last)
			last = &t
		}
		s.writeOK(w, http.StatusOK, struct {
			InvocationCount int64   `json:"invocation_count"`
			ErrorCount      int64   `json:"error_count"`
			AvgDurationMS   float64 `json:"avg_duration_ms"`
			LastInvokedAt   *string `json:"last_invoked_at"`
		}{rec.fn.InvocationCount, inv.errors, avg, last})
	})
}

func (s *Server) listRuntimes(w http.ResponseWriter, r *http.Request) {
	// Without a runner nothing runs here, and the catalogue says so.
	out := make([]runtimeInfo, len(runtimes))
	for i, rt := range runtimes {
		runs := s.opts.Runner != nil && s.opts.Runner.Runs(rt.Name, "http") == nil
		rt.RunsLocally = &runs
		out[i] = rt
	}
	s.writeOK(w, http.StatusOK, struct {
		Runtimes []runtimeInfo `json:"runtimes"`
	}{out})
}
