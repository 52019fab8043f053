// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// A function of the same name that Terraform did not create is never adopted:
// the error names it and says how to import it; importing then works.
func TestAccFunction_nameTakenByAnother(t *testing.T) {
	env := newTestEnv(t)
	archive, err := packaging.Build(packaging.Source{Inline: inlinePython, Runtime: "python3.11", Template: "http"})
	must(t, err)
	defer archive.Close()
	existing, err := env.client().CreateFunction(context.Background(), &faas.CreateFunctionRequest{
		Name: "taken", FunctionSpec: faas.FunctionSpec{Runtime: "python3.11", Code: archive},
	})
	must(t, err)
	cfg := basicConfig(env, "taken")
	accTest(t, env,
		resource.TestStep{
			Config:      cfg,
			ExpectError: regexp.MustCompile(`(?s)already exists.*` + existing.ID + `.*terraform import`),
		},
		resource.TestStep{
			Config:             cfg,
			ResourceName:       fn,
			ImportState:        true,
			ImportStateId:      existing.ID,
			ImportStatePersist: true,
		},
		// The imported function runs the same code: adopting the
		// configuration uploads nothing.
		resource.TestStep{
			PreConfig: env.resetRequests(),
			Config:    cfg,
			Check:     env.expectWrites(),
		},
		resource.TestStep{Config: cfg, PlanOnly: true},
	)
}
