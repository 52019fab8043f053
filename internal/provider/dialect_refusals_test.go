// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// A MyAccount runtime against a faas-v1 endpoint (the README's snippet
// against a server printing faas-v1 settings) fails the plan naming the API
// in use, that the runtime is the other API's, and how to pick that one.
func TestAccFaaSV1_runtimeRefusalNamesTheOtherAPI(t *testing.T) {
	env := newTestEnv(t)
	accTest(t, env, resource.TestStep{
		Config: env.config(`
resource "e2e_faas_function" "test" {
  name        = "hello"
  runtime     = "python3-http-debian"
  code_inline = %q
}
`, fmt.Sprintf(dialectCode, "x")),
		PlanOnly: true,
		ExpectError: regexp.MustCompile(`(?s)runtime.*faas-v1\s+API.*"python3-http-debian"\s+is\s+a\s+runtime\s+of\s+the\s+MyAccount\s+API.*` +
			`api_flavor\s+=\s+"myaccount".*E2E_API_FLAVOR=myaccount`),
	})
}
