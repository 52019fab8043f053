// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/acctest/tfsetup"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
)

// The helpers every test of the package shares: the process set-up, the
// acceptance tests' server and wrapper, and small builders and checks.

// terraformMissing says why the acceptance tests skip, when they do: they
// drive the real terraform binary, and there is none. The unit tests run
// regardless.
var terraformMissing string

// TestMain pins the terraform binary on PATH (terraform-plugin-testing would
// otherwise try to download one) and isolates the CLI configuration from the
// user's own. Without terraform it only records the absence, for
// acceptance to skip.
func TestMain(m *testing.M) {
	missing, cleanup, err := tfsetup.Setup("the acceptance tests")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if terraformMissing = missing; missing != "" {
		fmt.Fprintln(os.Stderr, "skipping the acceptance tests: "+missing)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// acceptance skips the test when there is no terraform to drive. Every
// acceptance test reaches it through the constructor of its server
// (newDialectTestEnv) or of its CLI workspace (newCLIWorkspace).
func acceptance(t *testing.T) {
	t.Helper()
	if terraformMissing != "" {
		t.Skip(terraformMissing)
	}
}

var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"e2e": func() (tfprotov6.ProviderServer, error) { return NewServer("test")(), nil },
}

// testEnv is one in-process local server for one test, wrapped so that every
// exchange is checked against internal/api/openapi.yaml.
type testEnv struct {
	t      *testing.T
	server *localfaas.Server
	url    string
	key    string
	token  string
	// dialect is the API the provider is pointed at; url is its base.
	dialect dialectCase
	// runnerDir, when the server runs functions, is its runner's directory,
	// where no process may be left after a destroy.
	runnerDir string

	mu         sync.Mutex
	violations []string
	// outsideSecrets are the secrets the test made without Terraform, which
	// a destroy leaves.
	outsideSecrets []string
}

// interceptor answers some requests in place of the local server, to play a
// platform that differs from it (a smaller runtime catalogue, say).
type interceptor func(w http.ResponseWriter, r *http.Request) bool

func newTestEnv(t *testing.T, opts ...func(*localfaas.Options)) *testEnv {
	return newInterceptedTestEnv(t, nil, opts...)
}

func newInterceptedTestEnv(t *testing.T, intercept interceptor, opts ...func(*localfaas.Options)) *testEnv {
	t.Helper()
	return newDialectTestEnv(t, faasV1, intercept, opts...)
}

// newDialectTestEnv is a test server whose exchanges of both dialects are
// checked against their OpenAPI documents, with the provider pointed at the
// given dialect. It skips the test when there is no terraform.
func newDialectTestEnv(t *testing.T, d dialectCase, intercept interceptor, opts ...func(*localfaas.Options)) *testEnv {
	t.Helper()
	acceptance(t)
	env := &testEnv{t: t, key: "key-" + randomHex(t, 12), token: "token-" + randomHex(t, 12), dialect: d}
	o := localfaas.Options{APIKey: env.key, AuthToken: env.token}
	for _, f := range opts {
		f(&o)
	}
	env.server = localfaas.New(o)
	var handler http.Handler = env.server
	if intercept != nil {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !intercept(w, r) {
				env.server.ServeHTTP(w, r)
			}
		})
	}
	report := func(err error) {
		env.mu.Lock()
		env.violations = append(env.violations, err.Error())
		env.mu.Unlock()
	}
	checked, err := api.CheckingBoth(handler, report)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(checked)
	env.url = ts.URL + d.base
	t.Cleanup(func() {
		ts.Close()
		env.mu.Lock()
		defer env.mu.Unlock()
		for _, v := range env.violations {
			t.Errorf("exchange not valid against its OpenAPI document (internal/api/openapi.yaml or internal/api/myaccount.yaml): %s", v)
		}
	})
	return env
}

// runningEnv is a test server that runs functions. The test is skipped when
// the runtime's toolchain is missing. Requirements are installed with
// pip --no-index, so that a package that is not there fails at once rather
// than after pip's retries against an unreachable index.
func runningEnv(t *testing.T, runtime string) *testEnv {
	t.Helper()
	d := faasV1
	d.runtime = runtime
	return runningDialectEnv(t, d)
}

// accTest runs the steps as one acceptance test, in parallel with the
// others, against env's server. After the destroy nothing Terraform made may
// be left there: no function, no secret but those the test made itself, and
// no process of the runner when env runs functions.
func accTest(t *testing.T, env *testEnv, steps ...resource.TestStep) {
	t.Helper()
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy:             env.nothingLeft,
		Steps:                    steps,
	})
}

