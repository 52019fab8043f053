// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

func TestSecrets(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		const value = "pa55-w0rd-value-7731"
		h.mu.Lock()
		h.secrets = append(h.secrets, value)
		h.mu.Unlock()

		r := h.do("POST", "secrets", map[string]any{"name": "db-password", "value": value}).want(t, http.StatusCreated)
		var sec struct{ ID, Name, Namespace, CreatedAt string }
		h.decode(r, &sec)
		if !uuidV4.MatchString(sec.ID) || sec.Name != "db-password" || sec.Namespace != "e2e-faas-local-dl" {
			t.Errorf("created %+v", sec)
		}
		r = h.do("POST", "secrets", map[string]any{"name": "db-password", "value": "other-value"}).want(t, http.StatusConflict)
		if e := errorOf(t, r); !strings.Contains(e.Message, "db-password") || !strings.Contains(e.Message, "PUT secrets/db-password") {
			t.Errorf("409 message %q does not point at the rotation", e.Message)
		}
		h.createSecret("API-Token", "tok-value-0042")
		h.do("POST", "secrets", map[string]any{"name": "elsewhere", "value": "v", "namespace": "e2e-faas-other-dl"}).want(t, http.StatusCreated)

		var list struct {
			Secrets []struct{ ID, Name, Namespace string }
		}
		h.decode(h.do("GET", "secrets", nil).want(t, http.StatusOK), &list)
		if len(list.Secrets) != 2 || list.Secrets[0].Name != "API-Token" || list.Secrets[1].Name != "db-password" {
			t.Errorf("list %+v", list)
		}
		if v, ok := h.srv.SecretValue("e2e-faas-local-dl", "db-password"); !ok || v != value {
			t.Errorf("SecretValue = %q, %v", v, ok)
		}
		if len(h.srv.Secrets()) != 3 {
			t.Errorf("Secrets() = %+v", h.srv.Secrets())
		}

		// In use: a delete is refused, naming the functions.
		a := h.create(with(minimal("uses-a"), "secrets", []string{"db-password"}))
		h.create(with(minimal("uses-b"), "secrets", []string{"API-Token", "db-password"}))
		r = h.do("DELETE", "secrets/db-password", nil).want(t, http.StatusConflict)
		if e := errorOf(t, r); !strings.Contains(e.Message, "uses-a, uses-b") {
			t.Errorf("409 message %q", e.Message)
		}
		h.do("PUT", "functions/"+a.ID+"/environment", map[string]any{"secrets": []string{}}).want(t, http.StatusOK)
		r = h.do("DELETE", "secrets/db-password", nil).want(t, http.StatusConflict)
		if e := errorOf(t, r); strings.Contains(e.Message, "uses-a") || !strings.Contains(e.Message, "uses-b") {
			t.Errorf("409 message %q", e.Message)
		}
		h.do("DELETE", "secrets/elsewhere", nil).want(t, http.StatusNotFound) // another namespace
		h.do("DELETE", "secrets/API-Token", nil).want(t, http.StatusConflict)
		if _, ok := h.srv.SecretValue("e2e-faas-local-dl", "API-Token"); !ok {
			t.Errorf("a refused delete removed the secret")
		}

		// Invalid secrets.
		for _, body := range []map[string]any{
			{"name": "-bad", "value": "v"}, {"name": "ok", "value": ""}, {"name": "ok"},
			{"name": "ok", "value": "v", "extra": 1}, {"name": "ok", "value": "v", "namespace": "Not A Namespace"},
		} {
			r := h.invalid("POST", "secrets", body).want(t, http.StatusBadRequest)
			errorOf(t, r)
		}

		// Delete, then 404.
		b := h.srv.Functions()
		for _, f := range b {
			h.srv.RemoveFunction(f.ID)
		}
		h.do("DELETE", "secrets/db-password", nil).want(t, http.StatusNoContent)
		h.do("DELETE", "secrets/db-password", nil).want(t, http.StatusNotFound)
		if _, ok := h.srv.SecretValue("e2e-faas-local-dl", "db-password"); ok {
			t.Errorf("value still held")
		}
		// Nothing ever logged a value (responses are checked by the harness).
		for _, req := range h.srv.Requests() {
			if strings.Contains(req.Path, value) {
				t.Errorf("request log holds a value: %+v", req)
			}
		}
	})
}

// rotation is the answer to PUT secrets/{name}.
type rotation struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
	Functions []string `json:"functions"`
}

// rotate sends PUT secrets/{name} with a value no answer may hold, and
// returns the answer.
func (h *harness) rotate(name, value string) rotation {
	h.t.Helper()
	h.mu.Lock()
	h.secrets = append(h.secrets, value)
	h.mu.Unlock()
	var out rotation
	h.decode(h.do("PUT", "secrets/"+name, map[string]any{"value": value}).want(h.t, http.StatusOK), &out)
	return out
}

