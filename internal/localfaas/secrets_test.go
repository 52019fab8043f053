package localfaas_test

import (
	"net/http"
	"strings"
	"testing"
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
		if e := errorOf(t, r); !strings.Contains(e.Message, "db-password") {
			t.Errorf("409 message %q", e.Message)
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