func (e *testEnv) nothingLeft(*terraform.State) error {
	if fns := e.server.Functions(); len(fns) != 0 {
		return fmt.Errorf("%d functions remain on the server after destroy", len(fns))
	}
	left := 0
	for _, s := range e.server.Secrets() {
		if !slices.Contains(e.outsideSecrets, s.Name) {
			left++
		}
	}
	if left != 0 {
		return fmt.Errorf("%d secrets remain on the server after destroy", left)
	}
	if e.runnerDir != "" {
		// A deleted function's processes end right after its delete.
		if !runnertest.Eventually(10*time.Second, func() bool { return len(runnertest.Processes(e.t, e.runnerDir)) == 0 }) {
			return fmt.Errorf("processes outlive their deleted functions:\n%s", strings.Join(runnertest.Processes(e.t, e.runnerDir), "\n"))
		}
	}
	return nil
}

// providerBlock configures the provider for this server.
func (e *testEnv) providerBlock() string {
	return e.providerBlockWith(e.dialect.providerSettings)
}

// providerBlockWith is providerBlock with other settings than the
// dialect's (HCL lines, each ending in a newline).
func (e *testEnv) providerBlockWith(settings string) string {
	return fmt.Sprintf(`
provider "e2e" {
  api_endpoint = %q
  api_key      = %q
  auth_token   = %q
%s}
`, e.url, e.key, e.token, settings)
}

// planFails runs a plan of config that must fail with an error matching
// want, in which any space may be a line break (Terraform wraps messages).
func planFails(t *testing.T, config, want string) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: config, PlanOnly: true,
			ExpectError: regexp.MustCompile(strings.ReplaceAll(want, " ", `\s+`)),
		}},
	})
}

// failedPlansWriteNothing checks, once the test and its subtests are done,
// that nothing was written to the API: the plans they ran failed.
func (e *testEnv) failedPlansWriteNothing(t *testing.T) {
	t.Cleanup(func() {
		if w := e.writes(); len(w) != 0 {
			t.Errorf("failed plans wrote to the API: %v", w)
		}
	})
}

// config is the provider block followed by the given HCL.
func (e *testEnv) config(hcl string, args ...any) string {
	return e.providerBlock() + fmt.Sprintf(hcl, args...)
}

// faasV1Base is the server's faas-v1 API base, whatever the dialect.
func (e *testEnv) faasV1Base() string {
	return strings.TrimSuffix(e.url, e.dialect.base) + api.BasePath
}

// client talks to the test server's faas-v1 API directly, for set-up that
// the provider under test must not do (in the namespace of the dialect's
// project).
func (e *testEnv) client() *faas.Client {
	e.t.Helper()
	c, err := faas.New(faas.Config{Endpoint: e.faasV1Base(), APIKey: e.key, AuthToken: e.token, ProjectID: e.dialect.projectID})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// createSecret makes a secret without Terraform, which a destroy leaves.
func createSecret(t *testing.T, env *testEnv, name string) {
	t.Helper()
	if _, err := env.client().CreateSecret(context.Background(), &faas.CreateSecretRequest{Name: name, Value: "s3cr3t-" + randomHex(t, 4)}); err != nil {
		t.Fatal(err)
	}
	env.outsideSecrets = append(env.outsideSecrets, name)
}

// logLine and functionMetrics are internal/api/openapi.yaml's Logs items and Metrics:
// the provider never reads them, so the client has no call for them, and the
// tests read them over plain HTTP.
type logLine struct {
	Timestamp string `json:"timestamp"`
	Stream    string `json:"stream"`
	Message   string `json:"message"`
}

type functionMetrics struct {
	InvocationCount int64   `json:"invocation_count"`
	ErrorCount      int64   `json:"error_count"`
	AvgDurationMS   float64 `json:"avg_duration_ms"`
	LastInvokedAt   *string `json:"last_invoked_at"`
}

// functionLogs is GET functions/{id}/logs: the last 1000 lines, oldest first.
func (e *testEnv) functionLogs(ctx context.Context, id string) ([]logLine, error) {
	var body struct {
		Logs []logLine `json:"logs"`
	}
	err := e.getJSON(ctx, "functions/"+url.PathEscape(id)+"/logs", url.Values{"limit": {"1000"}}, &body)
	return body.Logs, err
}

// functionMetrics is GET functions/{id}/metrics.
func (e *testEnv) functionMetrics(ctx context.Context, id string) (*functionMetrics, error) {
	var m functionMetrics
	if err := e.getJSON(ctx, "functions/"+url.PathEscape(id)+"/metrics", nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// getJSON sends an authenticated GET to the faas-v1 API and decodes the
// answer, bare or in its envelope ({"code","data","errors","message"}).
func (e *testEnv) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	q := url.Values{"apikey": {e.key}}
	if e.dialect.projectID != "" {
		q.Set("project_id", e.dialect.projectID)
	}
	for k, v := range query {
		q[k] = v
	}
	status, text, err := send(ctx, http.MethodGet, e.faasV1Base()+path+"?"+q.Encode(), "Bearer "+e.token)
	if err != nil {
		return err
	}
	body := []byte(text)
	if status != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, status, body)
	}
	var envelope struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &envelope) == nil && len(envelope.Data) > 0 && string(envelope.Data) != "null" {
		body = envelope.Data
	}
	return json.Unmarshal(body, out)
}

