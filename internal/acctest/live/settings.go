// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package live is the plumbing of the live acceptance tests (`make
// testacc-live`) and the sweeper (`make sweep-live`): whether a run may
// reach E2E at all, the names it may touch, the loopback proxy through which
// every exchange is recorded for the conformance report, the probes of the
// API's assumptions, and the clean-up of what a run made. The same plumbing
// drives the local rehearsal against e2e-faas-local in `make test`.
package live

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// The environment of a live run.
const (
	// EnvOptIn must be exactly "1" for anything to reach a remote endpoint.
	EnvOptIn     = "E2E_LIVE_ACC"
	EnvAPIKey    = "E2E_API_KEY"
	EnvAuthToken = "E2E_AUTH_TOKEN"
	EnvProjectID = "E2E_PROJECT_ID"
	EnvLocation  = "E2E_LOCATION"
	EnvEndpoint  = "E2E_API_ENDPOINT"
	EnvReport    = "E2E_LIVE_REPORT"

	// DefaultLocation is where E2E offers Functions.
	DefaultLocation = faas.DefaultMyAccountLocation
	// DefaultReport is the report's file when EnvReport is not set.
	DefaultReport = "live-report.md"
)

// Settings are what a live run talks to, and where its report goes.
type Settings struct {
	// Endpoint is the MyAccount API base, e.g. faas.DefaultMyAccountEndpoint.
	Endpoint  string
	APIKey    string
	AuthToken string
	ProjectID string
	Location  string
	Report    string
}

// Secrets are the settings no report or log may show.
func (s Settings) Secrets() []string { return []string{s.APIKey, s.AuthToken} }

// FromEnv decides, from the environment alone and without any I/O, whether
// a live run may start. Without the opt-in it returns a reason to skip and
// no settings; with it, the settings, or an error naming what is missing or
// wrong (an explicit opt-in with broken settings is a failure, not a skip).
func FromEnv(getenv func(string) string) (Settings, string, error) {
	if v := getenv(EnvOptIn); v != "1" {
		why := EnvOptIn + " is not set"
		if v != "" {
			why = fmt.Sprintf("%s is %q, not 1", EnvOptIn, v)
		}
		return Settings{}, fmt.Sprintf("live acceptance tests are off (%s): set %s=1 with %s, %s and %s "+
			"to run them against E2E's API; nothing remote was contacted", why, EnvOptIn, EnvAPIKey, EnvAuthToken, EnvProjectID), nil
	}
	s := Settings{
		Endpoint: getenv(EnvEndpoint), APIKey: getenv(EnvAPIKey), AuthToken: getenv(EnvAuthToken),
		ProjectID: getenv(EnvProjectID), Location: getenv(EnvLocation), Report: getenv(EnvReport),
	}
	var missing []string
	for name, v := range map[string]string{EnvAPIKey: s.APIKey, EnvAuthToken: s.AuthToken, EnvProjectID: s.ProjectID} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return Settings{}, "", fmt.Errorf("%s=1 but these are not set: %s", EnvOptIn, strings.Join(missing, ", "))
	}
	if !catalogue.IsProjectID(s.ProjectID) {
		return Settings{}, "", fmt.Errorf("%s is %q, not a positive integer of at most 18 digits, as a project_id is", EnvProjectID, s.ProjectID)
	}
	if s.Endpoint == "" {
		s.Endpoint = faas.DefaultMyAccountEndpoint
	}
	if err := checkEndpoint(s.Endpoint); err != nil {
		return Settings{}, "", err
	}
	if !strings.HasSuffix(s.Endpoint, "/") {
		s.Endpoint += "/"
	}
	if s.Location == "" {
		s.Location = DefaultLocation
	}
	if s.Report == "" {
		s.Report = DefaultReport
	}
	return s, "", nil
}

// checkEndpoint accepts https, and plain http to this machine only (the
// key and token travel in every request).
func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s is %q, not an absolute URL", EnvEndpoint, endpoint)
	}
	if strings.Contains(u.Path, "/faas/api/v1") {
		return fmt.Errorf("%s is %q, the faas-v1 dialect's base: live runs speak E2E's MyAccount API", EnvEndpoint, endpoint)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("%s is %q: use https:// (plain http:// only to this machine), since the credentials travel in every request", EnvEndpoint, endpoint)
}
