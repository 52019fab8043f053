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

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// The two examples of the original design of data.e2e_faas_runtimes, as
// written (see DESIGN.md#runtime-catalogue).
func TestAccRuntimes_designExamples(t *testing.T) {
	env := newTestEnv(t)
	accTest(t, env, resource.TestStep{
		Config: env.config(`
data "e2e_faas_runtimes" "available" {}

output "python_runtimes" {
  value = [for r in data.e2e_faas_runtimes.available.runtimes : r if startswith(r.name, "python")]
}

# Use in validation
resource "e2e_faas_function" "test" {
  name    = "my-app"
  runtime = data.e2e_faas_runtimes.available.runtimes[0].name

  code_inline = "def handle(event, context): return {'statusCode': 200}"
}

data "e2e_faas_runtimes" "gpu" {
  filter_hardware = "gpu"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("python_runtimes", knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectExact(map[string]knownvalue.Check{
					"name":         knownvalue.StringExact("python3.11"),
					"version":      knownvalue.NotNull(),
					"templates":    knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("http"), knownvalue.StringExact("flask"), knownvalue.StringExact("fastapi")}),
					"hardware":     knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("cpu")}),
					"runs_locally": knownvalue.Bool(false),
					// The MyAccount catalogue's extras, null from faas-v1.
					"boiler_code":       knownvalue.Null(),
					"requirements_file": knownvalue.Null(),
				}),
			})),
			expect("runtime", knownvalue.StringExact("python3.11")),
			// The local server says which runtimes it runs: none, with no runner.
			statecheck.ExpectKnownValue("data.e2e_faas_runtimes.available", tfjsonpath.New("runtimes").AtSliceIndex(0).AtMapKey("runs_locally"), knownvalue.Bool(false)),
			expect("status", knownvalue.StringExact("Running")),
			statecheck.ExpectKnownValue("data.e2e_faas_runtimes.available", tfjsonpath.New("runtimes"), knownvalue.ListSizeExact(9)),
			statecheck.ExpectKnownValue("data.e2e_faas_runtimes.gpu", tfjsonpath.New("runtimes"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("pytorch2.1.2")}),
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("tensorflow2.19.0")}),
			})),
		},
	})
}

// A region whose catalogue lacks go1.21 and offers python3.11 with http only.
func smallCatalogue(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/runtimes") {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"runtimes": []faas.Runtime{
		{Name: "python3.11", Version: "3.11.9", Templates: []string{"http"}, Hardware: []string{"cpu"}},
		{Name: "node20", Version: "20.18.0", Templates: []string{"http", "node"}, Hardware: []string{"cpu"}},
		{Name: "pytorch2.1.2", Version: "2.1.2", Templates: []string{"http"}, Hardware: []string{"cpu", "gpu"}},
	}})
	return true
}

// The plan checks runtime, template and hardware against the live catalogue,
// names the attribute, lists what is available, and writes nothing.
func TestAccFunction_catalogueChecks(t *testing.T) {
	env := newInterceptedTestEnv(t, smallCatalogue)
	cases := map[string]struct{ body, want string }{
		"template not offered":   {`runtime = "node20"` + "\n" + `template = "flask"`, `(?s)template.*node20 offers the templates http, node; "flask" is not one of them`},
		"template not in region": {`runtime = "python3.11"` + "\n" + `template = "fastapi"`, `(?s)template.*python3.11 offers the templates http;`},
		"gpu on cpu runtime":     {`runtime = "node20"` + "\n" + "config {\nhardware_type = \"gpu\"\n}", `(?s)hardware_type.*node20 runs on cpu; "gpu" is not available`},
		"runtime not in region":  {`runtime = "go1.21"`, `(?s)runtime.*has no "go1.21". Available: python3.11, node20, pytorch2.1.2`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			planFails(t, env.config(`
resource "e2e_faas_function" "test" {
  name        = "catalogue-check"
  code_path   = "."
  %s
}
`, tc.body), tc.want)
		})
	}
	env.failedPlansWriteNothing(t)
}

// Unknown values are skipped, not guessed: a runtime that comes from a data
// source read at apply time passes the plan.
func TestAccFunction_catalogueSkipsUnknown(t *testing.T) {
	env := newTestEnv(t)
	accTest(t, env, resource.TestStep{
		Config: env.config(`
resource "terraform_data" "runtime" {
  input = "python3.11"
}

resource "e2e_faas_function" "test" {
  name        = "late-runtime"
  runtime     = terraform_data.runtime.output
  code_inline = "def handle(event, context):\n    return 1\n"
}
`),
		ConfigStateChecks: []statecheck.StateCheck{expect("runtime", knownvalue.StringExact("python3.11"))},
	})
}

func TestAccFunctionDataSources(t *testing.T) {
	// Parallel from the start: the 230 creates below overlap other tests.
	t.Parallel()
	env := newTestEnv(t)
	// Enough functions for two pages of the API's largest page size.
	c := env.client()
	archive, err := packaging.Build(packaging.Source{Inline: "def handle(e, c):\n    return 1\n", Runtime: "python3.11", Template: "http"})
	must(t, err)
	defer archive.Close()
	for i := 0; i < 230; i++ {
		labels := map[string]string{"fleet": "a"}
		if i%10 == 0 {
			labels["tier"] = "gold"
		}
		_, err := c.CreateFunction(context.Background(), &faas.CreateFunctionRequest{
			Name: fmt.Sprintf("fleet-%03d", i), FunctionSpec: faas.FunctionSpec{Runtime: "python3.11", Code: archive, Labels: labels},
		})
		must(t, err)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.config(`
data "e2e_faas_function" "by_name" {
  name = "fleet-007"
}

data "e2e_faas_function" "by_id" {
  id = data.e2e_faas_function.by_name.id
}

data "e2e_faas_functions" "all" {}

data "e2e_faas_functions" "gold" {
  labels = { tier = "gold" }
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.e2e_faas_function.by_name", tfjsonpath.New("status"), knownvalue.StringExact("Running")),
				statecheck.ExpectKnownValue("data.e2e_faas_function.by_name", tfjsonpath.New("invoke_url"), knownvalue.StringRegexp(regexp.MustCompile(`/fleet-007\.e2e-faas-local-dl/$`))),
				statecheck.ExpectKnownValue("data.e2e_faas_function.by_name", tfjsonpath.New("config").AtMapKey("memory_mb"), knownvalue.Int64Exact(128)),
				statecheck.ExpectKnownValue("data.e2e_faas_function.by_name", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"fleet": knownvalue.StringExact("a")})),
				statecheck.CompareValuePairs("data.e2e_faas_function.by_id", tfjsonpath.New("name"), "data.e2e_faas_function.by_name", tfjsonpath.New("name"), compareSame{}),
				statecheck.ExpectKnownValue("data.e2e_faas_functions.all", tfjsonpath.New("functions"), knownvalue.ListSizeExact(230)),
				statecheck.ExpectKnownValue("data.e2e_faas_functions.gold", tfjsonpath.New("functions"), knownvalue.ListSizeExact(23)),
			},
		}},
	})
	t.Cleanup(func() {
		for _, f := range env.server.Functions() {
			env.server.RemoveFunction(f.ID)
		}
	})
}

