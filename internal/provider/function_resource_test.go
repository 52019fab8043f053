// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

const inlinePython = "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": \"hello\"}\n"

func basicConfig(env *testEnv, name string) string {
	return env.config(`
resource "e2e_faas_function" "test" {
  name        = %q
  runtime     = "python3.11"
  code_inline = %q
}
`, name, inlinePython)
}

// Create with defaults, import by ID and by name.namespace, and an empty
// re-plan.
func TestAccFunction_basic(t *testing.T) {
	env := newTestEnv(t)
	accTest(t, env,
		resource.TestStep{
			Config: basicConfig(env, "hello-fn"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionCreate)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				expect("id", knownvalue.StringRegexp(uuidPattern)),
				expect("name", knownvalue.StringExact("hello-fn")),
				expect("runtime", knownvalue.StringExact("python3.11")),
				expect("template", knownvalue.StringExact("http")),
				expect("handler_function", knownvalue.StringExact("handle")),
				expect("namespace", knownvalue.StringExact("e2e-faas-local-dl")),
				expect("invoke_url", knownvalue.StringRegexp(regexp.MustCompile(`^http://127\.0\.0\.1:\d+/faas/function/v1/hello-fn\.e2e-faas-local-dl/$`))),
				expect("status", knownvalue.StringExact("Running")),
				expect("version", knownvalue.StringExact("v1")),
				expect("config", knownvalue.ListSizeExact(0)),
				expect("environment", knownvalue.MapSizeExact(0)),
				expect("secrets", knownvalue.ListSizeExact(0)),
				expect("labels", knownvalue.MapSizeExact(0)),
				expect("annotations", knownvalue.MapSizeExact(0)),
				expect("requirements", knownvalue.Null()),
				expect("source_hash", knownvalue.StringRegexp(regexp.MustCompile(`.+`))),
				expect("code_sha256", knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
				expect("invocation_count", knownvalue.Int64Exact(0)),
				expect("created_at", knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
				expect("updated_at", knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
			},
			Check: func(*terraform.State) error {
				f, err := env.onlyFunction()
				if err != nil {
					return err
				}
				if f.Config.MemoryMB != 128 || f.Config.TimeoutSeconds != 30 || f.Config.Replicas != 1 ||
					f.Config.HardwareType != "cpu" || f.Config.MinScale != 1 || f.Config.MaxScale != 5 {
					return fmt.Errorf("server config %+v is not the defaults of DESIGN.md#validation-and-defaults", f.Config)
				}
				return nil
			},
		},
		// A second plan of the same configuration is empty.
		resource.TestStep{
			Config:   basicConfig(env, "hello-fn"),
			PlanOnly: true,
		},
		resource.TestStep{
			ResourceName:            fn,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"code_inline", "source_hash"},
		},
		resource.TestStep{
			ResourceName: fn,
			ImportState:  true,
			ImportStateIdFunc: func(s *terraform.State) (string, error) {
				rs := s.RootModule().Resources[fn]
				return rs.Primary.Attributes["name"] + "." + rs.Primary.Attributes["namespace"], nil
			},
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"code_inline", "source_hash"},
		},
	)
}

func fullConfig(env *testEnv, memory int, env1, label, code string) string {
	return env.config(`
resource "e2e_faas_function" "test" {
  name             = "process-orders"
  runtime          = "python3.11"
  template         = "flask"
  handler_function = "main"
  requirements     = "flask==3.0.0"
  code_inline      = %q

  config {
    memory_mb       = %d
    timeout_seconds = 60
    replicas        = 3
    hardware_type   = "cpu"
    min_scale       = 0
    max_scale       = 10
  }

  environment = { LOG_LEVEL = %q }
  secrets     = ["api-key", "db-password"]
  labels      = { team = %q }
  annotations = { owner = "platform" }

  timeouts {
    create = "5m"
    update = "5m"
    delete = "5m"
  }
}
`, code, memory, env1, label)
}

const flaskCode = "def main(event, context):\n    return 'hi'\n"

