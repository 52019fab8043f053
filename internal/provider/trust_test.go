// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// What the provider trusts of the API's answers (DESIGN.md#waits-and-retries):
// state is never dropped on a guess, an endpoint where nothing listens fails
// the plan, and a failed write says "nothing was changed" only when that is
// known.

// theOtherDialect is the dialect d is not.
func theOtherDialect(d dialectCase) dialectCase {
	if d.name == myAccount.name {
		return faasV1
	}
	return myAccount
}

// providerAt is a provider block for env's credentials at another base URL
// and with another dialect's settings.
func providerAt(env *testEnv, url string, d dialectCase) string {
	return fmt.Sprintf(`
provider "e2e" {
  api_endpoint = %q
  api_key      = %q
  auth_token   = %q
  api_flavor   = %q
%s}
`, url, env.key, env.token, d.name, d.providerSettings)
}

// withProvider is cfg with its provider block replaced.
func withProvider(env *testEnv, cfg, block string) string {
	return strings.Replace(cfg, env.providerBlock(), block, 1)
}

// uncheckedFront serves env's server behind intercept, outside the
// contract check of env's own front: the MyAccount API reports failures in
// the envelope of an HTTP 200, which internal/api/myaccount.yaml does not
// describe. It returns the dialect's base URL there.
func uncheckedFront(t *testing.T, env *testEnv, intercept interceptor) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r) {
			env.server.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL + env.dialect.base
}

// onServer checks that the one function is still on the server.
func onServer(env *testEnv) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := env.onlyFunction()
		return err
	}
}

// A mistyped api_endpoint path (v2 for v1) answers 404 to everything: the
// plan and a refresh-only run fail naming api_endpoint, the state keeps the
// function, and with the right endpoint the plan is empty again.
func TestAccDialects_wrongEndpointKeepsState(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		cfg := dialectConfig(env, "kept-fn", "one", "")
		mistyped := withProvider(env, cfg, providerAt(env, strings.Replace(env.url, "/v1/", "/v2/", 1), d))
		accTest(t, env,
			resource.TestStep{Config: cfg},
			resource.TestStep{Config: mistyped, ExpectError: regexp.MustCompile(`(?s)Could not read the function.*api_endpoint`)},
			resource.TestStep{RefreshState: true, ExpectError: regexp.MustCompile(`(?s)Could not read the function.*api_endpoint`)},
			resource.TestStep{Config: cfg, PlanOnly: true, Check: onServer(env)},
		)
	})
}

// A new function planned at a mistyped api_endpoint: the runtime catalogue
// is not found there, which fails the plan rather than warning.
func TestAccDialects_wrongEndpointFailsThePlan(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		mistyped := withProvider(env, dialectConfig(env, "never-fn", "one", ""), providerAt(env, strings.Replace(env.url, "/v1/", "/v2/", 1), d))
		accTest(t, env, resource.TestStep{
			Config: mistyped, PlanOnly: true,
			ExpectError: regexp.MustCompile(`(?s)No E2E FaaS API at api_endpoint.*api_flavor`),
		})
	})
}

// A state made through one flavor, read through the other (same server,
// same credentials), is refused naming api_flavor; the state stays, and the
// original flavor plans nothing.
func TestAccDialects_flavorSwitchKeepsState(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		cfg := dialectConfig(env, "flavor-fn", "one", "")
		other := theOtherDialect(d)
		switched := withProvider(env, cfg, providerAt(env, strings.TrimSuffix(env.url, d.base)+other.base, other))
		switched = strings.Replace(switched, fmt.Sprintf("runtime     = %q", d.runtime), fmt.Sprintf("runtime     = %q", other.runtime), 1)
		accTest(t, env,
			resource.TestStep{Config: cfg},
			resource.TestStep{Config: switched, ExpectError: regexp.MustCompile(`(?s)other API flavor.*api_flavor`)},
			resource.TestStep{RefreshState: true, ExpectError: regexp.MustCompile(`(?s)other API flavor.*api_flavor`)},
			resource.TestStep{Config: cfg, PlanOnly: true, Check: onServer(env)},
		)
	})
}

// An endpoint where nothing listens fails the plan, naming api_endpoint and
// its value, and never calls the outcome ambiguous.
func TestAccDialects_nothingListensFailsThePlan(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		must(t, err)
		closed := "http://" + l.Addr().String() + d.base
		must(t, l.Close())
		cfg := withProvider(env, dialectConfig(env, "nowhere-fn", "one", ""), providerAt(env, closed, d))
		accTest(t, env, resource.TestStep{
			Config: cfg, PlanOnly: true,
			ExpectError: regexp.MustCompile(`(?s)cannot be reached.*api_endpoint = "` + regexp.QuoteMeta(closed) + `"`),
		})
	})
}

