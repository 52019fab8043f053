// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const secretAddr = "e2e_faas_secret.db"

// absentFrom fails when the value appears, in any encoding a state or plan
// could hold it, in the JSON Terraform gives of the plan or the state.
func absentFrom(doc any, value string) error {
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	for _, form := range []string{value, fmt.Sprintf("%x", value), strings.Trim(fmt.Sprintf("%q", value), `"`)} {
		if strings.Contains(string(raw), form) {
			return fmt.Errorf("the secret value appears (as %q) in %s", form, raw)
		}
	}
	return nil
}

type planWithout string

func (v planWithout) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = absentFrom(req.Plan, string(v))
}

type stateWithout string

func (v stateWithout) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = absentFrom(req.State, string(v))
}

func (e *testEnv) secretValueIs(name, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, ok := e.server.SecretValue("e2e-faas-local-dl", name)
		if !ok || got != want {
			return fmt.Errorf("the server holds %q for secret %s (present: %v), want the configured value", got, name, ok)
		}
		return nil
	}
}

func TestAccSecret_value(t *testing.T) {
	env := newTestEnv(t)
	value := "pw-" + randomHex(t, 8)
	cfg := func(name, v string) string {
		return env.config(`
resource "e2e_faas_secret" "db" {
  name  = %q
  value = %q
}
`, name, v)
	}
	newValue := "pw-" + randomHex(t, 8)
	accTest(t, env,
		resource.TestStep{
			Config: cfg("db-password", value),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("name"), knownvalue.StringExact("db-password")),
				statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("namespace"), knownvalue.StringExact("e2e-faas-local-dl")),
				statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("id"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("created_at"), knownvalue.NotNull()),
				statecheck.ExpectSensitiveValue(secretAddr, tfjsonpath.New("value")),
			},
			Check: env.secretValueIs("db-password", value),
		},
		resource.TestStep{Config: cfg("db-password", value), PlanOnly: true},
		resource.TestStep{
			ResourceName:            secretAddr,
			ImportState:             true,
			ImportStateId:           "db-password",
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"value"},
		},
		// A new value rotates the secret in place: one PUT.
		resource.TestStep{
			PreConfig: env.resetRequests(),
			Config:    cfg("db-password", newValue),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate)},
			},
			Check: resource.ComposeTestCheckFunc(env.secretValueIs("db-password", newValue), env.expectWrites("PUT secrets/{name}")),
		},
		resource.TestStep{
			Config: cfg("db-password-2", newValue),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionReplace)},
			},
		},
		// Deleted outside Terraform: planned for creation again.
		resource.TestStep{
			PreConfig: func() {
				if err := env.client().DeleteSecret(context.Background(), "db-password-2"); err != nil {
					t.Fatal(err)
				}
			},
			Config: cfg("db-password-2", newValue),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionCreate)},
			},
		},
	)
}

// value_wo never enters the plan or the state; value_wo_version drives
// an in-place rotation.
func TestAccSecret_writeOnly(t *testing.T) {
	env := newTestEnv(t)
	first, second := "wo-"+randomHex(t, 8), "wo-"+randomHex(t, 8)
	// The value comes in through an ephemeral variable, as it would in real
	// use; a literal would sit in the configuration itself.
	cfg := func(version int) string {
		return env.config(`
variable "token" {
  type      = string
  ephemeral = true
}

resource "e2e_faas_secret" "db" {
  name             = "api-token"
  value_wo         = var.token
  value_wo_version = %d
}
`, version)
	}
	step := func(v string, version int, action plancheck.ResourceActionType, serverHolds string) resource.TestStep {
		return resource.TestStep{
			Config:          cfg(version),
			ConfigVariables: config.Variables{"token": config.StringVariable(v)},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, action), planWithout(first), planWithout(second)},
				PostApplyPostRefresh: []plancheck.PlanCheck{planWithout(first), planWithout(second)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				stateWithout(first), stateWithout(second),
				statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("value_wo"), knownvalue.Null()),
				statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("value"), knownvalue.Null()),
			},
			Check: env.secretValueIs("api-token", serverHolds),
		}
	}
	accTest(t, env,
		step(first, 1, plancheck.ResourceActionCreate, first),
		// A new write-only value alone is invisible to Terraform: nothing happens.
		step(second, 1, plancheck.ResourceActionNoop, first),
		// Bumping the version sends it, in place.
		step(second, 2, plancheck.ResourceActionUpdate, second),
		resource.TestStep{
			ConfigVariables:         config.Variables{"token": config.StringVariable(second)},
			ResourceName:            secretAddr,
			ImportState:             true,
			ImportStateId:           "api-token.e2e-faas-local-dl",
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"value_wo_version"},
		},
	)
}

