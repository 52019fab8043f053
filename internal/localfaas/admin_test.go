// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

func TestRequestLog(t *testing.T) {
	h := newHarness(t)
	f := h.create(minimal("logged-requests"))
	h.do("PUT", "functions/"+f.ID+"/config", map[string]any{"memory_mb": 256})
	h.do("GET", "functions/"+f.ID, nil)
	h.send(call{Method: "GET", Path: "runtimes", Key: ptr("wrong")})
	h.invalid("GET", "no-such-route", nil)
	h.do("GET", "/_local/requests", nil) // admin requests are not logged

	want := []localfaas.Request{
		{Method: "POST", Path: "/faas/api/v1/functions", Route: "POST functions", Status: 201},
		{Method: "PUT", Path: "/faas/api/v1/functions/" + f.ID + "/config", Route: "PUT functions/{id}/config", Status: 200},
		{Method: "GET", Path: "/faas/api/v1/functions/" + f.ID, Route: "GET functions/{id}", Status: 200},
		{Method: "GET", Path: "/faas/api/v1/runtimes", Route: "", Status: 401},
		{Method: "GET", Path: "/faas/api/v1/no-such-route", Route: "", Status: 404},
	}
	got := h.srv.Requests()
	if len(got) != len(want) {
		t.Fatalf("log %+v", got)
	}
	for i := range want {
		want[i].Time = t0
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	// Over HTTP.
	var out struct {
		Requests []struct {
			Method, Path, Route, Time string
			Status                    int
		}
	}
	r := h.do("GET", "/_local/requests", nil).want(t, http.StatusOK)
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Requests) != 5 || out.Requests[1].Route != "PUT functions/{id}/config" || out.Requests[1].Status != 200 ||
		out.Requests[1].Time != "2025-01-15T10:30:00Z" {
		t.Errorf("over HTTP: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "apikey") {
		t.Errorf("the log holds the query: %s", r.Body)
	}

	h.do("DELETE", "/_local/requests", nil).want(t, http.StatusNoContent)
	if n := len(h.srv.Requests()); n != 0 {
		t.Errorf("%d entries after reset", n)
	}
	h.do("GET", "runtimes", nil)
	h.srv.ResetRequests()
	if n := len(h.srv.Requests()); n != 0 {
		t.Errorf("%d entries after ResetRequests", n)
	}
}

func TestAdminPatchFunction(t *testing.T) {
	h := newHarness(t)
	f := h.create(with(minimal("drifting"), "labels", map[string]string{"keep": "1", "drop": "2"}))
	f = h.get(f.ID)
	h.clock.Advance(time.Minute)

	r := h.do("PATCH", "/_local/functions/"+f.ID, map[string]any{
		"config": map[string]any{"memory_mb": 256}, "labels": map[string]any{"x": "y", "drop": nil},
	}).want(t, http.StatusOK)
	var patched function
	if err := json.Unmarshal(r.Body, &patched); err != nil {
		t.Fatal(err)
	}
	got := h.get(f.ID)
	if got.Config.MemoryMB != 256 || got.Config.TimeoutSeconds != 30 || got.Labels["x"] != "y" || got.Labels["keep"] != "1" ||
		len(got.Labels) != 2 || got.Status != "Running" || got.Version != "v1" || got.UpdatedAt != "2025-01-15T10:31:00Z" {
		t.Errorf("after patch: %+v", got)
	}
	if patched.Config.MemoryMB != 256 || patched.InvokeURL != f.InvokeURL {
		t.Errorf("patch answered %+v", patched)
	}

	// Code, status and counters.
	archive := zipBytes(map[string]string{"new.py": "x"})
	h.do("PATCH", "/_local/functions/"+f.ID, map[string]any{"code_archive": b64(archive), "invocation_count": 7}).want(t, http.StatusOK)
	got = h.get(f.ID)
	if got.CodeSHA256 == f.CodeSHA256 || got.InvocationCount != 7 || got.Status != "Running" {
		t.Errorf("after code patch: %+v", got)
	}
	h.do("PATCH", "/_local/functions/"+f.ID, map[string]any{"status": "Failed", "error_message": "OOMKilled"}).want(t, http.StatusOK)
	if got := h.get(f.ID); got.Status != "Failed" || got.ErrorMessage != "OOMKilled" {
		t.Errorf("after status patch: %s %q", got.Status, got.ErrorMessage)
	}
	h.do("PATCH", "/_local/functions/"+f.ID, map[string]any{"code_sha256": strings.Repeat("0f", 32)}).want(t, http.StatusOK)
	if got := h.get(f.ID); got.CodeSHA256 != strings.Repeat("0f", 32) {
		t.Errorf("after hash patch: %s", got.CodeSHA256)
	}

	for _, body := range []map[string]any{
		{"config": map[string]any{"memory_mb": 1}},
		{"name": "renamed"},
		{"status": "Sleeping"},
		{"invocation_count": -1},
		{"code_sha256": "abc"},
	} {
		errorOf(t, h.do("PATCH", "/_local/functions/"+f.ID, body).want(t, http.StatusBadRequest))
	}
	errorOf(t, h.do("PATCH", "/_local/functions/nope", map[string]any{"labels": map[string]any{}}).want(t, http.StatusNotFound))

	h.do("DELETE", "/_local/functions/"+f.ID, nil).want(t, http.StatusNoContent)
	h.do("GET", "functions/"+f.ID, nil).want(t, http.StatusNotFound)
	h.do("DELETE", "/_local/functions/"+f.ID, nil).want(t, http.StatusNotFound)
}

func TestAdminFailNextDeployOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.do("POST", "/_local/fail-next-deploy", map[string]any{"message": "registry unreachable"}).want(t, http.StatusNoContent)
	f := h.create(minimal("fails-over-http"))
	if got := h.get(f.ID); got.Status != "Failed" || got.ErrorMessage != "registry unreachable" {
		t.Errorf("got %s %q", got.Status, got.ErrorMessage)
	}
	h.do("POST", "/_local/fail-next-deploy", nil).want(t, http.StatusNoContent)
	h.do("POST", "functions/"+f.ID+"/deploy", nil).want(t, http.StatusOK)
	if got := h.get(f.ID); got.Status != "Failed" || got.ErrorMessage == "" {
		t.Errorf("got %s %q", got.Status, got.ErrorMessage)
	}
	errorOf(t, h.do("POST", "/_local/fail-next-deploy", map[string]any{"msg": "x"}).want(t, http.StatusBadRequest))
}