// actsThenFails is an interceptor that lets the server carry out the
// requests matching route, then answers each with a failure: HTTP 502
// under faas-v1, an in-body 500 in an HTTP 200 under myaccount. Before it
// is armed, and once disarmed, it lets everything through.
type actsThenFails struct {
	server *localfaas.Server
	route  *regexp.Regexp
	mu     sync.Mutex
	armed  bool
	hits   int
}

func (a *actsThenFails) set(armed bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.armed = armed
}

func (a *actsThenFails) intercept(w http.ResponseWriter, r *http.Request) bool {
	a.mu.Lock()
	armed := a.armed && r.Method == http.MethodPut && a.route.MatchString(r.URL.Path)
	if armed {
		a.hits++
	}
	a.mu.Unlock()
	if !armed {
		return false
	}
	rec := httptest.NewRecorder()
	a.server.ServeHTTP(rec, r)
	w.Header().Set("Content-Type", "application/json")
	if strings.Contains(r.URL.Path, "/myaccount/") {
		_, _ = w.Write([]byte(`{"code":500,"data":null,"errors":{},"message":"internal error after the change"}`))
		return true
	}
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write([]byte(`{"code":502,"message":"bad gateway","errors":{}}`))
	return true
}

// An update of the code that the server carried out but answered with a
// failure (every attempt): the error does not claim that nothing was
// changed, the next plan shows this apply's change as an update again and
// does not label it a change made outside Terraform, and its apply ends
// with an empty plan.
func TestAccDialects_failedUpdateIsNotDrift(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		a := &actsThenFails{route: regexp.MustCompile(`/functions/[^/]+/code$|/faas/handler_file/[^/]+/$`)}
		env := newDialectTestEnv(t, d, nil)
		a.server = env.server
		front := providerAt(env, uncheckedFront(t, env, a.intercept), d)
		cfg := withProvider(env, dialectConfig(env, "half-done", "one", ""), front)
		recoded := withProvider(env, dialectConfig(env, "half-done", "two", ""), front)
		accTest(t, env,
			resource.TestStep{Config: cfg},
			resource.TestStep{
				PreConfig:   func() { a.set(true) },
				Config:      recoded,
				ExpectError: regexp.MustCompile(`(?s)Could not update the function.*may have been applied.*next plan`),
			},
			resource.TestStep{
				PreConfig: func() {
					a.set(false)
					if a.hits == 0 {
						t.Error("no update met the failure: the test proves nothing")
					}
				},
				Config: recoded,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate),
					notLabelledDrift{},
				}},
			},
			resource.TestStep{Config: recoded, PlanOnly: true},
		)
	})
}

// notLabelledDrift fails when the refreshed state behind a plan carries the
// drift marker in fn's source_hash.
type notLabelledDrift struct{}

func (notLabelledDrift) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("the plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address != fn {
			continue
		}
		if h, _ := r.AttributeValues["source_hash"].(string); strings.HasPrefix(h, codeChangedOutside) {
			resp.Error = fmt.Errorf("the refreshed source_hash is %q: Terraform's own change is labelled a change outside Terraform", h)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the prior state", fn)
}