// writes lists the routes of the requests that could change something.
func (e *testEnv) writes() []string {
	var out []string
	for _, r := range e.server.Requests() {
		if r.Method != "GET" {
			out = append(out, r.Route)
		}
	}
	return out
}

func (e *testEnv) expectWrites(want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := e.writes()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			return fmt.Errorf("API writes: got %q, want %q", got, want)
		}
		return nil
	}
}

// resetRequests is a PreConfig that starts a fresh request log.
func (e *testEnv) resetRequests() func() { return e.server.ResetRequests }

func (e *testEnv) onlyFunction() (localfaas.Function, error) {
	fns := e.server.Functions()
	if len(fns) != 1 {
		return localfaas.Function{}, fmt.Errorf("the server holds %d functions, want 1", len(fns))
	}
	return fns[0], nil
}

// fn is the function resource of most tests' configurations.
const fn = "e2e_faas_function.test"

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func at(name string) tfjsonpath.Path { return tfjsonpath.New(name) }

// expect checks an attribute of fn in the state.
func expect(name string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(fn, at(name), v)
}

// expectUpdate checks that the plan updates fn in place.
func expectUpdate() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate)},
	}
}

// call sends a request to url and returns the status and body.
func call(method, url string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return send(ctx, method, url, "")
}

// send is the tests' one request sender: a request without a body, with
// the Authorization header when given; it returns the status and body.
func send(ctx context.Context, method, url, authorization string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, "", err
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// answers checks that the function's invoke_url, followed by path, answers
// with status and a body matching want.
func answers(path string, status int, want string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(fn, "invoke_url", func(url string) error {
		got, body, err := call(http.MethodGet, url+path)
		if err != nil {
			return err
		}
		if got != status || !regexp.MustCompile(want).MatchString(body) {
			return fmt.Errorf("GET %s%s: %d %q, want %d matching %q", url, path, got, body, status, want)
		}
		return nil
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// writeZip writes a ZIP of the files (in map order, with the current time).
func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	writeRawZip(t, path, func(w *zip.Writer) {
		for name, body := range files {
			e, err := w.Create(name)
			must(t, err)
			_, err = e.Write([]byte(body))
			must(t, err)
		}
	})
}

// writeRawZip writes a ZIP whose entries fill makes.
func writeRawZip(t *testing.T, path string, fill func(*zip.Writer)) {
	t.Helper()
	f, err := os.Create(path)
	must(t, err)
	w := zip.NewWriter(f)
	fill(w)
	must(t, w.Close())
	must(t, f.Close())
}

// zipHas fails unless the archive holds every name.
func zipHas(data []byte, names ...string) error {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, f := range r.File {
		have[f.Name] = true
	}
	for _, n := range names {
		if !have[n] {
			return fmt.Errorf("archive lacks %s (has %v)", n, have)
		}
	}
	return nil
}

// zipFile is the content of one entry of the archive.
func zipFile(data []byte, name string) (string, error) {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	f, err := r.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	return string(b), err
}

// driftSteps builds the steps of a drift test on the one function of env
// with configuration cfg.
type driftSteps struct {
	t   *testing.T
	env *testEnv
	cfg string
}

// outside changes the function on the server, as someone outside Terraform
// would, and starts a fresh request log.
func (d driftSteps) outside(change func(*localfaas.Function)) func() {
	return func() {
		fns := d.env.server.Functions()
		if len(fns) != 1 {
			d.t.Fatalf("want one function, have %d", len(fns))
		}
		if err := d.env.server.UpdateFunction(fns[0].ID, change); err != nil {
			d.t.Fatal(err)
		}
		d.env.server.ResetRequests()
	}
}

// restored is the step after pre: the plan updates the function in place,
// with exactly the given writes.
func (d driftSteps) restored(pre func(), writes ...string) resource.TestStep {
	return resource.TestStep{
		PreConfig: pre, Config: d.cfg,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionUpdate)},
		},
		Check: d.env.expectWrites(writes...),
	}
}

// deletedOutside are the steps of a function deleted outside Terraform: the
// plan creates it again, and the plan after that is empty.
func (d driftSteps) deletedOutside() []resource.TestStep {
	return []resource.TestStep{
		{
			PreConfig: func() {
				for _, f := range d.env.server.Functions() {
					d.env.server.RemoveFunction(f.ID)
				}
			},
			Config: d.cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, plancheck.ResourceActionCreate)},
			},
		},
		{Config: d.cfg, PlanOnly: true},
	}
}
