// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// dialectCase is one API dialect as the shared lifecycle tests drive it: the
// provider settings that select it, a Python runtime of its catalogue, and
// the server routes its calls arrive on.
type dialectCase struct {
	name             string
	base             string // the API base path below the server's URL
	projectID        string // "" means the server's default project
	providerSettings string // extra lines of the provider block
	runtime          string // a Python http runtime of the dialect's catalogue
	idPattern        *regexp.Regexp
	namespace        knownvalue.Check
	version          knownvalue.Check
	invocationCount  knownvalue.Check
	createRoute      string
	// settingsRoutes are the writes of a change of environment and memory;
	// codeRoutes those of a change of code; deleteRoute the destroy's.
	settingsRoutes []string
	codeRoutes     []string
	deleteRoute    string
	// importID gives the ID to import the function by.
	importID func(name, id string) string
	// importVerifyIgnore: what an import cannot restore.
	importVerifyIgnore []string
}

var (
	faasV1 = dialectCase{
		name: "faas-v1", base: api.BasePath, runtime: "python3.11",
		idPattern: uuidPattern, namespace: knownvalue.StringExact("e2e-faas-local-dl"),
		version: knownvalue.StringRegexp(regexp.MustCompile(`^v\d+$`)), invocationCount: knownvalue.Int64Exact(0),
		createRoute:    "POST functions",
		settingsRoutes: []string{"PUT functions/{id}/config", "PUT functions/{id}/environment"},
		codeRoutes:     []string{"PUT functions/{id}/code"},
		deleteRoute:    "DELETE functions/{id}",
		importID:       func(_, id string) string { return id },
		// The API has no code to give back; code_inline stays the user's.
		importVerifyIgnore: []string{"code_inline", "source_hash"},
	}
	myAccount = dialectCase{
		name: "myaccount", base: api.MyAccountBasePath, projectID: "12345",
		providerSettings: "  project_id   = \"12345\"\n  location     = \"Delhi\"\n",
		runtime:          "python3-http-debian",
		idPattern:        regexp.MustCompile(`^[a-z][a-z0-9-]*$`), namespace: knownvalue.Null(), version: knownvalue.Null(),
		invocationCount: knownvalue.Null(),
		createRoute:     "POST faas/functions/",
		settingsRoutes:  []string{"PUT faas/handler_file/{name}/"},
		codeRoutes:      []string{"PUT faas/handler_file/{name}/"},
		deleteRoute:     "DELETE faas/function/{name}/",
		importID:        func(name, _ string) string { return name },
	}
	dialects = []dialectCase{faasV1, myAccount}
)

// forEachDialect runs test once per API dialect, each against its own server.
func forEachDialect(t *testing.T, test func(t *testing.T, d dialectCase)) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) { test(t, d) })
	}
}

const dialectCode = "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": %q}\n"

func dialectConfig(env *testEnv, name, body, extra string) string {
	return env.config(`
resource "e2e_faas_function" "test" {
  name        = %q
  runtime     = %q
  code_inline = %q
%s
}
`, name, env.dialect.runtime, fmt.Sprintf(dialectCode, body), extra)
}

