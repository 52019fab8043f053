// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// invokeExample is examples/actions/e2e_faas_invoke/action.tf, the
// function's runtime the dialect's and its answer the given one, with a
// "failing" action beside the example's: a POST whose 200 is not among its
// success_statuses.
func invokeExample(t *testing.T, env *testEnv, answer string) string {
	t.Helper()
	example := exampleFile(t, "actions/e2e_faas_invoke/action.tf")
	for old, repl := range map[string]string{`runtime = "python3-http-debian"`: fmt.Sprintf("runtime = %q", env.dialect.runtime), "Hello from E2E": answer} {
		if !strings.Contains(example, old) {
			t.Fatalf("the example no longer has %s", old)
		}
		example = strings.Replace(example, old, repl, 1)
	}
	return verbsProviderBlock + example + `
action "e2e_faas_invoke" "failing" {
  config {
    function         = e2e_faas_function.hello.id
    method           = "POST"
    body             = "payload-7"
    success_statuses = [201]
    timeout          = "2m"
  }
}
`
}

// invocations is how many times the server's one function was called.
func (e *testEnv) invocations(t *testing.T) int64 {
	t.Helper()
	f, err := e.onlyFunction()
	if err != nil {
		t.Fatal(err)
	}
	return f.InvocationCount
}

// The action as the example shows it, on both dialects: triggered after
// create and after update, on demand with -invoke, with the answer kept out
// of the output (show_body = false), and an answer that is not a success
// failing the apply with its status.
func TestAccInvokeAction(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialectCase) {
		verbsTerraform(t)
		env := runningDialectEnv(t, d)
		ws := verbsWorkspace(t, env)

		ws.writeConfig(invokeExample(t, env, "Hello from E2E"))
		out := ws.mustRun(0, "apply", "-auto-approve")
		for _, want := range []string{"function hello answered 200 OK in ", "answer: Hello from E2E"} {
			if !strings.Contains(out, want) {
				t.Fatalf("the apply that created the function does not report %q:\n%s", want, out)
			}
		}
		if n := env.invocations(t); n != 1 {
			t.Fatalf("after create: %d invocations, want 1 (after_create)", n)
		}

		ws.writeConfig(invokeExample(t, env, "Hello again"))
		out = ws.mustRun(0, "apply", "-auto-approve")
		if !strings.Contains(out, "answer: Hello again") || env.invocations(t) != 2 {
			t.Fatalf("the update did not invoke the function once more (%d invocations):\n%s", env.invocations(t), out)
		}

		out = ws.mustRun(0, "apply", "-auto-approve", "-invoke=action.e2e_faas_invoke.smoke")
		if !strings.Contains(out, "Hello again") || env.invocations(t) != 3 {
			t.Fatalf("-invoke did not call the function (%d invocations):\n%s", env.invocations(t), out)
		}

		out = ws.mustRun(0, "apply", "-auto-approve", "-invoke=action.e2e_faas_invoke.order")
		if !strings.Contains(out, "answered 200 OK") || strings.Contains(out, "Hello again") {
			t.Fatalf("show_body = false: want the status without the answer:\n%s", out)
		}

		out = ws.mustRun(1, "apply", "-auto-approve", "-invoke=action.e2e_faas_invoke.failing")
		for _, want := range []string{"Function hello answered 200", "POST", "200 OK, which is not a success (success_statuses is 201)", "Hello again"} {
			if !strings.Contains(out, want) {
				t.Fatalf("the failing invocation does not say %q:\n%s", want, out)
			}
		}
		if n := env.invocations(t); n != 5 {
			t.Fatalf("%d invocations, want 5", n)
		}

		ws.mustRun(0, "destroy", "-auto-approve")
		if err := env.nothingLeft(nil); err != nil {
			t.Fatal(err)
		}
	})
}

// fakeFunctionAPI answers GetFunction with one function and nothing else.
type fakeFunctionAPI struct {
	faas.API
	fn  *faas.Function
	err error
}

func (f fakeFunctionAPI) GetFunction(context.Context, string) (*faas.Function, error) {
	return f.fn, f.err
}

func runInvocation(t *testing.T, api faas.API, inv invocation) (string, []string) {
	t.Helper()
	if inv.method == "" {
		inv.method = http.MethodGet
	}
	if inv.timeout == 0 {
		inv.timeout = defaultInvokeTimeout
	}
	var progress []string
	diags := inv.run(context.Background(), api, func(m string) { progress = append(progress, m) })
	var errs []string
	for _, d := range diags.Errors() {
		errs = append(errs, d.Summary()+": "+d.Detail())
	}
	return strings.Join(errs, "\n"), progress
}