// A transient failure of a read (HTTP 503 under faas-v1, an in-body 503 in
// an HTTP 200 under myaccount) is retried: the refresh and the plan pass.
func TestAccDialects_transientReadFailureRetried(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		var mu sync.Mutex
		failures := 0
		reads := regexp.MustCompile(`/(functions/[0-9a-f-]{36}|faas/function/[a-z0-9-]+/)$`)
		env := newDialectTestEnv(t, d, nil)
		front := uncheckedFront(t, env, func(w http.ResponseWriter, r *http.Request) bool {
			mu.Lock()
			defer mu.Unlock()
			if failures == 0 || r.Method != http.MethodGet || !reads.MatchString(r.URL.Path) {
				return false
			}
			failures--
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "0")
			if d.name == myAccount.name {
				_, _ = w.Write([]byte(`{"code":503,"data":null,"errors":{},"message":"try again"}`))
				return true
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"code":503,"message":"try again","errors":{}}`))
			return true
		})
		cfg := withProvider(env, dialectConfig(env, "flaky-read", "one", ""), providerAt(env, front, d))
		accTest(t, env,
			resource.TestStep{Config: cfg},
			resource.TestStep{
				PreConfig: func() { mu.Lock(); failures = 2; mu.Unlock() },
				Config:    cfg, PlanOnly: true,
			},
		)
	})
}

// A create whose answer is lost on a reused connection, against a faas-v1
// server that neither honours Idempotency-Key nor reports create_request_id:
// Go's transport sends the POST again, which gets a 409 for the function the
// first sending made. That function, matching what was sent, is adopted.
func TestAccFaaSV1_lostCreateThenConflict(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	var server *localfaas.Server
	env := newDialectTestEnv(t, faasV1, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/functions") {
			return false
		}
		r.Header.Del("Idempotency-Key")
		mu.Lock()
		posts++
		first := posts == 1
		mu.Unlock()
		if !first {
			return false
		}
		server.ServeHTTP(httptest.NewRecorder(), r)
		// Close the connection without an answer, as the fault layer does.
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			return true
		}
		panic(http.ErrAbortHandler)
	}, func(o *localfaas.Options) { o.OmitCreateRequestID = true })
	server = env.server
	cfg := dialectConfig(env, "lost-then-409", "one", "environment = { A = \"1\" }")
	accTest(t, env,
		resource.TestStep{
			Config: cfg,
			Check: func(*terraform.State) error {
				mu.Lock()
				defer mu.Unlock()
				if posts < 2 {
					return fmt.Errorf("%d POSTs: the create was not sent again, and the test proves nothing", posts)
				}
				_, err := env.onlyFunction()
				return err
			},
		},
		resource.TestStep{Config: cfg, PlanOnly: true},
	)
}

// With the runtime catalogue unreadable, a code_path of a handler and the
// runtime's requirements file fails saying so, not that the directory
// holds two files.
func TestAccMyAccount_catalogueUnreadableIsNotACodeError(t *testing.T) {
	env := newDialectTestEnv(t, myAccount, func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/faas/runtimes/") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"code":500,"data":null,"errors":{},"message":"catalogue down"}`))
		return true
	})
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "handler.py"), []byte("def handle(event, context):\n    return 'hi'\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("requests\n"), 0o600))
	cfg := env.config(`
resource "e2e_faas_function" "test" {
  name      = "cat-down"
  runtime   = %q
  code_path = %q
}
`, myAccount.runtime, dir)
	accTest(t, env, resource.TestStep{
		Config: cfg, PlanOnly: true,
		ExpectError: regexp.MustCompile(`(?s)Runtime catalogue could not be read.*catalogue down`),
	})
}

// A DELETE answered by a not-found in the API's own format, at an endpoint
// whose runtime catalogue is not found either, is not taken as "already
// gone": the destroy fails naming api_endpoint, and the function stays in
// state and on the server.
func TestAccDialects_deleteNotFoundIsConfirmed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		// Armed, the front answers the DELETE and, after it, the catalogue
		// (the plan before the destroy reads it too) with a not-found.
		var armed, deleting atomic.Bool
		front := uncheckedFront(t, env, func(w http.ResponseWriter, r *http.Request) bool {
			switch {
			case !armed.Load():
				return false
			case r.Method == http.MethodDelete:
				deleting.Store(true)
			case !deleting.Load() || !strings.Contains(r.URL.Path, "runtimes"):
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			if strings.Contains(r.URL.Path, "/myaccount/") {
				_, _ = w.Write([]byte(`{"code":404,"data":null,"errors":{},"message":"not found"}`))
				return true
			}
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":404,"message":"not found","errors":{}}`))
			return true
		})
		cfg := dialectConfig(env, "deleted-fn", "one", "")
		behind := withProvider(env, cfg, providerAt(env, front, d))
		accTest(t, env,
			resource.TestStep{Config: cfg},
			resource.TestStep{
				PreConfig: func() { armed.Store(true) },
				Config:    behind, Destroy: true,
				ExpectError: regexp.MustCompile(`(?s)Could not delete the function.*api_endpoint`),
			},
			resource.TestStep{PreConfig: func() { armed.Store(false) }, Config: cfg, PlanOnly: true, Check: onServer(env)},
		)
	})
}

// A state read in another project (same API, same credentials) is refused
// naming project_id: that project answers "not found" in the API's own
// format, which must not drop the function. The state stays, and the
// original project plans nothing.
func TestAccDialects_projectSwitchKeepsState(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		env := newDialectTestEnv(t, d, nil)
		cfg := dialectConfig(env, "project-fn", "one", "")
		elsewhere := d
		elsewhere.providerSettings = "  project_id   = \"67890\"\n  location     = \"Delhi\"\n"
		switched := withProvider(env, cfg, providerAt(env, env.url, elsewhere))
		if d.name == faasV1.name {
			// faas-v1 takes project_id as an option: the first configuration
			// names one, so that the state records it.
			cfg = withProvider(env, cfg, providerAt(env, env.url, dialectCase{name: d.name, providerSettings: "  project_id   = \"12345\"\n"}))
		}
		accTest(t, env,
			resource.TestStep{Config: cfg},
			resource.TestStep{Config: switched, ExpectError: regexp.MustCompile(`(?s)another project or location.*project_id`)},
			resource.TestStep{RefreshState: true, ExpectError: regexp.MustCompile(`(?s)another project or location.*project_id`)},
			resource.TestStep{Config: cfg, PlanOnly: true, Check: onServer(env)},
		)
	})
}