// The lifecycle on both dialects: create with defaults, an empty re-plan,
// a settings change and a code change each as an in-place update with the
// dialect's writes only, import, and destroy.
func TestAccDialects_lifecycle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		base := dialectConfig(env, "life-fn", "one", "")
		changed := dialectConfig(env, "life-fn", "one", "environment = { GREETING = \"hi\" }\nconfig {\n  memory_mb = 256\n}")
		recoded := dialectConfig(env, "life-fn", "two", "environment = { GREETING = \"hi\" }\nconfig {\n  memory_mb = 256\n}")
		update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate)}}
		steps := []resource.TestStep{
			{
				PreConfig: env.resetRequests(),
				Config:    base,
				ConfigStateChecks: []statecheck.StateCheck{
					expect("id", knownvalue.StringRegexp(d.idPattern)),
					expect("name", knownvalue.StringExact("life-fn")),
					expect("runtime", knownvalue.StringExact(d.runtime)),
					expect("namespace", d.namespace),
					expect("version", d.version),
					expect("invocation_count", d.invocationCount),
					expect("invoke_url", knownvalue.StringRegexp(regexp.MustCompile(`^http://127\.0\.0\.1:\d+/.*life-fn`))),
					expect("status", knownvalue.StringExact("Running")),
					expect("config", knownvalue.ListSizeExact(0)),
					expect("code_sha256", knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
				},
				Check: resource.ComposeTestCheckFunc(env.expectWrites(d.createRoute), func(*terraform.State) error {
					f, err := env.onlyFunction()
					if err != nil {
						return err
					}
					if f.Config.MemoryMB != 128 || f.Config.TimeoutSeconds != 30 || f.Config.HardwareType != "cpu" {
						return fmt.Errorf("server config %+v is not the defaults", f.Config)
					}
					return nil
				}),
			},
			{Config: base, PlanOnly: true},
			{
				PreConfig: env.resetRequests(), Config: changed, ConfigPlanChecks: update,
				Check: resource.ComposeTestCheckFunc(env.expectWrites(d.settingsRoutes...), func(*terraform.State) error {
					f, err := env.onlyFunction()
					if err != nil {
						return err
					}
					if f.Config.MemoryMB != 256 || f.Environment["GREETING"] != "hi" {
						return fmt.Errorf("the server holds memory %d and environment %v", f.Config.MemoryMB, len(f.Environment))
					}
					return nil
				}),
			},
			{Config: changed, PlanOnly: true},
			{PreConfig: env.resetRequests(), Config: recoded, ConfigPlanChecks: update, Check: env.expectWrites(d.codeRoutes...)},
			{Config: recoded, PlanOnly: true},
			{
				ResourceName: fn, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: d.importVerifyIgnore,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					rs := s.RootModule().Resources[fn]
					return d.importID(rs.Primary.Attributes["name"], rs.Primary.ID), nil
				},
			},
		}
		steps = append(steps, resource.TestStep{
			PreConfig: env.resetRequests(), Config: env.providerBlock(),
			Check: env.expectWrites(d.deleteRoute),
		})
		accTest(t, env, steps...)
	})
}

// Drift on both dialects: a setting and the code changed outside Terraform
// each plan an update that puts them back; a function deleted outside
// Terraform plans a create.
func TestAccDialects_drift(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		cfg := dialectConfig(env, "drifty", "one", "")
		drift := driftSteps{t: t, env: env, cfg: cfg}
		mutate, updateStep := drift.outside, drift.restored
		accTest(t, env, append([]resource.TestStep{
			{Config: cfg},
			updateStep(mutate(func(f *localfaas.Function) { f.Config.MemoryMB = 512 }), d.settingsRoutes[0]),
			updateStep(mutate(func(f *localfaas.Function) { f.Environment = map[string]string{"ADDED": "1"} }), d.settingsRoutes[len(d.settingsRoutes)-1]),
			updateStep(mutate(changeCodeOutside), d.codeRoutes...),
			{Config: cfg, PlanOnly: true},
		}, drift.deletedOutside()...)...)
	})
}

// A MyAccount answer that does not carry a field (E2E does not publish which
// fields its GET returns) keeps the state's value: a change made outside
// Terraform to such a field cannot be seen, and never makes the plan
// non-empty.
func TestAccMyAccount_sparseAnswersKeepState(t *testing.T) {
	env := newDialectTestEnv(t, myAccount, nil, func(o *localfaas.Options) { o.MyAccountSparse = true })
	cfg := dialectConfig(env, "sparse-fn", "one", "environment = { A = \"1\" }\nconfig {\n  memory_mb = 256\n}")
	accTest(t, env,
		resource.TestStep{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				expect("environment", knownvalue.MapExact(map[string]knownvalue.Check{"A": knownvalue.StringExact("1")})),
				expect("status", knownvalue.StringExact("Running")),
			},
		},
		resource.TestStep{
			PreConfig: func() {
				fns := env.server.Functions()
				must(t, env.server.UpdateFunction(fns[0].ID, func(f *localfaas.Function) {
					f.Environment = map[string]string{"B": "2"}
					f.Config.MemoryMB = 1024
				}))
			},
			Config: cfg, PlanOnly: true,
		},
	)
}

