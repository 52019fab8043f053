package provider

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// TestMain pins the terraform binary on PATH (terraform-plugin-testing would
// otherwise try to download one) and isolates the CLI configuration from the
// user's own.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		bin, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "the provider tests drive the real terraform binary: put terraform (1.11 or newer) on PATH or set TF_ACC_TERRAFORM_PATH")
			os.Exit(1)
		}
		os.Setenv("TF_ACC_TERRAFORM_PATH", bin)
	}
	dir, err := os.MkdirTemp("", "tf-cli-config")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cfg, []byte("# isolated from the user's CLI configuration\n"), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TF_CLI_CONFIG_FILE", cfg)
	os.Setenv("CHECKPOINT_DISABLE", "1")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"e2e": providerserver.NewProtocol6WithError(New("test")()),
}

// testEnv is one in-process local server for one test, wrapped so that every
// exchange is checked against api/openapi.yaml.
type testEnv struct {
	t      *testing.T
	server *localfaas.Server
	url    string
	key    string
	token  string
	// dialect is the API the provider is pointed at; url is its base.
	dialect dialectCase

	mu         sync.Mutex
	violations []string
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
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
// given dialect.
func newDialectTestEnv(t *testing.T, d dialectCase, intercept interceptor, opts ...func(*localfaas.Options)) *testEnv {
	t.Helper()
	env := &testEnv{t: t, key: "key-" + randomHex(t, 12), token: "token-" + randomHex(t, 12), dialect: d}
	o := localfaas.Options{APIKey: env.key, AuthToken: env.token}
	for _, f := range opts {
		f(&o)
	}
	env.server = localfaas.New(o)
	checker, err := api.NewChecker()
	if err != nil {
		t.Fatal(err)
	}
	myAccountChecker, err := api.NewMyAccountChecker()
	if err != nil {
		t.Fatal(err)
	}
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
	ts := httptest.NewServer(checker.CheckingHandler(myAccountChecker.CheckingHandler(handler, report), report))
	env.url = ts.URL + d.base
	t.Cleanup(func() {
		ts.Close()
		env.mu.Lock()
		defer env.mu.Unlock()
		for _, v := range env.violations {
			t.Errorf("exchange not valid against its OpenAPI document (api/openapi.yaml or api/myaccount.yaml): %s", v)
		}
	})
	return env
}

// providerBlock configures the provider for this server.
func (e *testEnv) providerBlock() string {
	return fmt.Sprintf(`
provider "e2e" {
  api_endpoint = %q
  api_key      = %q
  auth_token   = %q
%s}
`, e.url, e.key, e.token, e.dialect.providerSettings)
}

// config is the provider block followed by the given HCL.
func (e *testEnv) config(hcl string, args ...any) string {
	return e.providerBlock() + fmt.Sprintf(hcl, args...)
}

// client talks to the test server's faas-v1 API directly, for set-up that
// the provider under test must not do (in the namespace of the dialect's
// project).
func (e *testEnv) client() *faas.Client {
	e.t.Helper()
	base := strings.TrimSuffix(e.url, e.dialect.base) + api.BasePath
	c, err := faas.New(faas.Config{Endpoint: base, APIKey: e.key, AuthToken: e.token, ProjectID: e.dialect.projectID})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
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

func (e *testEnv) onlyFunction() (localfaas.Function, error) {
	fns := e.server.Functions()
	if len(fns) != 1 {
		return localfaas.Function{}, fmt.Errorf("the server holds %d functions, want 1", len(fns))
	}
	return fns[0], nil
}
