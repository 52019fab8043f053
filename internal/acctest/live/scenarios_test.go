// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/acctest/live"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// The scenarios below are the live tests. Each runs the same against E2E
// (TestLive_*) and against the local rehearsal (TestRehearsal), given a
// session; each makes its own tf-acc- names and deletes them at its end.

// terraformScenarios runs, in parallel, the scenarios that drive terraform.
func terraformScenarios(t *testing.T, s *live.Session) {
	for name, scenario := range map[string]func(*testing.T, *live.Session){
		"lifecycle": lifecycle, "import": importPlansNothing, "failedDeploy": failedDeploy,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			scenario(t, s)
		})
	}
}

const fn = "e2e_faas_function.test"

// code is a handler of the OpenFaaS python3-http contract answering body.
func code(body string) string {
	return fmt.Sprintf("def handle(event, context):\n    return {\"statusCode\": 200, \"body\": %q}\n", body)
}

// runtime is the Python CPU runtime the session's catalogue offers.
func runtime(t *testing.T, s *live.Session) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rts, err := s.Client.ListRuntimes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := live.CPURuntime(rts)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// testCase runs steps with the in-process provider; after the destroy the
// function is gone.
func testCase(t *testing.T, s *live.Session, name string, steps ...resource.TestStep) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy: func(*terraform.State) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := s.Client.GetFunction(ctx, name)
			if faas.IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%s is still there after the destroy", name)
		},
		Steps: steps,
	})
}

// functionConfig is the resource under test plus what extra adds inside it.
func functionConfig(s *live.Session, name, rt, body, extra string) string {
	return s.ProviderBlock() + fmt.Sprintf(`
resource "e2e_faas_function" "test" {
  name        = %q
  runtime     = %q
  code_inline = %q
%s
}
`, name, rt, code(body), extra)
}

// dataSources reads the catalogue and the function back through every data
// source of the provider.
const dataSources = `
data "e2e_faas_runtimes" "all" {}

data "e2e_faas_function" "one" {
  name = e2e_faas_function.test.name
}

data "e2e_faas_functions" "named" {
  name = e2e_faas_function.test.name
}
`

func update() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate)}}
}

func expect(name string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(fn, tfjsonpath.New(name), v)
}

// invokes calls the function's invoke_url until it answers 200 with want
// in its body (a new deploy may take a while to be routed).
func invokes(s *live.Session, want string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(fn, "invoke_url", func(url string) error {
		if s.CannotInvoke != "" {
			s.Recorder.Note("invoke_url was not called: %s", s.CannotInvoke)
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		var last string
		err := faas.DefaultPoll.Until(ctx, func() (bool, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return false, err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				last = err.Error()
				return false, nil
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			last = fmt.Sprintf("%d %q", resp.StatusCode, body)
			return resp.StatusCode == http.StatusOK && strings.Contains(string(body), want), nil
		})
		if err != nil {
			return fmt.Errorf("GET %s never answered 200 with %q; last: %s (%v)", url, want, last, err)
		}
		return nil
	})
}

// driftPlanned expects an update when the API's answer carries the drifted
// settings (the provider can only put back what it can see); when it does
// not, the report notes it.
type driftPlanned struct {
	s    *live.Session
	name string
}

func (d driftPlanned) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f, err := d.s.Client.GetFunction(ctx, d.name)
	if err != nil {
		resp.Error = err
		return
	}
	if !f.Carries(faas.FieldMemory) && !f.Carries(faas.FieldEnvironment) {
		d.s.Recorder.Note("a function's answer carries neither memory nor environment_variables: drift of settings cannot be seen or put back")
		return
	}
	plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate).CheckPlan(ctx, req, resp)
}