// A failed deploy on both dialects fails the apply with the platform's
// message and keeps the function tainted; the next apply replaces it.
func TestAccDialects_failedDeploy(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		cfg := dialectConfig(env, "fails-once", "one", "")
		accTest(t, env,
			resource.TestStep{
				PreConfig:   func() { env.server.FailNextDeploy("handler.py: SyntaxError on line 1") },
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)did not deploy.*SyntaxError on line 1`),
			},
			resource.TestStep{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expect("status", knownvalue.StringExact("Running"))},
			},
		)
	})
}

// A create whose answer is lost (the server made the function, then dropped
// the connection) with no idempotency key to prove whose it is: the function
// of that name with the same runtime and hardware is adopted and brought to
// the configuration, the apply succeeds, the next plan is empty, and the
// server holds one function.
func TestAccDialects_lostCreateAnswer(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env, cfg := withoutCreateRequestID(t, d, "lost-answer", "one")
		accTest(t, env,
			resource.TestStep{
				PreConfig: func() { env.failCreates(faults.Drop) },
				Config:    cfg,
				Check: func(*terraform.State) error {
					injected := env.server.InjectedFaults()
					env.server.ClearFaults()
					if n := len(env.server.Functions()); n != 1 {
						return fmt.Errorf("the server holds %d functions, want 1", n)
					}
					if len(injected) == 0 {
						return fmt.Errorf("no answer was dropped: the test proves nothing")
					}
					return nil
				},
			},
			resource.TestStep{Config: cfg, PlanOnly: true},
		)
	})
}

// A create answered 502 (nothing said whether it was carried out) while a
// function of that name and runtime exists that is not what was sent (other
// code, no environment): it is somebody else's, the apply fails saying to
// import it, and the function is left exactly as it was.
func TestAccDialects_ambiguousCreateRefusesAnotherFunction(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env, cfg := withoutCreateRequestID(t, d, "not-mine", "configured")
		var before localfaas.Function
		accTest(t, env,
			resource.TestStep{
				PreConfig: func() {
					createOutside(t, env, "not-mine", fmt.Sprintf(dialectCode, "old"), nil)
					f, err := env.onlyFunction()
					must(t, err)
					before = f
					env.server.ResetRequests()
					env.failCreates(faults.BadGateway)
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)already exists.*import it`),
			},
			resource.TestStep{
				PreConfig: func() {
					env.server.ClearFaults()
					f, err := env.onlyFunction()
					must(t, err)
					if f.CodeSHA256 != before.CodeSHA256 || len(f.Environment) != 0 || f.Version != before.Version {
						t.Errorf("the function that is not Terraform's was changed: %+v", f)
					}
					for _, w := range env.writes() {
						if w != d.createRoute {
							t.Errorf("write %q to a function that is not Terraform's", w)
						}
					}
					env.server.RemoveFunction(f.ID)
				},
				Config: env.providerBlock(),
			},
		)
	})
}

// A create answered 502 while a function of that name exists that is what
// was sent (the same code, runtime, memory, timeout and environment; made,
// say, by an earlier apply whose answer was lost): it is adopted, ends in
// state as configured and not tainted, and the next plan is empty.
func TestAccDialects_ambiguousCreateAdoptsItsOwn(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env, cfg := withoutCreateRequestID(t, d, "adopt-me", "configured")
		accTest(t, env,
			resource.TestStep{
				PreConfig: func() {
					createOutside(t, env, "adopt-me", fmt.Sprintf(dialectCode, "configured"), map[string]string{"A": "1"})
					env.server.ResetRequests()
					env.failCreates(faults.BadGateway)
				},
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					expect("status", knownvalue.StringExact("Running")),
					expect("environment", knownvalue.MapExact(map[string]knownvalue.Check{"A": knownvalue.StringExact("1")})),
				},
				Check: func(*terraform.State) error {
					env.server.ClearFaults()
					_, err := env.onlyFunction()
					return err
				},
			},
			resource.TestStep{Config: cfg, PlanOnly: true},
		)
	})
}

