// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
)

// TestUpdateSecret: PUT secrets/{name} with the value alone in the body; the
// answer is read bare or enveloped, and an empty list of functions stays a
// list.
func TestUpdateSecret(t *testing.T) {
	const value = "r0tated-V4lue!"
	empty := testRotation()
	empty.Functions = []string{}
	for _, tc := range []struct {
		name   string
		answer any
		want   *SecretRotation
	}{
		{"bare", testRotation(), testRotation()},
		{"enveloped", enveloped(testRotation()), testRotation()},
		{"no function names it", empty, empty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, tc.answer)
			}, wantScope("20235", "Delhi"))
			got, err := srv.client(func(c *Config) { c.ProjectID, c.Location = "20235", "Delhi" }).UpdateSecret(context.Background(), "db-password", value)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) || got.Functions == nil {
				t.Errorf("decoded %+v, want %+v", got, tc.want)
			}
			ex := srv.last()
			if ex.Method != http.MethodPut || ex.Path != api.BasePath+"secrets/db-password" {
				t.Errorf("sent %s %s", ex.Method, ex.Path)
			}
			if string(ex.Body) != `{"value":"`+value+`"}` {
				t.Errorf("body %s, want the value alone", ex.Body)
			}
			for k, v := range ex.Query {
				if k != "apikey" && k != "project_id" && k != "location" || strings.Contains(strings.Join(v, ""), value) {
					t.Errorf("query %s=%q", k, v)
				}
			}
		})
	}
}

// wantScope makes the test server expect the project and location.
func wantScope(project, location string) serverOption {
	return func(s *apiServer) { s.wantProject, s.wantLocation = project, location }
}

// TestUpdateSecretNotFound: a secret that does not exist is the API's 404,
// which IsNotFound recognises; the error names the path, never the value.
func TestUpdateSecretNotFound(t *testing.T) {
	const value = "n0t-st0red-V4lue"
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, `secret "db-password" not found in namespace e2e-faas-local-dl`, nil)
	})
	_, err := srv.client().UpdateSecret(context.Background(), "db-password", value)
	if !IsNotFound(err) {
		t.Fatalf("error %v, want a 404", err)
	}
	if e := asAPIError(t, err); e.Method != http.MethodPut || e.Path != "secrets/db-password" {
		t.Errorf("error %+v", e)
	}
	if srv.count() != 1 {
		t.Errorf("%d requests, want 1: a 404 is final", srv.count())
	}
	assertNoCredentials(t, "error", err.Error(), value)
}

// TestUpdateSecretUnsupportedByMyAccount: the MyAccount API has no secrets
// endpoints, so rotation is refused without a request.
func TestUpdateSecretUnsupportedByMyAccount(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
	}, myAccountDialect)
	var client API = srv.myAccountClient()
	_, err := client.UpdateSecret(context.Background(), "db-password", "v4lue-never-sent")
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("error %v, want ErrUnsupported", err)
	}
	if client.Capabilities().Secrets {
		t.Error("the MyAccount dialect claims secrets")
	}
	assertNoCredentials(t, "error", err.Error(), "v4lue-never-sent")
}