func TestAdminGoSurface(t *testing.T) {
	h := newHarness(t, delays(time.Second, time.Second))
	f := h.create(minimal("go-admin"))

	// Copies: changing what is returned changes nothing stored.
	got, ok := h.srv.Function(f.ID)
	if !ok || got.Status != "Deploying" {
		t.Fatalf("Function = %+v, %v", got, ok)
	}
	got.Labels["x"] = "y"
	got.CodeArchive[0] = 'X'
	again, _ := h.srv.Function(f.ID)
	if len(again.Labels) != 0 || again.CodeArchive[0] != 'P' {
		t.Errorf("Function shares state with the store")
	}

	h.clock.Advance(time.Second)
	err := h.srv.UpdateFunction(f.ID, func(fn *localfaas.Function) {
		fn.Config.MemoryMB = 512
		fn.Environment = nil
		fn.Name = "renamed" // ignored
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.get(f.ID); got.Config.MemoryMB != 512 || got.Name != "go-admin" || got.Environment == nil || got.Status != "Running" ||
		got.UpdatedAt != "2025-01-15T10:30:01Z" || got.Version != "v1" {
		t.Errorf("after UpdateFunction: %+v", got)
	}
	// Setting Deploying starts a deploy.
	if err := h.srv.UpdateFunction(f.ID, func(fn *localfaas.Function) { fn.Status = localfaas.StatusDeploying }); err != nil {
		t.Fatal(err)
	}
	if got := h.get(f.ID); got.Status != "Deploying" || got.Version != "v2" {
		t.Errorf("out-of-band redeploy: %s %s", got.Status, got.Version)
	}

	err = h.srv.UpdateFunction(f.ID, func(fn *localfaas.Function) { fn.Config.Replicas = 9 })
	if err == nil || !strings.Contains(err.Error(), "config.replicas") {
		t.Errorf("invalid change: %v", err)
	}
	if err := h.srv.UpdateFunction("nope", func(*localfaas.Function) {}); !errors.Is(err, localfaas.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}

	// Setting Deleting starts a delete, whatever the status.
	g := h.create(minimal("go-admin-deleted"))
	if err := h.srv.UpdateFunction(g.ID, func(fn *localfaas.Function) { fn.Status = localfaas.StatusDeleting }); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.srv.Function(g.ID); got.Status != "Deleting" {
		t.Errorf("out-of-band delete: %s", got.Status)
	}
	h.clock.Advance(time.Second)
	h.do("GET", "functions/"+g.ID, nil).want(t, http.StatusNotFound)

	if !h.srv.RemoveFunction(f.ID) || h.srv.RemoveFunction(f.ID) {
		t.Errorf("RemoveFunction")
	}
	h.do("GET", "functions/"+f.ID, nil).want(t, http.StatusNotFound)
}

// The platform's own changes (reserved labels, PORT, a hash that no longer
// matches) are possible out of band, and do not block later requests that
// keep them.
func TestOutOfBandValuesDoNotBlockUpdates(t *testing.T) {
	h := newHarness(t)
	f := h.create(minimal("platform-touched"))
	err := h.srv.UpdateFunction(f.ID, func(fn *localfaas.Function) {
		fn.Labels = map[string]string{"com.openfaas.scale.min": "1"}
		fn.Environment = map[string]string{"PORT": "8080"}
		fn.CodeSHA256 = strings.Repeat("ab", 32)
	})
	if err != nil {
		t.Fatal(err)
	}
	got := h.get(f.ID)
	if got.CodeSHA256 != strings.Repeat("ab", 32) || got.Labels["com.openfaas.scale.min"] != "1" || got.Environment["PORT"] != "8080" {
		t.Fatalf("out-of-band values: %+v", got)
	}

	h.do("PUT", "functions/"+f.ID+"/code", map[string]any{"code_archive": zipB64(nil)}).want(t, http.StatusOK)
	if got := h.get(f.ID); got.CodeSHA256 != f.CodeSHA256 {
		t.Errorf("new code brings its hash: %s", got.CodeSHA256)
	}
	h.do("PUT", "functions/"+f.ID+"/metadata", map[string]any{"labels": map[string]string{"com.openfaas.scale.min": "1", "a": "b"}}).
		want(t, http.StatusOK)
	r := h.do("PUT", "functions/"+f.ID+"/metadata", map[string]any{"labels": map[string]string{"com.openfaas.scale.max": "3"}}).
		want(t, http.StatusBadRequest)
	if e := errorOf(t, r); e.Errors["labels.com.openfaas.scale.max"] == nil {
		t.Errorf("adding a reserved label: %+v", e)
	}
	h.do("PUT", "functions/"+f.ID+"/environment", map[string]any{"environment": map[string]string{"PORT": "8080", "B": "1"}}).
		want(t, http.StatusOK)

	if err := h.srv.UpdateFunction(f.ID, func(fn *localfaas.Function) { fn.CodeSHA256 = "xyz" }); err == nil {
		t.Errorf("a malformed hash was accepted")
	}
	if err := h.srv.UpdateFunction(f.ID, func(fn *localfaas.Function) { fn.Config.MemoryMB = 1 << 20 }); err == nil {
		t.Errorf("memory out of the contract's range was accepted")
	}
}
