// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

// Findings of an adversarial probe of the server, each pinned by a test.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// A page far out of range once overflowed the page's offset: with
// page=2^62 and per_page=3 the offset wrapped to a negative index, and the
// handler panicked. page is bounded now, as per_page was.
func TestListPageIsBounded(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		h.create(minimal("paged"))
		for _, q := range []string{"page=4611686018427387904&per_page=3", "page=4611686018427387904",
			"page=9223372036854775807", "page=1000001", "per_page=4611686018427387904"} {
			r := h.invalid("GET", "functions?"+q, nil).want(t, http.StatusBadRequest)
			e := errorOf(t, r)
			field, _, _ := strings.Cut(q, "=")
			if len(e.Errors[field]) == 0 {
				t.Errorf("%s: %s", q, r.Body)
			}
		}
		var list struct {
			Functions []function `json:"functions"`
			Total     int        `json:"total"`
			Page      int        `json:"page"`
		}
		h.decode(h.do("GET", "functions?page=1000000&per_page=200", nil).want(t, http.StatusOK), &list)
		if len(list.Functions) != 0 || list.Total != 1 || list.Page != 1000000 {
			t.Errorf("the last page: %+v", list)
		}
	})
}

// project_id names a namespace, so it is checked: 1 to 64 letters, digits,
// '-' and '_'; anything else is refused on every route.
func TestProjectIDIsValidated(t *testing.T) {
	h := newHarness(t)
	for _, project := range []string{"", "a/b", "../../x", "a b", "x.y", "é", "a\x00b", strings.Repeat("p", 65)} {
		for _, c := range []call{
			{Method: "POST", Path: "functions", Body: minimal("projected")},
			{Method: "GET", Path: "functions"},
			{Method: "GET", Path: "functions/some-id"},
			{Method: "POST", Path: "secrets", Body: map[string]any{"name": "s", "value": "v"}},
			{Method: "GET", Path: "runtimes"},
		} {
			c.Project, c.Invalid = project, true
			if project == "" {
				c.Path += "?project_id=" // present, and empty
			}
			r := h.send(c).want(t, http.StatusBadRequest)
			if e := errorOf(t, r); len(e.Errors["project_id"]) == 0 {
				t.Errorf("%q on %s %s: %s", project, c.Method, c.Path, r.Body)
			}
		}
	}
	if n := len(h.srv.Functions()); n != 0 || len(h.srv.Secrets()) != 0 {
		t.Fatalf("refused requests created %d functions", n)
	}
	for _, project := range []string{"20235", "my_project-1", strings.Repeat("p", 64)} {
		r := h.send(call{Method: "POST", Path: "functions", Body: minimal("projected"), Project: project}).want(t, http.StatusCreated)
		if f := h.function(r); f.Namespace != "e2e-faas-"+project+"-dl" {
			t.Errorf("namespace %s for project %s", f.Namespace, project)
		}
	}
}

// The invoke URL is built from the address the server listens on, never from
// the Host header, which the client chooses.
func TestInvokeURLIgnoresHostHeader(t *testing.T) {
	h := newHarness(t)
	const evil = "attacker.example:8443"
	want := h.ts.URL + "/faas/function/v1/hosted.e2e-faas-local-dl/"
	f := h.function(h.send(call{Method: "POST", Path: "functions", Body: minimal("hosted"), Host: evil}).want(t, http.StatusCreated))
	if f.InvokeURL != want {
		t.Errorf("create: invoke_url %s, want %s", f.InvokeURL, want)
	}
	if got := h.function(h.send(call{Method: "GET", Path: "functions/" + f.ID, Host: evil}).want(t, http.StatusOK)); got.InvokeURL != want {
		t.Errorf("get: invoke_url %s, want %s", got.InvokeURL, want)
	}
	var list struct{ Functions []function }
	h.decode(h.send(call{Method: "GET", Path: "functions", Host: evil}).want(t, http.StatusOK), &list)
	if len(list.Functions) != 1 || list.Functions[0].InvokeURL != want {
		t.Errorf("list: %+v", list.Functions)
	}
	if stored, _ := h.srv.Function(f.ID); stored.InvokeURL != want {
		t.Errorf("stored invoke_url %s", stored.InvokeURL)
	}

	c := myAccountCall("POST", "faas/functions/", myAccountBody("hosted-ma"))
	c.Host = evil
	if got := h.myAccountFunction(h.send(c)); got.URL != h.ts.URL+"/faas/function/v1/hosted-ma."+myAccountNamespace+"/" {
		t.Errorf("myaccount url %s", got.URL)
	}
}

// With OmitCreateRequestID, no faas-v1 answer carries create_request_id,
// while the key still makes a repeated create a replay.
func TestOmitCreateRequestID(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		noID := func(what string, r response) {
			t.Helper()
			if strings.Contains(string(r.Body), "create_request_id") {
				t.Errorf("%s answered %s", what, r.Body)
			}
		}
		first := h.createKeyed(key1, minimal("unechoed")).want(t, http.StatusCreated)
		noID("create", first)
		f := h.function(first)
		noID("replay", h.createKeyed(key1, minimal("unechoed")).want(t, http.StatusCreated))
		noID("get", h.do("GET", "functions/"+f.ID, nil).want(t, http.StatusOK))
		noID("list", h.do("GET", "functions", nil).want(t, http.StatusOK))
		noID("update", h.do("PUT", "functions/"+f.ID+"/config", map[string]any{"memory_mb": 256}).want(t, http.StatusOK))
		if fns := h.srv.Functions(); len(fns) != 1 || fns[0].CreateRequestID != key1 {
			t.Errorf("the store: %+v", fns)
		}
	}, func(o *localfaas.Options) { o.OmitCreateRequestID = true })
}
