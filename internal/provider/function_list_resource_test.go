// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// queryCode is the handler of function name made outside Terraform.
func queryCode(name string) string {
	return "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": \"" + name + "\"}\n"
}

// createOutside makes and deploys a function without Terraform.
func (e *testEnv) createOutside(name string, labels map[string]string) {
	e.t.Helper()
	e.makeOutside(name, packaging.Source{Inline: queryCode(name)}, true, func(spec *faas.FunctionSpec) {
		spec.Labels = labels
		if spec.Code != nil {
			spec.Template, spec.HandlerFunction = defaultTemplate, defaultHandler
		}
	})
}

// smallPages makes the faas-v1 list of functions answer two per page, so
// that listing three needs two pages; it counts the requests for a page
// after the first.
func smallPages(later *atomic.Int32) interceptor {
	return func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/functions") {
			q := r.URL.Query()
			q.Set("per_page", "2")
			r.URL.RawQuery = q.Encode()
			if p, _ := strconv.Atoi(q.Get("page")); p > 1 {
				later.Add(1)
			}
		}
		return false
	}
}

// queryFile is a .tfquery.hcl with one list block of the given config.
func (w *cliWorkspace) writeQuery(config string) {
	w.t.Helper()
	must(w.t, os.WriteFile(filepath.Join(w.work, "find.tfquery.hcl"), []byte(`
list "e2e_faas_function" "found" {
  provider         = e2e
  include_resource = true
  config {
`+config+`
  }
}
`), 0o644))
}

// queryResult is one list_resource_found line of terraform query -json.
type queryResult struct {
	Address     string         `json:"address"`
	DisplayName string         `json:"display_name"`
	Identity    map[string]any `json:"identity"`
	Resource    map[string]any `json:"resource_object"`
}

// query runs terraform query -json and returns the results, or the
// diagnostics' text when it fails.
func (w *cliWorkspace) query() ([]queryResult, string) {
	w.t.Helper()
	out, code := w.run(nil, "query", "-json", "-no-color")
	var results []queryResult
	var errs []string
	for _, line := range strings.Split(out, "\n") {
		var msg struct {
			Type       string       `json:"type"`
			Found      *queryResult `json:"list_resource_found"`
			Diagnostic *struct {
				Severity, Summary, Detail string
			} `json:"diagnostic"`
		}
		if json.Unmarshal([]byte(line), &msg) != nil {
			continue
		}
		if msg.Found != nil {
			results = append(results, *msg.Found)
		}
		if msg.Diagnostic != nil && msg.Diagnostic.Severity == "error" {
			errs = append(errs, msg.Diagnostic.Summary+": "+msg.Diagnostic.Detail)
		}
	}
	if code != 0 && len(errs) == 0 {
		w.t.Fatalf("terraform query: exit %d without an error diagnostic:\n%s", code, out)
	}
	return results, strings.Join(errs, "\n")
}