// Create with every argument, then change one update group per step and prove
// through the server's request log that only that group's endpoint was called.
func TestAccFunction_everyArgumentAndPartialUpdates(t *testing.T) {
	env := newTestEnv(t)
	createSecret(t, env, "api-key")
	createSecret(t, env, "db-password")
	step := func(memory int, level, team, code string, writes ...string) resource.TestStep {
		s := resource.TestStep{
			PreConfig: env.resetRequests(),
			Config:    fullConfig(env, memory, level, team, code),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("template", knownvalue.StringExact("flask")),
				expect("handler_function", knownvalue.StringExact("main")),
				expect("requirements", knownvalue.StringExact("flask==3.0.0")),
				expect("config", knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
					"memory_mb": knownvalue.Int64Exact(int64(memory)), "timeout_seconds": knownvalue.Int64Exact(60),
					"replicas": knownvalue.Int64Exact(3), "hardware_type": knownvalue.StringExact("cpu"),
					"min_scale": knownvalue.Int64Exact(0), "max_scale": knownvalue.Int64Exact(10),
				})})),
				expect("environment", knownvalue.MapExact(map[string]knownvalue.Check{"LOG_LEVEL": knownvalue.StringExact(level)})),
				expect("secrets", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("api-key"), knownvalue.StringExact("db-password")})),
				expect("labels", knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact(team)})),
				expect("annotations", knownvalue.MapExact(map[string]knownvalue.Check{"owner": knownvalue.StringExact("platform")})),
				expect("status", knownvalue.StringExact("Running")),
			},
			Check: env.expectWrites(writes...),
		}
		if len(writes) > 0 && writes[0] != "POST functions" {
			s.ConfigPlanChecks.PreApply = []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate)}
		}
		return s
	}
	accTest(t, env,
		step(512, "INFO", "backend", flaskCode, "POST functions"),
		step(512, "INFO", "backend", flaskCode+"# v2\n", "PUT functions/{id}/code"),
		step(1024, "INFO", "backend", flaskCode+"# v2\n", "PUT functions/{id}/config"),
		step(1024, "DEBUG", "backend", flaskCode+"# v2\n", "PUT functions/{id}/environment"),
		step(1024, "DEBUG", "frontend", flaskCode+"# v2\n", "PUT functions/{id}/metadata"),
		resource.TestStep{
			Config: fullConfig(env, 1024, "DEBUG", "frontend", flaskCode+"# v2\n"), PlanOnly: true,
		},
	)
}

// The metadata endpoint does not redeploy: version stays, and the plan says so.
func TestAccFunction_metadataKeepsVersion(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(team string) string {
		return env.config(`
resource "e2e_faas_function" "test" {
  name        = "meta-fn"
  runtime     = "node20"
  code_inline = "module.exports = async () => ({ status: 200 })"
  labels      = { team = %q }
}
`, team)
	}
	accTest(t, env,
		resource.TestStep{Config: cfg("a"), ConfigStateChecks: []statecheck.StateCheck{expect("version", knownvalue.StringExact("v1"))}},
		resource.TestStep{
			Config: cfg("b"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue(fn, at("version"), knownvalue.StringExact("v1")),
				plancheck.ExpectKnownValue(fn, at("status"), knownvalue.StringExact("Running")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				expect("version", knownvalue.StringExact("v1")),
				expect("labels", knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("b")})),
			},
		},
	)
}

func replaceStep(env *testEnv, cfg string) resource.TestStep {
	return resource.TestStep{
		PreConfig: env.resetRequests(),
		Config:    cfg,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionReplace)},
		},
		Check: env.expectWrites("DELETE functions/{id}", "POST functions"),
	}
}

// name, runtime and config.hardware_type force replacement.
func TestAccFunction_replacement(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(name, runtime, hardware string) string {
		block := ""
		if hardware != "" {
			block = fmt.Sprintf("config {\n    hardware_type = %q\n  }", hardware)
		}
		return env.config(`
resource "e2e_faas_function" "test" {
  name        = %q
  runtime     = %q
  code_inline = "def handle(event, context):\n    return 'ok'\n"
  %s
}
`, name, runtime, block)
	}
	accTest(t, env,
		resource.TestStep{Config: cfg("replace-me", "python3.11", "")},
		replaceStep(env, cfg("replaced", "python3.11", "")),
		replaceStep(env, cfg("replaced", "pytorch2.1.2", "")),
		// An explicit cpu block is the same hardware as no block: the block
		// shows in the plan as an in-place change, and no API call is made.
		resource.TestStep{
			PreConfig: env.resetRequests(),
			Config:    cfg("replaced", "pytorch2.1.2", "cpu"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate)},
			},
			Check: env.expectWrites(),
		},
		replaceStep(env, cfg("replaced", "pytorch2.1.2", "gpu")),
		// Removing the block means cpu again.
		replaceStep(env, cfg("replaced", "pytorch2.1.2", "")),
	)
}

// Changes made outside Terraform show in the next plan, and apply puts them
// back; a function deleted outside Terraform is planned for creation.
func TestAccFunction_drift(t *testing.T) {
	env := newTestEnv(t)
	cfg := basicConfig(env, "drifty")
	drift := driftSteps{t: t, env: env, cfg: cfg}
	mutate, updateStep := drift.outside, drift.restored
	accTest(t, env, append([]resource.TestStep{
		{Config: cfg},
		updateStep(mutate(func(f *localfaas.Function) { f.Config.MemoryMB = 2048 }), "PUT functions/{id}/config"),
		updateStep(mutate(func(f *localfaas.Function) { f.Environment = map[string]string{"ADDED": "1"} }), "PUT functions/{id}/environment"),
		updateStep(mutate(func(f *localfaas.Function) { f.Labels = map[string]string{"who": "console"} }), "PUT functions/{id}/metadata"),
		// Labels the platform adds for itself are not the user's and stay quiet.
		{
			PreConfig: mutate(func(f *localfaas.Function) { f.Labels = map[string]string{"com.openfaas.scale.min": "1"} }),
			Config:    cfg, PlanOnly: true,
		},
		updateStep(mutate(func(f *localfaas.Function) { f.CodeSHA256 = strings.Repeat("ab", 32) }), "PUT functions/{id}/code"),
		updateStep(mutate(func(f *localfaas.Function) {
			f.Status = "Failed"
			f.ErrorMessage = "out of memory"
		}), "POST functions/{id}/deploy"),
	}, drift.deletedOutside()...)...)
}

