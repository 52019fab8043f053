// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
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