// withoutCreateRequestID is a server of the dialect whose create answers
// carry no request ID, so that after a failed create nothing but the
// function found says whose it is, and the configuration of a function
// named name that answers body and has one environment variable.
func withoutCreateRequestID(t *testing.T, d dialectCase, name, body string) (*testEnv, string) {
	t.Helper()
	env := newDialectTestEnv(t, d, nil, func(o *localfaas.Options) { o.OmitCreateRequestID = true })
	return env, dialectConfig(env, name, body, "environment = { A = \"1\" }")
}

// failCreates makes every create of the server's dialect fail with kind.
func (e *testEnv) failCreates(kind faults.Kind) {
	must(e.t, e.server.SetFaults(faults.Config{Seed: 7, Routes: map[string]faults.Rule{
		e.dialect.createRoute: {Rate: 1, Kinds: []faults.Kind{kind}},
	}}))
}

// createOutside makes a function the way another tool would, through the
// dialect's own API.
func createOutside(t *testing.T, env *testEnv, name, code string, environment map[string]string) {
	t.Helper()
	env.makeOutside(name, packaging.Source{Inline: code}, false, func(spec *faas.FunctionSpec) { spec.Environment = environment })
}

// A name already taken by a function of another runtime is refused, saying
// how to import it, on both dialects.
func TestAccDialects_nameTaken(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		first := dialectConfig(env, "taken", "one", "")
		second := first + fmt.Sprintf(`
resource "e2e_faas_function" "again" {
  name        = "taken"
  runtime     = %q
  code_inline = "def handle(event, context):\n    return 'again'\n"
  depends_on  = [e2e_faas_function.test]
}
`, d.runtime)
		accTest(t, env,
			resource.TestStep{Config: first},
			resource.TestStep{Config: second, ExpectError: regexp.MustCompile(`(?s)already exists.*terraform import`)},
		)
	})
}

// changeCodeOutside replaces a function's code the way a console user would:
// the faas-v1 API reports the new archive's hash, the MyAccount API the new
// code itself.
func changeCodeOutside(f *localfaas.Function) {
	f.CodeSHA256 = strings.Repeat("ab", 32)
	if f.Code != "" {
		f.Code = "def handle(event, context):\n    return 'changed in the console'\n"
	}
}

// An outage of the API while a create waits for its deploy (every read of
// the function answered 503, more often than the client's retries cover) is
// ridden out until the wait's own timeout: the apply succeeds and the
// function is not tainted, so the next plan is empty.
func TestAccDialects_outageDuringDeployWait(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		const outage = 14 // more than two calls' worth of attempts (1 + 5 retries each)
		var mu sync.Mutex
		answered := 0
		reads := regexp.MustCompile(`/(functions/[0-9a-f-]{36}|faas/function/[a-z0-9-]+/)$`)
		unavailable := func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodGet || !reads.MatchString(r.URL.Path) {
				return false
			}
			mu.Lock()
			defer mu.Unlock()
			if answered >= outage {
				return false
			}
			answered++
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			body := `{"code":503,"message":"down for maintenance","errors":{}}`
			if d.name == myAccount.name {
				body = `{"code":503,"data":null,"message":"down for maintenance","errors":{}}`
			}
			_, _ = w.Write([]byte(body))
			return true
		}
		env := newDialectTestEnv(t, d, unavailable)
		cfg := dialectConfig(env, "rides-it-out", "one", "")
		accTest(t, env,
			resource.TestStep{
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{expect("status", knownvalue.StringExact("Running"))},
				Check: func(*terraform.State) error {
					mu.Lock()
					defer mu.Unlock()
					if answered < outage {
						return fmt.Errorf("only %d reads met the outage: the test proves nothing", answered)
					}
					return nil
				},
			},
			resource.TestStep{Config: cfg, PlanOnly: true},
		)
	})
}