func TestInvocation_errorsNameTheFunction(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	deadURL := closed.URL + "/faas/function/v1/gone.ns/"
	closed.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	deadURL2 := "http://" + ln.Addr().String() + "/"
	must(t, ln.Close())

	for _, tc := range []struct {
		name string
		api  fakeFunctionAPI
		want []string
	}{
		{"deploying", fakeFunctionAPI{fn: &faas.Function{ID: "id-1", Name: "slow-fn", Status: faas.StatusDeploying, InvokeURL: deadURL}},
			[]string{"Function not Running", `"slow-fn" is Deploying, not Running`}},
		{"failed", fakeFunctionAPI{fn: &faas.Function{ID: "id-1", Name: "bad-fn", Status: faas.StatusFailed, ErrorMessage: "pip failed"}},
			[]string{`"bad-fn" is Failed (pip failed)`}},
		{"unreachable", fakeFunctionAPI{fn: &faas.Function{ID: "id-1", Name: "far-fn", Status: faas.StatusRunning, InvokeURL: deadURL}},
			[]string{"Function unreachable", `Could not reach function "far-fn" at ` + deadURL}},
		{"unreachable port", fakeFunctionAPI{fn: &faas.Function{ID: "id-1", Name: "far-fn", Status: faas.StatusRunning, InvokeURL: deadURL2}},
			[]string{`Could not reach function "far-fn"`}},
		{"no url", fakeFunctionAPI{fn: &faas.Function{ID: "id-1", Name: "nourl-fn", Status: faas.StatusRunning}},
			[]string{`no invoke_url for function "nourl-fn"`}},
		{"not found", fakeFunctionAPI{err: &faas.APIError{StatusCode: http.StatusNotFound, Method: "GET", Path: "functions/id-9", Message: "no such function"}},
			[]string{`Could not read function "id-9" to invoke it`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := runInvocation(t, tc.api, invocation{functionID: "id-9", showBody: true})
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("error %q does not contain %q", got, w)
				}
			}
		})
	}
}

func TestInvocation_statusesAndBody(t *testing.T) {
	var gotMethod, gotBody, gotHeader string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotMethod, gotHeader = r.Method, r.Header.Get("X-Probe")
		b := make([]byte, 100)
		n, _ := r.Body.Read(b)
		gotBody = string(b[:n])
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, strings.Repeat("x", invokeBodyShown)+"TAIL")
	}))
	defer ts.Close()
	api := fakeFunctionAPI{fn: &faas.Function{ID: "id-1", Name: "ok-fn", Status: faas.StatusRunning, InvokeURL: ts.URL + "/"}}

	errText, progress := runInvocation(t, api, invocation{functionID: "id-1", method: http.MethodPost, body: "ping",
		headers: map[string]string{"X-Probe": "yes"}, showBody: true})
	if errText != "" {
		t.Fatalf("202 is a 2xx, yet: %s", errText)
	}
	if gotMethod != http.MethodPost || gotBody != "ping" || gotHeader != "yes" {
		t.Errorf("request: %s %q X-Probe=%q", gotMethod, gotBody, gotHeader)
	}
	all := strings.Join(progress, "\n")
	if !strings.Contains(all, "answered 202 Accepted in ") || !strings.Contains(all, fmt.Sprintf("first %d of %d bytes", invokeBodyShown, invokeBodyShown+4)) ||
		strings.Contains(all, "TAIL") {
		t.Errorf("progress: %s", all)
	}

	errText, progress = runInvocation(t, api, invocation{functionID: "id-1", success: []int64{200}})
	if !strings.Contains(errText, "Function ok-fn answered 202") || !strings.Contains(errText, "success_statuses is 200") ||
		strings.Contains(errText, "xxx") || strings.Contains(strings.Join(progress, "\n"), "xxx") {
		t.Errorf("with success_statuses = [200] and show_body = false: error %q, progress %q", errText, progress)
	}
}

func TestInvocation_timeout(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer ts.Close()
	api := fakeFunctionAPI{fn: &faas.Function{ID: "id-1", Name: "slow-fn", Status: faas.StatusRunning, InvokeURL: ts.URL + "/"}}
	// Only this path, which must time out, has a short timeout.
	errText, _ := runInvocation(t, api, invocation{functionID: "id-1", timeout: 50 * time.Millisecond})
	if !strings.Contains(errText, `Function "slow-fn" did not answer GET `+ts.URL+"/ within 50ms") {
		t.Errorf("error: %s", errText)
	}
}
