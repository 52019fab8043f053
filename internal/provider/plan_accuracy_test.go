// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// The plan shows as unknown only what the apply will really learn: what a
// dialect never returns (under myaccount namespace, version and
// invocation_count) is planned null on a create and on an update, and what
// it does return is unknown on a create and kept or unknown on an update as
// the change requires.
func TestAccDialects_planNullsWhatIsNeverReturned(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		base := dialectConfig(env, "plan-nulls", "one", "")
		changed := dialectConfig(env, "plan-nulls", "one", "environment = { A = \"1\" }")
		never := []string{"namespace", "version", "invocation_count"}
		onCreate := func(name string) plancheck.PlanCheck {
			if d.name == myAccount.name {
				return plancheck.ExpectKnownValue(fn, at(name), knownvalue.Null())
			}
			return plancheck.ExpectUnknownValue(fn, at(name))
		}
		onUpdate := map[string]plancheck.PlanCheck{
			"namespace":        plancheck.ExpectKnownValue(fn, at("namespace"), d.namespace),
			"version":          plancheck.ExpectUnknownValue(fn, at("version")), // the environment change redeploys
			"invocation_count": plancheck.ExpectKnownValue(fn, at("invocation_count"), d.invocationCount),
		}
		if d.name == myAccount.name {
			onUpdate["version"] = plancheck.ExpectKnownValue(fn, at("version"), knownvalue.Null())
		}
		var createChecks, updateChecks []plancheck.PlanCheck
		for _, name := range never {
			createChecks = append(createChecks, onCreate(name))
			updateChecks = append(updateChecks, onUpdate[name])
		}
		updateChecks = append(updateChecks, plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate))
		accTest(t, env,
			resource.TestStep{Config: base, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: createChecks}},
			resource.TestStep{Config: changed, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: updateChecks}},
			resource.TestStep{Config: changed, PlanOnly: true},
		)
	})
}

// A secret's namespace other than the project's fails the plan, naming
// namespace, before anything is written: the API lists, rotates and deletes
// only the project's secrets, so such a secret could not be managed. The
// namespace a managed secret already has is accepted and changes nothing.
func TestAccSecret_otherNamespaceFailsThePlan(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(namespace string) string {
		line := ""
		if namespace != "" {
			line = fmt.Sprintf("namespace = %q", namespace)
		}
		return env.config(`
resource "e2e_faas_secret" "db" {
  name  = "db-elsewhere"
  value = "not-shown"
  %s
}
`, line)
	}
	refused := regexp.MustCompile(`(?s)Secrets live in the project's namespace.*namespace = "e2e-faas-other-dl".*Remove\s+namespace`)
	noWrites := func() error {
		if w := env.writes(); len(w) != 0 {
			return fmt.Errorf("a refused plan wrote to the API: %v", w)
		}
		return nil
	}
	accTest(t, env,
		resource.TestStep{PreConfig: env.resetRequests(), Config: cfg("e2e-faas-other-dl"), PlanOnly: true, ExpectError: refused},
		resource.TestStep{
			Config: cfg(""),
			PreConfig: func() {
				if err := noWrites(); err != nil {
					t.Error(err)
				}
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(secretAddr, at("namespace"), knownvalue.StringExact("e2e-faas-local-dl")),
			},
		},
		resource.TestStep{Config: cfg("e2e-faas-local-dl"), PlanOnly: true},
		resource.TestStep{PreConfig: env.resetRequests(), Config: cfg("e2e-faas-other-dl"), PlanOnly: true, ExpectError: refused},
		resource.TestStep{
			Config: cfg(""), PlanOnly: true,
			PreConfig: func() {
				if err := noWrites(); err != nil {
					t.Error(err)
				}
			},
		},
	)
}

// A config number that is not whole fails the plan with one error, on its
// attribute, and nothing else: not the framework's "Configuration Read
// Error", which calls the typo a bug in the provider. The whole output is
// matched, so any other error fails the test.
func TestAccDialects_fractionalNumberOneClearError(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		for _, tc := range []struct{ attribute, value, example string }{
			{"memory_mb", "128.5", "128"},
			{"timeout_seconds", "1e30", "30"},
		} {
			t.Run(tc.attribute, func(t *testing.T) {
				cfg := dialectConfig(env, "fractional", "one", fmt.Sprintf("config {\n  %s = %s\n}", tc.attribute, tc.value))
				only := regexp.MustCompile(`\AError running (?:non-refresh )?plan: exit status 1\s+Error: Not a whole number\s+` +
					`with e2e_faas_function\.test,\s+on \S+ line \d+, in resource "e2e_faas_function" "test":\s+\d+:\s+` +
					regexp.QuoteMeta(tc.attribute+" = "+tc.value) + `\s+` +
					regexp.QuoteMeta(tc.attribute+" must be a whole number (such as "+tc.example+"); ") + `\S+` + regexp.QuoteMeta(" is not.") + `\s*\z`)
				resource.UnitTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testProviderFactories,
					Steps:                    []resource.TestStep{{Config: cfg, PlanOnly: true, ExpectError: only}},
				})
			})
		}
		env.failedPlansWriteNothing(t)
	})
}
