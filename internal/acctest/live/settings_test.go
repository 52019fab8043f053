// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live

import (
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// Where a run goes is decided from the environment alone: nothing without
// the opt-in (whatever else is set), E2E's MyAccount API by default with
// it, and an error for settings that cannot be right.
func TestFromEnv(t *testing.T) {
	creds := map[string]string{EnvAPIKey: "k", EnvAuthToken: "t", EnvProjectID: "12345"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range creds {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		skip string
		err  string
		want Settings
	}{
		{name: "nothing set", vars: nil, skip: "E2E_LIVE_ACC is not set"},
		{name: "credentials without the opt-in", vars: with(map[string]string{EnvEndpoint: "https://example.com/myaccount/api/v1/"}), skip: "nothing remote was contacted"},
		{name: "opt-in not 1", vars: with(map[string]string{EnvOptIn: "true"}), skip: `E2E_LIVE_ACC is "true", not 1`},
		{name: "opt-in without credentials", vars: map[string]string{EnvOptIn: "1", EnvProjectID: "1"}, err: "E2E_API_KEY, E2E_AUTH_TOKEN"},
		{name: "project not a number", vars: with(map[string]string{EnvOptIn: "1", EnvProjectID: "abc"}), err: "not a positive integer"},
		{name: "plain http elsewhere", vars: with(map[string]string{EnvOptIn: "1", EnvEndpoint: "http://api.example.com/myaccount/api/v1/"}), err: "use https://"},
		{name: "faas-v1 base", vars: with(map[string]string{EnvOptIn: "1", EnvEndpoint: "https://x.example/faas/api/v1/"}), err: "faas-v1"},
		{
			name: "defaults", vars: with(map[string]string{EnvOptIn: "1"}),
			want: Settings{Endpoint: faas.DefaultMyAccountEndpoint, APIKey: "k", AuthToken: "t", ProjectID: "12345", Location: "Delhi", Report: "live-report.md"},
		},
		{
			name: "everything set", vars: with(map[string]string{EnvOptIn: "1", EnvEndpoint: "http://127.0.0.1:8080/myaccount/api/v1", EnvLocation: "Mumbai", EnvReport: "/tmp/r.md"}),
			want: Settings{Endpoint: "http://127.0.0.1:8080/myaccount/api/v1/", APIKey: "k", AuthToken: "t", ProjectID: "12345", Location: "Mumbai", Report: "/tmp/r.md"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, skip, err := FromEnv(env(tc.vars))
			switch {
			case tc.skip != "":
				if !strings.Contains(skip, tc.skip) || err != nil || got != (Settings{}) {
					t.Errorf("skip %q, err %v, settings %+v; want a skip saying %q", skip, err, got, tc.skip)
				}
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) || skip != "" {
					t.Errorf("err %v, skip %q; want an error saying %q", err, skip, tc.err)
				}
			default:
				if err != nil || skip != "" || got != tc.want {
					t.Errorf("got %+v (skip %q, err %v), want %+v", got, skip, err, tc.want)
				}
			}
		})
	}
}

// Names are E2E-valid and carry the prefix; only such names are the
// sweeper's.
func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n := Name()
		if !Ours(n) || len(n) > 40 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || seen[n] {
			t.Fatalf("bad or repeated name %q", n)
		}
		seen[n] = true
	}
	for _, n := range []string{"tf-acc-", "tf-accx", "prod-tf-acc-1", "TF-ACC-1", ""} {
		if Ours(n) {
			t.Errorf("%q is taken as a run's", n)
		}
	}
}
