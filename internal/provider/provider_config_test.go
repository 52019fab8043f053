// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// The settings come from the environment when the provider block is empty,
// including the existing E2E provider's SERVICE_* names; project_id reaches
// the API (the namespace is the project's). Not parallel: it sets the
// process environment.
func TestAccProvider_environmentFallbacks(t *testing.T) {
	env := newTestEnv(t)
	for _, name := range []string{"E2E_API_KEY", "E2E_AUTH_TOKEN", "E2E_API_ENDPOINT"} {
		t.Setenv(name, "")
	}
	t.Setenv("SERVICE_API_ENDPOINT", env.url)
	t.Setenv("SERVICE_API_KEY", env.key)
	t.Setenv("SERVICE_AUTH_TOKEN", env.token)
	t.Setenv("E2E_PROJECT_ID", "20235")
	t.Setenv("E2E_LOCATION", "Delhi")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "e2e" {}

resource "e2e_faas_function" "test" {
  name        = "from-env"
  runtime     = "python3.11"
  code_inline = "def handle(event, context):\n    return 1\n"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				expect("namespace", knownvalue.StringExact("e2e-faas-20235-dl")),
				expect("status", knownvalue.StringExact("Running")),
			},
		}},
	})
}

// Missing or unknown credentials fail before anything is sent, naming the
// attribute and saying how to fix it.
func TestAccProvider_credentialErrors(t *testing.T) {
	for _, name := range []string{"E2E_API_KEY", "E2E_AUTH_TOKEN", "SERVICE_API_KEY", "SERVICE_AUTH_TOKEN"} {
		t.Setenv(name, "")
	}
	env := newTestEnv(t)
	fnBlock := `
resource "e2e_faas_function" "test" {
  name        = "no-creds"
  runtime     = "python3.11"
  code_inline = "def handle(event, context):\n    return 1\n"
}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `provider "e2e" {}` + fnBlock,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Missing E2E API key.*E2E_API_KEY.*Missing E2E auth token.*E2E_AUTH_TOKEN`),
			},
			{
				Config: `
resource "terraform_data" "key" {
  input = "late"
}

provider "e2e" {
  api_endpoint = "` + env.url + `"
  api_key      = terraform_data.key.output
  auth_token   = "` + env.token + `"
}
` + fnBlock,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Unknown api_key.*environment variable`),
			},
			{
				Config: `
provider "e2e" {
  api_endpoint = "` + env.url + `"
  api_key      = "wrong"
  auth_token   = "` + env.token + `"
}
` + fnBlock,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)refused the credentials.*401.*Check api_key and auth_token`),
			},
		},
	})
	if w := env.writes(); len(w) != 0 {
		t.Errorf("failed configurations wrote to the API: %v", w)
	}
}
