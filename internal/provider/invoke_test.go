// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// The tests of this file run the deployed functions: the local server gets
// a runner, over a directory of the test's own, so that every process it
// starts names that directory and can be counted.

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
			lines, err := e.functionLogs(ctx, id)
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
	env := runningEnv(t, "python3.11")
	accTest(t, env, codeChange(env, "py-invoke", "python3.11", func(v string) string {
		return `import os

def handle(event, context):
    print("handling", event.path, flush=True)
    return {"statusCode": 200, "body": "` + v + ` " + os.environ["GREETING"] + " " + event.query["who"] + " " + os.environ["api-key"]}
`
	})...)
}

func TestAccInvoke_node(t *testing.T) {
	env := runningEnv(t, "node20")
	accTest(t, env, codeChange(env, "node-invoke", "node20", func(v string) string {
		return `module.exports = async (event, context) => {
  console.log('handling ' + event.path);
  return { statusCode: 200, body: '` + v + ` ' + process.env.GREETING + ' ' + event.query.who + ' ' + process.env['api-key'] };
};
`
	})...)
}

func TestAccInvoke_go(t *testing.T) {
	env := runningEnv(t, "go1.21")
	accTest(t, env, codeChange(env, "go-invoke", "go1.21", func(v string) string {
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
// handler answers 502 and its worker is restarted. The timeout bounds every
// call, the healthy ones too (each may wait for a restarted worker), so it
// is generous for them on a busy machine and still well under /sleep's 30 s.
func TestAccInvoke_timeoutAndCrash(t *testing.T) {
	env := runningEnv(t, "python3.11")
	code := `import os, time

def handle(event, context):
    if event.path == "/sleep":
        time.sleep(600)
    if event.path == "/crash":
        os._exit(3)
    return "alive " + str(os.getpid())
`
	accTest(t, env, resource.TestStep{
		Config: functionConfig(env, "unreliable", "python3.11", code, "config {\n    timeout_seconds = 15\n  }"),
		Check: resource.ComposeAggregateTestCheckFunc(
			answers("sleep", http.StatusGatewayTimeout, "did not answer within 15s"),
			env.logged(`^GET /sleep: timed out after 15s \(timeout_seconds\); the caller got 504; its worker 1 \(pid [0-9]+\) is killed and replaced$`),
			answers("crash", http.StatusBadGateway, "did not answer"),
			env.logged(`exited \(exit status 3\); restarting it`),
			answers("", http.StatusOK, "^alive [0-9]+$"),
			func(s *terraform.State) error {
				m, err := env.functionMetrics(context.Background(), s.RootModule().Resources[fn].Primary.ID)
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
	env := runningEnv(t, "python3.11")
	accTest(t, env, resource.TestStep{
		Config:      functionConfig(env, "needs-pkg", "python3.11", inlinePython, `requirements = "no-such-package-e2e-local==1.0"`),
		ExpectError: regexp.MustCompile(`(?s)did not deploy.*pip install failed.*No matching distribution found.*no-such-package-e2e-local`),
	})
}