// TestSecretRotation: PUT secrets/{name} replaces the value in place and
// redeploys exactly the functions of the namespace that name the secret.
func TestSecretRotation(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		h.createSecret("db-password", "first-value-5521")
		h.createSecret("other", "other-value-9034")
		h.send(call{Method: "POST", Path: "secrets", Project: "elsewhere",
			Body: map[string]any{"name": "db-password", "value": "elsewhere-value-1187"}}).want(t, http.StatusCreated)
		var created struct {
			Secrets []rotation
		}
		h.decode(h.do("GET", "secrets", nil).want(t, http.StatusOK), &created)

		bound1 := h.create(with(minimal("bound-one"), "secrets", []string{"db-password"}))
		bound2 := h.create(with(minimal("bound-two"), "secrets", []string{"other", "db-password"}))
		unbound := h.create(with(minimal("names-other"), "secrets", []string{"other"}))
		plain := h.create(minimal("no-secrets"))
		going := h.create(with(minimal("going-away"), "secrets", []string{"db-password"}))
		var abroad function
		h.decode(h.send(call{Method: "POST", Path: "functions", Project: "elsewhere",
			Body: with(minimal("bound-abroad"), "secrets", []string{"db-password"})}).want(t, http.StatusCreated), &abroad)
		h.clock.Advance(time.Second)
		h.do("DELETE", "functions/"+going.ID, nil).want(t, http.StatusAccepted)
		before := map[string]function{}
		for _, f := range []function{bound1, bound2, unbound, plain} {
			before[f.ID] = h.get(f.ID)
			if before[f.ID].Status != "Running" || before[f.ID].Version != "v1" {
				t.Fatalf("%s before the rotation: %s %s", f.Name, before[f.ID].Status, before[f.ID].Version)
			}
		}

		h.clock.Advance(time.Minute)
		rot := h.rotate("db-password", "second-value-6640")
		want := []string{bound1.ID, bound2.ID}
		slices.Sort(want)
		if !slices.Equal(rot.Functions, want) {
			t.Errorf("functions %q, want %q (the bound ones, sorted; not the one being deleted)", rot.Functions, want)
		}
		sec := created.Secrets[0]
		if rot.ID != sec.ID || rot.Name != "db-password" || rot.Namespace != "e2e-faas-local-dl" || rot.CreatedAt != sec.CreatedAt {
			t.Errorf("rotation %+v, secret %+v", rot, sec)
		}
		if at, err := time.Parse(time.RFC3339Nano, rot.UpdatedAt); err != nil || !at.Equal(t0.Add(time.Minute+time.Second)) {
			t.Errorf("updated_at %q, want the time of the rotation", rot.UpdatedAt)
		}

		// The bound functions redeploy; the others are untouched.
		for _, id := range want {
			f := h.get(id)
			if f.Status != "Deploying" || f.Version != "v2" || f.UpdatedAt != rot.UpdatedAt {
				t.Errorf("%s after the rotation: %s %s updated %s", f.Name, f.Status, f.Version, f.UpdatedAt)
			}
		}
		for _, f := range []function{unbound, plain} {
			if got := h.get(f.ID); got.Status != "Running" || got.Version != "v1" || got.UpdatedAt != before[f.ID].UpdatedAt {
				t.Errorf("%s was touched: %s %s updated %s", f.Name, got.Status, got.Version, got.UpdatedAt)
			}
		}
		if got := h.function(h.send(call{Method: "GET", Path: "functions/" + abroad.ID, Project: "elsewhere"}).want(t, http.StatusOK)); got.Version != "v1" {
			t.Errorf("a function of another namespace redeployed: %s", got.Version)
		}
		h.clock.Advance(time.Second)
		for _, id := range want {
			if f := h.get(id); f.Status != "Running" || f.Version != "v2" {
				t.Errorf("%s settled as %s %s %q", f.Name, f.Status, f.Version, f.ErrorMessage)
			}
		}
		if v, _ := h.srv.SecretValue("e2e-faas-local-dl", "db-password"); v != "second-value-6640" {
			t.Error("the value was not replaced")
		}
		if v, _ := h.srv.SecretValue("e2e-faas-elsewhere-dl", "db-password"); v != "elsewhere-value-1187" {
			t.Error("the secret of another namespace changed")
		}
		var logs struct {
			Logs []struct{ Message string }
		}
		h.decode(h.do("GET", "functions/"+bound1.ID+"/logs", nil).want(t, http.StatusOK), &logs)
		if !slices.ContainsFunc(logs.Logs, func(l struct{ Message string }) bool {
			return strings.Contains(l.Message, `secret "db-password" rotated`)
		}) {
			t.Errorf("the log does not say why the function redeployed: %+v", logs.Logs)
		}

		// A rotation's deploys fail as any deploy does: the first one started
		// (by id) meets FailNextDeploy; setting a value again redeploys again.
		h.srv.FailNextDeploy("injected failure")
		rot = h.rotate("db-password", "third-value-2093")
		h.clock.Advance(time.Second)
		if !slices.Equal(rot.Functions, want) {
			t.Errorf("second rotation: functions %q", rot.Functions)
		}
		if f := h.get(want[0]); f.Status != "Failed" || f.ErrorMessage != "injected failure" || f.Version != "v3" {
			t.Errorf("first redeploy after FailNextDeploy: %s %s %q", f.Status, f.Version, f.ErrorMessage)
		}
		if f := h.get(want[1]); f.Status != "Running" || f.Version != "v3" {
			t.Errorf("second redeploy: %s %s %q", f.Status, f.Version, f.ErrorMessage)
		}

		// A secret nothing names rotates alone.
		h.createSecret("unused", "unused-value-3310")
		if rot := h.rotate("unused", "unused-value-4421"); rot.Functions == nil || len(rot.Functions) != 0 {
			t.Errorf("functions %#v, want an empty list", rot.Functions)
		}

		var routes []string
		for _, req := range h.srv.Requests() {
			if req.Method == "PUT" && strings.HasPrefix(req.Path, "/faas/api/v1/secrets/") {
				routes = append(routes, req.Route)
			}
			for _, v := range []string{"second-value-6640", "third-value-2093"} {
				if strings.Contains(req.Path, v) {
					t.Errorf("request log holds a value: %+v", req)
				}
			}
		}
		if len(routes) != 3 || routes[0] != "PUT secrets/{name}" {
			t.Errorf("routes %q, want PUT secrets/{name} three times", routes)
		}
	}, delays(time.Second, time.Hour))
}