func TestAccSecret_validation(t *testing.T) {
	env := newTestEnv(t)
	cases := map[string]struct{ body, want string }{
		"bad name":        {`name = "bad_name"` + "\n" + `value = "x"`, `(?s)name.*letters, digits and hyphens`},
		"no value":        {`name = "ok"`, `(?s)value.*value_wo`},
		"both values":     {`name = "ok"` + "\n" + `value = "x"` + "\n" + `value_wo = "y"` + "\n" + `value_wo_version = 1`, `(?s)value.*value_wo`},
		"wo no version":   {`name = "ok"` + "\n" + `value_wo = "y"`, `(?s)value_wo_version`},
		"empty value":     {`name = "ok"` + "\n" + `value = ""`, `(?s)value.*at least 1`},
		"version no wo":   {`name = "ok"` + "\n" + `value = "x"` + "\n" + `value_wo_version = 1`, `(?s)value_wo`},
		"name PORT":       {`name = "PORT"` + "\n" + `value = "x"`, `(?s)name.*PORT`},
		"name too long":   {`name = "` + strings.Repeat("a", 254) + `"` + "\n" + `value = "x"`, `(?s)name.*between 1 and 253`},
		"leading hyphen":  {`name = "-ab"` + "\n" + `value = "x"`, `(?s)name.*starting and ending`},
		"trailing hyphen": {`name = "ab-"` + "\n" + `value = "x"`, `(?s)name.*starting and ending`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			planFails(t, env.config("resource \"e2e_faas_secret\" \"db\" {\n%s\n}\n", tc.body), tc.want)
		})
	}
}

const secretReader = "import os\n\ndef handle(event, context):\n    return os.environ.get(\"db-password\", \"\")\n"

// A function binds a secret by reference on the first apply; removing the
// binding and the secret in one apply succeeds; deleting a secret still bound
// fails and names the function.
func TestAccSecret_boundToFunction(t *testing.T) {
	boundToFunction(t, newTestEnv(t))
}

func boundToFunction(t *testing.T, env *testEnv) {
	value := "bound-" + randomHex(t, 8)
	both := env.config(`
resource "e2e_faas_secret" "db" {
  name  = "db-password"
  value = %q

  # Terraform then updates the functions that stop binding the secret
  # before it deletes the secret.
  lifecycle {
    create_before_destroy = true
  }
}

resource "e2e_faas_function" "test" {
  name        = "uses-secret"
  runtime     = "python3.11"
  secrets     = [e2e_faas_secret.db.name]
  code_inline = %q
}
`, value, secretReader)
	functionOnly := env.config(`
resource "e2e_faas_function" "test" {
  name        = "uses-secret"
  runtime     = "python3.11"
  code_inline = %q
}
`, secretReader)
	accTest(t, env,
		resource.TestStep{
			Config: both,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(fn, tfjsonpath.New("secrets"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("db-password")})),
			},
		},
		// The binding and the secret go in one apply: with
		// create_before_destroy, Terraform updates the function before it
		// deletes the secret.
		resource.TestStep{
			Config: functionOnly,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionDestroy),
				},
			},
			Check: func(*terraform.State) error {
				if n := len(env.server.Secrets()); n != 0 {
					return fmt.Errorf("%d secrets remain", n)
				}
				return nil
			},
		},
	)
}

func TestAccSecret_deleteWhileBound(t *testing.T) {
	env := newTestEnv(t)
	literal := env.config(`
resource "e2e_faas_secret" "db" {
  name  = "db-password"
  value = "in-use"
}

resource "e2e_faas_function" "test" {
  name        = "holds-secret"
  runtime     = "python3.11"
  secrets     = ["db-password"]
  code_inline = %q
  depends_on  = [e2e_faas_secret.db]
}
`, secretReader)

	functionOnly := env.config(`
resource "e2e_faas_function" "test" {
  name        = "holds-secret"
  runtime     = "python3.11"
  secrets     = ["db-password"]
  code_inline = %q
}
`, secretReader)
	accTest(t, env,
		resource.TestStep{Config: literal},
		resource.TestStep{
			Config:      functionOnly,
			ExpectError: regexp.MustCompile(`(?s)still in use.*holds-secret.*create_before_destroy`),
		},
		resource.TestStep{Config: literal},
	)
}

// Binding a secret that does not exist fails with an error on secrets.
func TestAccFunction_unknownSecret(t *testing.T) {
	env := newTestEnv(t)
	accTest(t, env, resource.TestStep{
		Config: env.config(`
resource "e2e_faas_function" "test" {
  name        = "missing-secret"
  runtime     = "python3.11"
  secrets     = ["does-not-exist"]
  code_inline = %q
}
`, secretReader),
		ExpectError: regexp.MustCompile(`(?s)secrets.*does-not-exist`),
	})
}