type compareSame struct{}

func (compareSame) CompareValues(values ...any) error {
	for _, v := range values[1:] {
		if fmt.Sprint(v) != fmt.Sprint(values[0]) {
			return fmt.Errorf("%v differs from %v", v, values[0])
		}
	}
	return nil
}

func TestAccFunctionDataSource_notFound(t *testing.T) {
	env := newTestEnv(t)
	accTest(t, env, resource.TestStep{
		Config:      env.config(`data "e2e_faas_function" "x" { name = "no-such-fn" }`),
		ExpectError: regexp.MustCompile(`no function named "no-such-fn"`),
	})
}

// An empty runtime catalogue says nothing about what the region offers: the
// check is skipped with a warning (as for an unreachable catalogue), instead
// of refusing every runtime with "Available: .".
func TestAccFunction_emptyCatalogueSkipsTheCheck(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		empty := `{"runtimes":[]}`
		if d.name == myAccount.name {
			empty = `{"code":200,"data":[],"errors":{},"message":"Success"}`
		}
		env := newDialectTestEnv(t, d, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodGet || !strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/runtimes") {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(empty))
			return true
		})
		accTest(t, env, resource.TestStep{
			Config:            dialectConfig(env, "empty-catalogue", "one", ""),
			ConfigStateChecks: []statecheck.StateCheck{expect("status", knownvalue.StringExact("Running"))},
		})
	})
}