// lifecycle: create (with the data sources and a call of invoke_url), an
// empty re-plan, a code change, a settings change, drift put back, and the
// destroy.
func lifecycle(t *testing.T, s *live.Session) {
	rt := runtime(t, s)
	name := live.Name()
	s.CleanUp(t, name)
	settings := "  environment = { GREETING = \"hi\" }\n  config {\n    memory_mb = 256\n  }\n"
	v1 := functionConfig(s, name, rt, "v1", "") + dataSources
	v2 := functionConfig(s, name, rt, "v2", "") + dataSources
	tuned := functionConfig(s, name, rt, "v2", settings) + dataSources
	testCase(t, s, name,
		resource.TestStep{
			Config: v1,
			ConfigStateChecks: []statecheck.StateCheck{
				expect("id", knownvalue.StringExact(name)),
				expect("status", knownvalue.StringExact("Running")),
				expect("invoke_url", knownvalue.StringRegexp(regexp.MustCompile(`^https?://`))),
				statecheck.ExpectKnownValue("data.e2e_faas_function.one", tfjsonpath.New("status"), knownvalue.StringExact("Running")),
				statecheck.ExpectKnownValue("data.e2e_faas_functions.named", tfjsonpath.New("functions"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.e2e_faas_functions.named", tfjsonpath.New("functions").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact(name)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckTypeSetElemNestedAttrs("data.e2e_faas_runtimes.all", "runtimes.*", map[string]string{"name": rt}),
				invokes(s, "v1"),
			),
		},
		resource.TestStep{Config: v1, PlanOnly: true},
		resource.TestStep{Config: v2, ConfigPlanChecks: update(), Check: invokes(s, "v2")},
		resource.TestStep{Config: v2, PlanOnly: true},
		resource.TestStep{Config: tuned, ConfigPlanChecks: update()},
		resource.TestStep{Config: tuned, PlanOnly: true},
		resource.TestStep{
			// Someone changes the settings outside Terraform; the apply
			// puts them back.
			PreConfig: func() {
				ctx, cancel := context.WithTimeout(context.Background(), live.DeleteTimeout)
				defer cancel()
				if _, err := s.Client.UpdateFunction(ctx, name, &faas.UpdateFunctionRequest{
					Runtime: rt, CodeText: code("v2"), Environment: map[string]string{"DRIFTED": "1"},
					Config: &faas.FunctionConfig{MemoryMB: 512, TimeoutSeconds: 30, HardwareType: "cpu"},
				}); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Client.WaitForDeploy(ctx, name, faas.DefaultPoll); err != nil {
					t.Fatal(err)
				}
			},
			Config:           tuned,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{driftPlanned{s: s, name: name}}},
			Check: func(*terraform.State) error {
				f, err := s.Client.GetFunction(context.Background(), name)
				if err != nil {
					return err
				}
				if f.Carries(faas.FieldMemory) && f.Config.MemoryMB != 256 {
					return fmt.Errorf("memory is %d after the apply, want 256 put back", f.Config.MemoryMB)
				}
				if f.Carries(faas.FieldEnvironment) && (f.Environment["GREETING"] != "hi" || f.Environment["DRIFTED"] != "") {
					return fmt.Errorf("the environment was not put back (%d keys)", len(f.Environment))
				}
				return nil
			},
		},
		resource.TestStep{Config: tuned, PlanOnly: true},
	)
}

// importPlansNothing: a function made outside Terraform, imported by name;
// the configuration that matches it plans nothing.
func importPlansNothing(t *testing.T, s *live.Session) {
	rt := runtime(t, s)
	name := live.Name()
	s.CleanUp(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), live.DeleteTimeout)
	defer cancel()
	if _, err := s.Client.CreateFunction(ctx, &faas.CreateFunctionRequest{
		Name: name,
		FunctionSpec: faas.FunctionSpec{
			Runtime: rt, CodeText: code("made outside"), Environment: map[string]string{"MODE": "prod"},
			Config: &faas.FunctionConfig{MemoryMB: 256, TimeoutSeconds: 30, HardwareType: "cpu"},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.WaitForDeploy(ctx, name, faas.DefaultPoll); err != nil {
		t.Fatal(err)
	}
	cfg := functionConfig(s, name, rt, "made outside", "  environment = { MODE = \"prod\" }\n  config {\n    memory_mb = 256\n  }\n")
	testCase(t, s, name,
		resource.TestStep{Config: cfg, ResourceName: fn, ImportState: true, ImportStateId: name, ImportStatePersist: true},
		resource.TestStep{Config: cfg, PlanOnly: true},
	)
}

// failedDeploy: requirements that cannot be installed fail the apply with
// the platform's word and leave the function tainted; the next apply
// replaces it with one that runs.
func failedDeploy(t *testing.T, s *live.Session) {
	rt := runtime(t, s)
	name := live.Name()
	s.CleanUp(t, name)
	bad := functionConfig(s, name, rt, "never", "  requirements = \"tf-acc-no-such-package==0.0.1\"\n")
	good := functionConfig(s, name, rt, "fixed", "")
	testCase(t, s, name,
		resource.TestStep{
			PreConfig: func() {
				if s.ArmDeployFailure != nil {
					s.ArmDeployFailure()
				}
			},
			Config:      bad,
			ExpectError: regexp.MustCompile(`did not deploy`),
		},
		resource.TestStep{
			Config: good,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			ConfigStateChecks: []statecheck.StateCheck{expect("status", knownvalue.StringExact("Running"))},
		},
	)
}

// probes runs the session's probes of the API's assumptions.
func probes(t *testing.T, s *live.Session) {
	rt := runtime(t, s)
	name := live.Name()
	s.CleanUp(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*live.DeleteTimeout)
	defer cancel()
	if err := s.Probes(ctx, name, rt); err != nil {
		t.Fatal(err)
	}
}
