package provider

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
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
)

// The tests of this file run the deployed functions: the local server gets
// a runner, over a directory of the test's own, so that every process it
// starts names that directory and can be counted.

// runningEnv is a test server that runs functions. The test is skipped when
// the runtime's toolchain is missing. Requirements are installed with
// pip --no-index, so that a package that is not there fails at once rather
// than after pip's retries against an unreachable index.
func runningEnv(t *testing.T, runtime string) (*testEnv, string) {
	t.Helper()
	workDir := t.TempDir()
	r, err := runner.New(runner.Options{WorkDir: workDir, PipFlags: []string{"--no-index"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Runs(runtime, "http"); err != nil {
		_ = r.Close()
		t.Skipf("skipped: %v", err)
	}
	env := newTestEnv(t, func(o *localfaas.Options) { o.Runner = r })
	t.Cleanup(func() {
		env.server.Close()
		_ = r.Close()
		runnertest.NoneLeft(t, workDir)
	})
	return env, workDir
}

// invokeTest runs the steps; after the destroy, no function and no process
// of the runner may be left.
func invokeTest(t *testing.T, env *testEnv, workDir string, steps ...resource.TestStep) {
	t.Helper()
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if fns := env.server.Functions(); len(fns) != 0 {
				return fmt.Errorf("%d functions remain on the server after destroy", len(fns))
			}
			// A deleted function's processes end right after its delete.
			if !runnertest.Eventually(10*time.Second, func() bool { return len(runnertest.Processes(t, workDir)) == 0 }) {
				return fmt.Errorf("processes outlive their deleted functions:\n%s", strings.Join(runnertest.Processes(t, workDir), "\n"))
			}
			return nil
		},
		Steps: steps,
	})
}