// TestSecretRotationRefusals: an absent secret is 404, a bad body 400 (which
// the contract refuses too), and a fault injected on the route changes
// nothing.
func TestSecretRotationRefusals(t *testing.T) {
	h := newHarness(t)
	h.createSecret("db-password", "kept-value-8812")
	f := h.create(with(minimal("bound"), "secrets", []string{"db-password"}))
	h.get(f.ID)

	r := h.do("PUT", "secrets/nothing", map[string]any{"value": "never-stored-4410"}).want(t, http.StatusNotFound)
	if e := errorOf(t, r); !strings.Contains(e.Message, `"nothing"`) {
		t.Errorf("404 message %q", e.Message)
	}
	h.send(call{Method: "PUT", Path: "secrets/db-password", Project: "elsewhere",
		Body: map[string]any{"value": "never-stored-4410"}}).want(t, http.StatusNotFound)

	for _, tc := range []struct {
		name  string
		body  any
		field string // "" for a body that is not an object
	}{
		{"no value", map[string]any{}, "value"},
		{"empty value", map[string]any{"value": ""}, "value"},
		{"null value", map[string]any{"value": nil}, "value"},
		{"value not a string", map[string]any{"value": 42}, "value"},
		{"another key", map[string]any{"value": "never-stored-4410", "name": "db-password"}, "name"},
		{"not JSON", []byte(`{"value": never-stored-4410`), ""},
		{"not an object", []byte(`["never-stored-4410"]`), ""},
		{"no body", []byte{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			complaints := h.tolerated.Load()
			r := h.invalid("PUT", "secrets/db-password", tc.body).want(t, http.StatusBadRequest)
			e := errorOf(t, r)
			if tc.field != "" && len(e.Errors[tc.field]) == 0 {
				t.Errorf("errors %v, want one for %s", e.Errors, tc.field)
			}
			if strings.Contains(string(r.Body), "never-stored-4410") {
				t.Errorf("the answer echoes the value: %s", r.Body)
			}
			if h.tolerated.Load() == complaints {
				t.Errorf("internal/api/openapi.yaml accepts a body the server refuses")
			}
		})
	}

	if err := h.srv.SetFaults(faults.Config{Seed: 1, Routes: map[string]faults.Rule{
		"PUT secrets/{name}": {Rate: 1, Kinds: kinds(faults.InternalError)},
	}}); err != nil {
		t.Fatal(err)
	}
	h.do("PUT", "secrets/db-password", map[string]any{"value": "never-stored-4410"}).want(t, http.StatusInternalServerError)
	h.srv.ClearFaults()

	if v, _ := h.srv.SecretValue("e2e-faas-local-dl", "db-password"); v != "kept-value-8812" {
		t.Error("a refused rotation changed the value")
	}
	if got := h.get(f.ID); got.Version != "v1" || got.Status != "Running" {
		t.Errorf("a refused rotation redeployed: %s %s", got.Status, got.Version)
	}
	for _, req := range h.srv.Requests() {
		if req.Method == "PUT" && req.Route != "PUT secrets/{name}" {
			t.Errorf("route %q for %s", req.Route, req.Path)
		}
	}
}
