// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// The identity of a function on both dialects: recorded in the state,
// an import block by identity imports it (under faas-v1 with the name
// alone too), and a namespace where the dialect has none is refused.
func TestAccIdentity_function(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		verbsTerraform(t)
		env := newDialectTestEnv(t, d, nil)
		base := dialectConfig(env, "id-fn", "one", "")
		// faas-v1 cannot give the code back: the import plans the code.
		codeNotReturned := d.name == faasV1.name
		steps := []resource.TestStep{
			{
				Config: base,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(fn, map[string]knownvalue.Check{"name": knownvalue.StringExact("id-fn"), "namespace": d.namespace}),
				},
			},
			{
				ResourceName: fn, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: codeNotReturned,
			},
			{
				// The name alone: unique under faas-v1, the id under myaccount.
				ResourceName: fn, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportStateConfigExact: true, ExpectNonEmptyPlan: codeNotReturned,
				Config: base + `
import {
  to       = e2e_faas_function.test
  identity = { name = "id-fn" }
}
`,
			},
		}
		if !codeNotReturned {
			steps = append(steps, resource.TestStep{
				Config: base + fmt.Sprintf(`
resource "e2e_faas_function" "again" {
  name        = "id-fn"
  runtime     = %q
  code_inline = %q
}

import {
  to       = e2e_faas_function.again
  identity = { name = "id-fn", namespace = "e2e-faas-12345-dl" }
}
`, d.runtime, fmt.Sprintf(dialectCode, "one")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)namespace "e2e-faas-12345-dl".*myaccount API.*has no\s+namespaces`),
			})
		}
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			CheckDestroy:             env.nothingLeft,
			Steps:                    steps,
		})
	})
}

// A secret's identity (faas-v1, the dialect with secrets): recorded, and an
// import block by identity imports it.
func TestAccIdentity_secret(t *testing.T) {
	verbsTerraform(t)
	env := newTestEnv(t)
	cfg := env.config(`
resource "e2e_faas_secret" "s" {
  name  = "id-secret"
  value = "v-1"
}
`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             env.nothingLeft,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity("e2e_faas_secret.s", map[string]knownvalue.Check{
						"name": knownvalue.StringExact("id-secret"), "namespace": knownvalue.StringExact("e2e-faas-local-dl"),
					}),
				},
			},
			{
				ResourceName: "e2e_faas_secret.s", ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity,
				// The API never gives a secret's value back.
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("e2e_faas_secret.s", plancheck.ResourceActionUpdate),
				}},
			},
		},
	})
}

// A state written by Terraform 1.11, without identities, plans nothing
// under Terraform 1.15.9, and its next apply records the identities.
func TestAccIdentity_upgradeFromStateWithout(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		newer := requireVerbsTerraform(t)
		env := newDialectTestEnv(t, d, nil)
		ws := verbsWorkspaceOn(t, env)
		config := verbsProviderBlock + `
resource "e2e_faas_function" "test" {
  name        = "upgrade-fn"
  runtime     = "` + d.runtime + `"
  code_inline = "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": \"up\"}\n"
}
`
		if d.name == faasV1.name {
			config += `
resource "e2e_faas_secret" "s" {
  name  = "upgrade-secret"
  value = "v-1"
}
`
		}
		ws.writeConfig(config)
		ws.mustRun(0, "apply", "-auto-approve") // Terraform 1.11, from PATH
		if identities := stateIdentities(t, ws); len(identities) != 0 {
			t.Fatalf("Terraform 1.11 recorded identities: %v", identities)
		}

		t.Setenv("TF_ACC_TERRAFORM_PATH", newer)
		ws.mustRun(0, "plan", "-detailed-exitcode")
		ws.mustRun(0, "apply", "-auto-approve")
		identities := stateIdentities(t, ws)
		want := map[string]string{"e2e_faas_function.test": `{"name":"upgrade-fn","namespace":null}`}
		if d.name == faasV1.name {
			want = map[string]string{
				"e2e_faas_function.test": `{"name":"upgrade-fn","namespace":"e2e-faas-local-dl"}`,
				"e2e_faas_secret.s":      `{"name":"upgrade-secret","namespace":"e2e-faas-local-dl"}`,
			}
		}
		for addr, w := range want {
			if identities[addr] != w {
				t.Errorf("identity of %s: %s, want %s", addr, identities[addr], w)
			}
		}
		ws.mustRun(0, "plan", "-detailed-exitcode")
		ws.mustRun(0, "destroy", "-auto-approve")
	})
}

// verbsWorkspaceOn is a CLI workspace for env's server, on whichever
// terraform TF_ACC_TERRAFORM_PATH names when it runs.
func verbsWorkspaceOn(t *testing.T, env *testEnv) *cliWorkspace {
	t.Helper()
	vars := []string{"E2E_API_ENDPOINT=" + env.url, "E2E_API_KEY=" + env.key, "E2E_AUTH_TOKEN=" + env.token}
	if env.dialect.projectID != "" {
		vars = append(vars, "E2E_PROJECT_ID="+env.dialect.projectID)
	}
	return newCLIWorkspace(t, vars...)
}

// stateIdentities reads the identities the workspace's state records, by
// resource address, as compact JSON.
func stateIdentities(t *testing.T, ws *cliWorkspace) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(ws.work, "terraform.tfstate"))
	must(t, err)
	var state struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				Identity json.RawMessage `json:"identity"`
			}
		}
	}
	must(t, json.Unmarshal(raw, &state))
	out := map[string]string{}
	for _, r := range state.Resources {
		for _, i := range r.Instances {
			if len(i.Identity) > 0 {
				var v any
				must(t, json.Unmarshal(i.Identity, &v))
				b, _ := json.Marshal(v)
				out[r.Type+"."+r.Name] = string(b)
			}
		}
	}
	return out
}