func names(results []queryResult) string {
	var out []string
	for _, r := range results {
		out = append(out, r.DisplayName)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// terraform query on both dialects: functions made outside Terraform are
// found (all pages), filtered by name prefix, runtime and (faas-v1) labels,
// with their identities and resources; the configuration that
// -generate-config-out writes imports them, writes nothing to the API, and
// plans nothing afterwards. Under myaccount it is applied as generated;
// under faas-v1 once each block has its code, as the docs say.
func TestAccQuery_functions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		verbsTerraform(t)
		var laterPages atomic.Int32
		env := newDialectTestEnv(t, d, smallPages(&laterPages))
		labels := map[string]string(nil)
		if d.name == faasV1.name {
			labels = map[string]string{"team": "web"}
		}
		env.createOutside("console-a", labels)
		env.createOutside("console-b", nil)
		env.createOutside("other-c", nil)
		ws := verbsWorkspace(t, env)
		ws.writeConfig(verbsProviderBlock + "provider \"e2e\" {}\n")
		ns := func(name string) string {
			if d.name == faasV1.name {
				return name + ".e2e-faas-local-dl"
			}
			return name
		}

		ws.writeQuery(`    name_prefix = ""`)
		all, errs := ws.query()
		if want := ns("console-a") + " " + ns("console-b") + " " + ns("other-c"); errs != "" || names(all) != want {
			t.Fatalf("all functions: %q (%s), want %q", names(all), errs, want)
		}
		if d.name == faasV1.name && laterPages.Load() == 0 {
			t.Fatal("the list never asked for a second page")
		}
		for _, r := range all {
			name, _ := r.Resource["name"].(string)
			if r.Identity["name"] != name || r.Resource["status"] != "Running" || r.Resource["runtime"] != d.runtime {
				t.Errorf("result %s: identity %v, resource %v", r.DisplayName, r.Identity, r.Resource)
			}
			if d.name == faasV1.name && r.Identity["namespace"] != "e2e-faas-local-dl" || d.name != faasV1.name && r.Identity["namespace"] != nil {
				t.Errorf("result %s: identity %v", r.DisplayName, r.Identity)
			}
		}
		ws.writeQuery(`    runtime = "no-such-runtime"`)
		if none, errs := ws.query(); errs != "" || len(none) != 0 {
			t.Errorf("runtime filter: %q (%s), want none", names(none), errs)
		}
		ws.writeQuery(`    labels = { team = "web" }`)
		labelled, errs := ws.query()
		if d.name == faasV1.name && (errs != "" || names(labelled) != ns("console-a")) {
			t.Errorf("label filter: %q (%s), want console-a", names(labelled), errs)
		}
		if d.name != faasV1.name && !regexp.MustCompile(`(?s)MyAccount API.*has no labels.*E2E_API_FLAVOR=faas-v1`).MatchString(errs) {
			t.Errorf("a label filter under myaccount: %q (%s), want the dialect's reason", names(labelled), errs)
		}

		ws.writeQuery(`    name_prefix = "console-"
    runtime     = "` + d.runtime + `"`)
		ws.mustRun(0, "query", "-generate-config-out=generated.tf")
		generated, err := os.ReadFile(filepath.Join(ws.work, "generated.tf"))
		must(t, err)
		if d.name == faasV1.name {
			// What the user does under faas-v1: give each function its code.
			generated = addGeneratedCode(t, generated)
			must(t, os.WriteFile(filepath.Join(ws.work, "generated.tf"), generated, 0o644))
		}
		must(t, os.Remove(filepath.Join(ws.work, "find.tfquery.hcl")))
		env.server.ResetRequests()
		out := ws.mustRun(0, "apply", "-auto-approve")
		// Under faas-v1 the code attributes come from the configuration,
		// not the import: an update in place that writes nothing.
		want := "2 imported, 0 added, 0 changed, 0 destroyed"
		if d.name == faasV1.name {
			want = "2 imported, 0 added, 2 changed, 0 destroyed"
		}
		if !strings.Contains(out, want) {
			t.Fatalf("the generated configuration did not import both functions and nothing more:\n%s\n%s", generated, out)
		}
		if w := env.writes(); len(w) != 0 {
			t.Errorf("importing wrote to the API: %v", w)
		}
		if out, code := ws.run(nil, "plan", "-detailed-exitcode", "-no-color"); code != 0 {
			t.Fatalf("the plan after the import is not empty (exit %d):\n%s\n%s", code, generated, out)
		}
		ws.mustRun(0, "destroy", "-auto-approve")
		for _, f := range env.server.Functions() {
			if f.Name != "other-c" {
				t.Errorf("%s left after destroy", f.Name)
			}
			env.server.RemoveFunction(f.ID)
		}
	})
}

// addGeneratedCode sets code_inline in each generated function block to
// the code that function was made with.
func addGeneratedCode(t *testing.T, generated []byte) []byte {
	t.Helper()
	blocks := strings.Split(string(generated), `resource "e2e_faas_function"`)
	nameLine := regexp.MustCompile(`(?m)^\s*name\s*=\s*"([^"]+)"`)
	for i := 1; i < len(blocks); i++ {
		m := nameLine.FindStringSubmatch(blocks[i])
		if m == nil || !strings.Contains(blocks[i], "code_inline      = null") {
			t.Fatalf("unexpected generated block:\n%s", blocks[i])
		}
		blocks[i] = strings.Replace(blocks[i], "code_inline      = null", "code_inline      = "+strconv.Quote(queryCode(m[1])), 1)
	}
	return []byte(strings.Join(blocks, `resource "e2e_faas_function"`))
}