// call sends a request to url and returns the status and body.
func call(method, url string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, "", err
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

// logged checks that a line of the function's log matches want.
func (e *testEnv) logged(want string) resource.TestCheckFunc {
	pattern := regexp.MustCompile(want)
	return func(s *terraform.State) error {
		id := s.RootModule().Resources[fn].Primary.ID
		// Workers' output and the runner's notes reach the log from their
		// own goroutines: look until the line is there, up to a deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		var all []string
		err := faas.Poll{Initial: 20 * time.Millisecond, Fast: 15 * time.Second, Max: 100 * time.Millisecond}.Until(ctx, func() (bool, error) {
			lines, err := e.client().GetFunctionLogs(ctx, id, faas.LogOptions{Limit: 1000})
			if err != nil {
				return false, err
			}
			all = all[:0]
			for _, l := range lines {
				if pattern.MatchString(l.Message) {
					return true, nil
				}
				all = append(all, l.Stream+" "+l.Message)
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("no log line matching %q (%v) in:\n%s", want, err, strings.Join(all, "\n"))
		}
		return nil
	}
}

// functionConfig is a function of the runtime with the code, its
// environment holding GREETING and a secret bound as "api-key".
func functionConfig(env *testEnv, name, runtime, code, extra string) string {
	return env.config(`
resource "e2e_faas_secret" "key" {
  name  = "api-key"
  value = "k-7f3a"
}

resource "e2e_faas_function" "test" {
  name        = %q
  runtime     = %q
  code_inline = %q
  environment = { GREETING = "hello" }
  secrets     = [e2e_faas_secret.key.name]
  %s
}
`, name, runtime, code, extra)
}

// codeChange is the step pair of each runtime: apply, call, change the
// code, see the new answer, with an in-place update.
func codeChange(env *testEnv, name, runtime string, code func(version string) string) []resource.TestStep {
	step := func(version string, action plancheck.ResourceActionType) resource.TestStep {
		return resource.TestStep{
			Config: functionConfig(env, name, runtime, code(version), ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fn, action)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				answers("greet?who=tf", http.StatusOK, "^"+version+" hello tf k-7f3a$"),
				env.logged("^handling /greet$"),
			),
		}
	}
	return []resource.TestStep{
		step("v1", plancheck.ResourceActionCreate),
		step("v2", plancheck.ResourceActionUpdate),
	}
}

func TestAccInvoke_python(t *testing.T) {
	env, workDir := runningEnv(t, "python3.11")
	invokeTest(t, env, workDir, codeChange(env, "py-invoke", "python3.11", func(v string) string {
		return `import os

def handle(event, context):
    print("handling", event.path, flush=True)
    return {"statusCode": 200, "body": "` + v + ` " + os.environ["GREETING"] + " " + event.query["who"] + " " + os.environ["api-key"]}
`
	})...)
}

func TestAccInvoke_node(t *testing.T) {
	env, workDir := runningEnv(t, "node20")
	invokeTest(t, env, workDir, codeChange(env, "node-invoke", "node20", func(v string) string {
		return `module.exports = async (event, context) => {
  console.log('handling ' + event.path);
  return { statusCode: 200, body: '` + v + ` ' + process.env.GREETING + ' ' + event.query.who + ' ' + process.env['api-key'] };
};
`
	})...)
}

func TestAccInvoke_go(t *testing.T) {
	env, workDir := runningEnv(t, "go1.21")
	invokeTest(t, env, workDir, codeChange(env, "go-invoke", "go1.21", func(v string) string {
		return `package function

import (
	"fmt"
	"net/http"
	"os"
)

func Handle(w http.ResponseWriter, r *http.Request) {
	fmt.Println("handling", r.URL.Path)
	fmt.Fprintf(w, "` + v + ` %s %s %s", os.Getenv("GREETING"), r.URL.Query().Get("who"), os.Getenv("api-key"))
}
`
	})...)
}

// timeout_seconds gives the caller 504 and says so in the log; a crashing
// handler answers 502 and its worker is restarted.
func TestAccInvoke_timeoutAndCrash(t *testing.T) {
	env, workDir := runningEnv(t, "python3.11")
	code := `import os, time

def handle(event, context):
    if event.path == "/sleep":
        time.sleep(30)
    if event.path == "/crash":
        os._exit(3)
    return "alive " + str(os.getpid())
`
	invokeTest(t, env, workDir, resource.TestStep{
		Config: functionConfig(env, "unreliable", "python3.11", code, "config {\n    timeout_seconds = 1\n  }"),
		Check: resource.ComposeAggregateTestCheckFunc(
			answers("sleep", http.StatusGatewayTimeout, "did not answer within 1s"),
			env.logged(`^GET /sleep: timed out after 1s \(timeout_seconds\); the caller got 504; its worker 1 \(pid [0-9]+\) is killed and replaced$`),
			answers("crash", http.StatusBadGateway, "did not answer"),
			env.logged(`exited \(exit status 3\); restarting it`),
			answers("", http.StatusOK, "^alive [0-9]+$"),
			func(s *terraform.State) error {
				m, err := env.client().GetFunctionMetrics(context.Background(), s.RootModule().Resources[fn].Primary.ID)
				if err != nil {
					return err
				}
				if m.InvocationCount != 3 || m.ErrorCount != 2 || m.LastInvokedAt == nil {
					return fmt.Errorf("metrics %+v, want 3 calls and 2 errors", m)
				}
				return nil
			},
		),
	})
}

// Requirements that cannot be installed fail the apply with pip's message.
func TestAccInvoke_failedRequirements(t *testing.T) {
	env, workDir := runningEnv(t, "python3.11")
	invokeTest(t, env, workDir, resource.TestStep{
		Config:      functionConfig(env, "needs-pkg", "python3.11", inlinePython, `requirements = "no-such-package-e2e-local==1.0"`),
		ExpectError: regexp.MustCompile(`(?s)did not deploy.*pip install failed.*No matching distribution found.*no-such-package-e2e-local`),
	})
}
