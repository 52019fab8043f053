// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// Every setting the MyAccount API has no field for, and each of its limits,
// fails the plan naming the attribute, and the server receives no write.
func TestAccMyAccount_planTimeRefusals(t *testing.T) {
	env := newDialectTestEnv(t, myAccount, nil)
	code := fmt.Sprintf("code_inline = %q", fmt.Sprintf(dialectCode, "x"))
	fn := func(body string) string {
		return env.config("resource \"e2e_faas_function\" \"test\" {\n%s\n}\n", body)
	}
	ok := `name = "okname"` + "\n" + `runtime = "python3-http-debian"` + "\n" + code + "\n"
	twoFiles := t.TempDir()
	must(t, os.WriteFile(filepath.Join(twoFiles, "handler.py"), []byte("def handle(e, c): return 1\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(twoFiles, "helpers.py"), []byte("X = 1\n"), 0o644))
	cases := []struct{ name, config, want string }{
		{"template", fn(ok + `template = "flask"`), `(?s)template.*MyAccount API.*no such setting.*E2E_API_FLAVOR=faas-v1`},
		{"handler_function", fn(ok + `handler_function = "main"`), `(?s)handler_function.*MyAccount API.*no such setting`},
		{"replicas", fn(ok + "config {\n" + "replicas = 2" + "\n}"), `(?s)replicas.*MyAccount API.*no such setting`},
		{"min_scale", fn(ok + "config {\n" + "min_scale = 0" + "\n}"), `(?s)min_scale.*MyAccount API.*no such setting`},
		{"max_scale", fn(ok + "config {\n" + "max_scale = 10" + "\n}"), `(?s)max_scale.*MyAccount API.*no such setting`},
		{"labels", fn(ok + `labels = { team = "a" }`), `(?s)labels.*MyAccount API.*no such setting.*E2E_API_FLAVOR=faas-v1`},
		{"annotations", fn(ok + `annotations = { team = "a" }`), `(?s)annotations.*MyAccount API.*no such setting`},
		{"memory not offered", fn(ok + "config {\n" + "memory_mb = 200" + "\n}"), `(?s)memory_mb.*128, 256, 512, 1024.*E2E_API_FLAVOR=faas-v1`},
		{"timeout too long", fn(ok + "config {\n" + "timeout_seconds = 700" + "\n}"), `(?s)timeout_seconds.*1 to 600.*E2E_API_FLAVOR=faas-v1`},
		{"name too long for E2E", fn(`name = "` + strings.Repeat("a", 41) + `"` + "\n" + `runtime = "python3-http-debian"` + "\n" + code), `(?s)name.*MyAccount API.*at most 40.*E2E_API_FLAVOR=faas-v1`},
		{"runtime not in the catalogue", fn(`name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code), `(?s)runtime.*python3-http-debian.*MyAccount API.*"python3.11" is a runtime of the faas-v1 API.*E2E_API_FLAVOR=faas-v1`},
		{"hardware not the runtime's", fn(ok + "config {\n" + `hardware_type = "gpu"` + "\n}"), `(?s)hardware_type.*runs on cpu`},
		{"gpu runtime on cpu", fn(`name = "okname"` + "\n" + `runtime = "python3-tensorflow"` + "\n" + code), `(?s)runs on gpu`},
		{"directory of two files", fn(`name = "okname"` + "\n" + `runtime = "python3-http-debian"` + "\n" + `code_path = "` + twoFiles + `"`), `(?s)code_path.*handler\.py.*helpers\.py`},
		{"secret resource", env.config(`
resource "e2e_faas_secret" "s" {
  name  = "db"
  value = "x"
}
`), `(?s)no secrets endpoint.*console.*E2E_API_FLAVOR=faas-v1`},
		{"functions by label", env.config(`
data "e2e_faas_functions" "all" {
  labels = { team = "a" }
}
`), `(?s)labels.*MyAccount API.*E2E_API_FLAVOR=faas-v1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			planFails(t, tc.config, tc.want)
		})
	}
	env.failedPlansWriteNothing(t)
}

// The provider settings of the MyAccount flavor: project_id is required and
// must be a positive integer, and the flavor follows the endpoint unless
// api_flavor says otherwise.
func TestAccMyAccount_providerSettings(t *testing.T) {
	env := newDialectTestEnv(t, myAccount, nil)
	block := func(settings string) string {
		return env.providerBlockWith(settings) + `
data "e2e_faas_runtimes" "all" {}
`
	}
	for _, tc := range []struct{ name, settings, want string }{
		{"missing project_id", "", `(?s)project_id.*E2E_PROJECT_ID.*not set`},
		{"project_id not a number", "  project_id = \"abc\"\n", `(?s)project_id.*"abc", not a positive integer`},
		{"project_id zero", "  project_id = \"0\"\n", `(?s)project_id.*not a positive integer`},
		// One rule with the server and myaccount.yaml: 19 digits may not fit
		// an int64 and would fail every request.
		{"project_id of 19 digits", "  project_id = \"1000000000000000000\"\n", `(?s)project_id.*not a positive integer of at most 18 digits`},
		{"unknown flavor", "  project_id = \"12345\"\n  api_flavor = \"v2\"\n", `(?s)api_flavor.*myaccount`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("E2E_PROJECT_ID", "")
			planFails(t, block(tc.settings), tc.want)
		})
	}
	// The environment alone selects and configures the dialect.
	t.Run("from the environment", func(t *testing.T) {
		t.Setenv("E2E_API_ENDPOINT", env.url)
		t.Setenv("E2E_API_KEY", env.key)
		t.Setenv("E2E_AUTH_TOKEN", env.token)
		t.Setenv("E2E_PROJECT_ID", "12345")
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config: `
data "e2e_faas_runtimes" "all" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.e2e_faas_runtimes.all", at("runtimes").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("python3-http-debian")),
					statecheck.ExpectKnownValue("data.e2e_faas_runtimes.all", at("runtimes").AtSliceIndex(0).AtMapKey("requirements_file"), knownvalue.StringExact("requirements.txt")),
					statecheck.ExpectKnownValue("data.e2e_faas_runtimes.all", at("runtimes").AtSliceIndex(0).AtMapKey("hardware"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("cpu")})),
					statecheck.ExpectKnownValue("data.e2e_faas_runtimes.all", at("runtimes").AtSliceIndex(0).AtMapKey("boiler_code"), knownvalue.StringRegexp(regexp.MustCompile(`def handle`))),
				},
			}},
		})
	})
}

// Code from a directory under MyAccount: one handler file plus the runtime's
// requirements file, which becomes requirements; an edit of either plans one
// update, and the function data sources see the function.
func TestAccMyAccount_codePathAndDataSources(t *testing.T) {
	env := newDialectTestEnv(t, myAccount, nil)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "handler.py"), []byte(fmt.Sprintf(dialectCode, "from a directory")), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("requests==2.32.3\n"), 0o644))
	cfg := env.config(`
resource "e2e_faas_function" "test" {
  name      = "from-dir"
  runtime   = "python3-http-debian"
  code_path = %q
}

data "e2e_faas_function" "one" {
  name       = e2e_faas_function.test.name
}

data "e2e_faas_functions" "all" {
  depends_on = [e2e_faas_function.test]
}
`, dir)
	serverRequirements := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			f, err := env.onlyFunction()
			if err != nil {
				return err
			}
			if f.Requirements != want {
				return fmt.Errorf("server requirements %q, want %q", f.Requirements, want)
			}
			return nil
		}
	}
	accTest(t, env,
		resource.TestStep{
			Config: cfg,
			Check:  serverRequirements("requests==2.32.3\n"),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("requirements", knownvalue.Null()),
				statecheck.ExpectKnownValue("data.e2e_faas_function.one", at("status"), knownvalue.StringExact("Running")),
				statecheck.ExpectKnownValue("data.e2e_faas_function.one", at("namespace"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.e2e_faas_functions.all", at("functions"), knownvalue.ListSizeExact(1)),
			},
		},
		resource.TestStep{Config: cfg, PlanOnly: true},
		resource.TestStep{
			PreConfig: func() {
				must(t, os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("requests==2.32.4\n"), 0o644))
				env.server.ResetRequests()
			},
			Config: cfg,
			Check:  resource.ComposeTestCheckFunc(serverRequirements("requests==2.32.4\n"), env.expectWrites("PUT faas/handler_file/{name}/")),
		},
		resource.TestStep{Config: cfg, PlanOnly: true},
	)
}

// A function made outside Terraform (in the console) imported by name: the
// MyAccount API answers with its code, so the configuration that matches it
// plans nothing, and the next apply changes nothing.
func TestAccMyAccount_importPlansNothing(t *testing.T) {
	env := newDialectTestEnv(t, myAccount, nil)
	code := fmt.Sprintf(dialectCode, "made in the console")
	client, err := faas.NewMyAccount(faas.Config{Endpoint: env.url, APIKey: env.key, AuthToken: env.token, ProjectID: "12345", Location: "Delhi"})
	must(t, err)
	_, err = client.CreateFunction(context.Background(), &faas.CreateFunctionRequest{
		Name: "console-fn",
		FunctionSpec: faas.FunctionSpec{
			Runtime: "python3-http-debian", CodeText: code, Requirements: "requests==2.32.3\n",
			Config:      &faas.FunctionConfig{MemoryMB: 256, TimeoutSeconds: 30, HardwareType: "cpu"},
			Environment: map[string]string{"MODE": "prod"},
		},
	})
	must(t, err)
	cfg := env.config(`
resource "e2e_faas_function" "test" {
  name         = "console-fn"
  runtime      = "python3-http-debian"
  code_inline  = %q
  requirements = "requests==2.32.3\n"
  environment  = { MODE = "prod" }
  config {
    memory_mb = 256
  }
}
`, code)
	accTest(t, env,
		resource.TestStep{
			Config: cfg, ResourceName: fn, ImportState: true, ImportStateId: "console-fn", ImportStatePersist: true,
			PreConfig: env.resetRequests(),
		},
		resource.TestStep{Config: cfg, PlanOnly: true},
		resource.TestStep{Config: cfg, Check: env.expectWrites()},
	)
}