// A deploy that ends Failed fails the apply with the server's error message,
// keeps the function in state (tainted) and the next apply replaces it.
func TestAccFunction_failedDeploy(t *testing.T) {
	env := newTestEnv(t)
	cfg := basicConfig(env, "fails-once")
	accTest(t, env,
		resource.TestStep{
			PreConfig:   func() { env.server.FailNextDeploy("handler.py: SyntaxError on line 1") },
			Config:      cfg,
			ExpectError: regexp.MustCompile(`(?s)did not deploy.*SyntaxError on line 1.*tainted`),
		},
		replaceStep(env, cfg),
	)
}

// A failed update keeps the previous settings in state, so the next plan shows
// the change again and the next apply succeeds.
func TestAccFunction_failedUpdateIsRetried(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(memory int) string {
		return env.config(`
resource "e2e_faas_function" "test" {
  name        = "retry-update"
  runtime     = "python3.11"
  code_inline = "def handle(event, context):\n    return 'ok'\n"
  config {
    memory_mb = %d
  }
}
`, memory)
	}
	accTest(t, env,
		resource.TestStep{Config: cfg(256)},
		resource.TestStep{
			PreConfig:   func() { env.server.FailNextDeploy("image pull failed") },
			Config:      cfg(512),
			ExpectError: regexp.MustCompile(`image pull failed`),
		},
		resource.TestStep{
			Config: cfg(512),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: []statecheck.StateCheck{expect("status", knownvalue.StringExact("Running"))},
		},
	)
}

// A wait that runs out of time leaves the function in state, tainted.
func TestAccFunction_createTimeoutKeepsFunctionInState(t *testing.T) {
	env := newTestEnv(t, func(o *localfaas.Options) { o.DeployDelay = time.Hour })
	accTest(t, env,
		resource.TestStep{
			Config: env.config(`
resource "e2e_faas_function" "test" {
  name        = "slow-deploy"
  runtime     = "python3.11"
  code_inline = "def handle(event, context):\n    return 'ok'\n"
  timeouts {
    create = "2s"
  }
}
`),
			ExpectError: regexp.MustCompile(`(?s)did not become Running.*timeout ran out.*Deploying`),
			Check:       nil,
		},
		resource.TestStep{
			// The function is in state: destroy (after the deploy settles) removes it.
			PreConfig: func() {
				fns := env.server.Functions()
				if len(fns) != 1 {
					t.Fatalf("want the timed-out function on the server, have %d", len(fns))
				}
				_ = env.server.UpdateFunction(fns[0].ID, func(f *localfaas.Function) { f.Status = "Running" })
			},
			RefreshState:       true,
			ExpectNonEmptyPlan: true, // tainted: the next apply replaces it
			Check: func(s *terraform.State) error {
				rs := s.RootModule().Resources[fn]
				if rs == nil || !rs.Primary.Tainted {
					return fmt.Errorf("the timed-out function is not in state, tainted: %v", rs)
				}
				return nil
			},
		},
	)
}

// Code from a directory and from a ZIP file.
func TestAccFunction_codePathAndArchive(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "handler.py"), []byte("def handle(event, context):\n    return 'dir'\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "util.py"), []byte("X = 1\n"), 0o644))
	zipPath := filepath.Join(t.TempDir(), "code.zip")
	writeZip(t, zipPath, map[string]string{"handler.py": "def handle(event, context):\n    return 'zip'\n"})
	cfg := func(attribute, value string) string {
		return env.config(`
resource "e2e_faas_function" "test" {
  name    = "from-files"
  runtime = "python3.11"
  %s = %q
}
`, attribute, value)
	}
	accTest(t, env,
		resource.TestStep{
			Config: cfg("code_path", dir),
			Check: func(*terraform.State) error {
				f, err := env.onlyFunction()
				if err != nil {
					return err
				}
				return zipHas(f.CodeArchive, "handler.py", "util.py")
			},
		},
		resource.TestStep{Config: cfg("code_path", dir), PlanOnly: true},
		resource.TestStep{
			PreConfig: env.resetRequests(),
			Config:    cfg("code_archive", zipPath),
			Check:     env.expectWrites("PUT functions/{id}/code"),
		},
		resource.TestStep{Config: cfg("code_archive", zipPath), PlanOnly: true},
	)
}