// Rotation end to end: a running function bound to a secret answers with
// its value; rotating it (value, then a switch to value_wo, then a bump of
// value_wo_version) is one in-place update of the secret and nothing for the
// function, whose running processes then answer with the new value. No
// write-only value reaches the plan or the state.
func TestAccSecret_rotationReachesRunningFunctions(t *testing.T) {
	env := runningEnv(t, "python3.11")
	first, second := "v1-"+randomHex(t, 6), "v2-"+randomHex(t, 6)
	third, fourth := "wo3-"+randomHex(t, 6), "wo4-"+randomHex(t, 6)
	code := "import os\n\ndef handle(event, context):\n    return os.environ.get('db-password', 'unset')\n"
	function := fmt.Sprintf(`
resource "e2e_faas_function" "test" {
  name        = "reads-secret"
  runtime     = "python3.11"
  code_inline = %q
  secrets     = [e2e_faas_secret.db.name]
}
`, code)
	withValue := func(v string) string {
		return env.config(`
resource "e2e_faas_secret" "db" {
  name  = "db-password"
  value = %q
}
`, v) + function
	}
	withWriteOnly := func(version int) string {
		return env.config(`
variable "token" {
  type      = string
  ephemeral = true
}

resource "e2e_faas_secret" "db" {
  name             = "db-password"
  value_wo         = var.token
  value_wo_version = %d
}
`, version) + function
	}
	rotate := func(cfg string, vars config.Variables, want string, hidden ...string) resource.TestStep {
		checks := []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
			plancheck.ExpectResourceAction(fn, plancheck.ResourceActionNoop),
		}
		var stateChecks []statecheck.StateCheck
		for _, h := range hidden {
			checks = append(checks, planWithout(h))
			stateChecks = append(stateChecks, stateWithout(h))
		}
		return resource.TestStep{
			PreConfig: env.resetRequests(), Config: cfg, ConfigVariables: vars,
			ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: checks},
			ConfigStateChecks: stateChecks,
			Check:             resource.ComposeTestCheckFunc(env.expectWrites("PUT secrets/{name}"), answers("", http.StatusOK, "^"+want+"$")),
		}
	}
	accTest(t, env,
		resource.TestStep{Config: withValue(first), Check: answers("", http.StatusOK, "^"+first+"$")},
		rotate(withValue(second), nil, second),
		resource.TestStep{Config: withValue(second), PlanOnly: true},
		rotate(withWriteOnly(1), config.Variables{"token": config.StringVariable(third)}, third, third),
		rotate(withWriteOnly(2), config.Variables{"token": config.StringVariable(fourth)}, fourth, third, fourth),
		resource.TestStep{Config: withWriteOnly(2), ConfigVariables: config.Variables{"token": config.StringVariable(fourth)}, PlanOnly: true},
	)
}

// A rotation whose redeploy fails fails the apply, naming the function and
// the platform's message; the secret keeps its new value.
func TestAccSecret_rotationFailedDeploy(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(v string) string {
		return env.config(`
resource "e2e_faas_secret" "db" {
  name  = "db-password"
  value = %q
}

resource "e2e_faas_function" "test" {
  name        = "bound-fn"
  runtime     = "python3.11"
  code_inline = "def handle(event, context):\n    return 1\n"
  secrets     = [e2e_faas_secret.db.name]
}
`, v)
	}
	accTest(t, env,
		resource.TestStep{Config: cfg("one-value")},
		resource.TestStep{
			PreConfig:   func() { env.server.FailNextDeploy("secret mount failed") },
			Config:      cfg("two-value"),
			ExpectError: regexp.MustCompile(`(?s)did not redeploy with the rotated secret.*bound-fn.*secret mount failed`),
			Check:       env.secretValueIs("db-password", "two-value"),
		},
		// The function found Failed is redeployed by the next apply.
		resource.TestStep{Config: cfg("two-value"), ConfigStateChecks: []statecheck.StateCheck{expect("status", knownvalue.StringExact("Running"))}},
	)
}

// A secret has its own timeouts: a rotation is bounded by the secret's
// timeouts.update, not by a function's, and an expired one leaves the
// value as it was.
func TestAccSecret_timeouts(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(v, update string) string {
		return env.config(`
resource "e2e_faas_secret" "db" {
  name  = "db-password"
  value = %q
  timeouts {
    create = "5m"
    update = %q
    delete = "5m"
  }
}
`, v, update)
	}
	accTest(t, env,
		resource.TestStep{Config: cfg("one-value", "10m"), Check: env.secretValueIs("db-password", "one-value")},
		resource.TestStep{
			Config:      cfg("two-value", "1ns"),
			ExpectError: regexp.MustCompile(`Could not rotate the secret`),
			Check:       env.secretValueIs("db-password", "one-value"),
		},
		resource.TestStep{Config: cfg("two-value", "10m"), Check: env.secretValueIs("db-password", "two-value")},
	)
}
