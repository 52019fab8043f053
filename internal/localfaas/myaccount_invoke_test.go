// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
)

// aliasRunner runs a MyAccount runtime that the runner does not know as the
// runner's runtime of the same language, so that these tests need not wait
// for the runner to learn the MyAccount slugs; once it knows them, it runs
// them itself.
type aliasRunner struct {
	*runner.Runner
	alias map[string]string
}

func (a aliasRunner) runtime(name, template string) string {
	if to, ok := a.alias[name]; ok && a.Runner.Runs(name, template) != nil {
		return to
	}
	return name
}

func (a aliasRunner) Runs(name, template string) error {
	return a.Runner.Runs(a.runtime(name, template), template)
}

func (a aliasRunner) Start(ctx context.Context, spec runner.Spec) (runner.Deployment, error) {
	spec.Runtime = a.runtime(spec.Runtime, spec.Template)
	return a.Runner.Start(ctx, spec)
}

// newMyAccountRunningHarness is a harness whose server runs MyAccount
// functions, or a skip when python3 is missing.
func newMyAccountRunningHarness(t *testing.T) (*harness, aliasRunner) {
	t.Helper()
	dir := t.TempDir()
	r, err := runner.New(runner.Options{WorkDir: dir, PipFlags: []string{"--no-index"}})
	if err != nil {
		t.Fatal(err)
	}
	ar := aliasRunner{Runner: r, alias: map[string]string{"python3-http-debian": "python3.11", "node18": "node18"}}
	if err := ar.Runs("python3-http-debian", "http"); err != nil {
		_ = r.Close()
		t.Skipf("skipped: %v", err)
	}
	if r.Runs("python3-http-debian", "http") != nil {
		t.Log("the runner does not know python3-http-debian yet: running it as python3.11")
	}
	h := newHarness(t, func(o *localfaas.Options) {
		o.Runner = ar
		t.Cleanup(func() {
			_ = r.Close()
			runnertest.NoneLeft(t, dir)
		})
	})
	t.Cleanup(h.srv.Close) // runs before the runner's checks
	return h, ar
}

// myAccountSettled waits until the function has left deploying.
func (h *harness) myAccountSettled(name string) myAccountFn {
	h.t.Helper()
	var f myAccountFn
	if !runnertest.Eventually(60*time.Second, func() bool { f = h.myAccountGet(name); return f.Status != "deploying" }) {
		h.t.Fatalf("function %s still deploying", name)
	}
	return f
}

// greeting calls a starter handler, which answers {"message": ...}.
func (h *harness) greeting(method, url string) string {
	h.t.Helper()
	status, body := h.invoke(method, url, "")
	var out struct{ Message string }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
		h.t.Fatalf("%s %s: %d %q", method, url, status, body)
	}
	return out.Message
}

// The catalogue's python starter runs as it is, at the function's url; an
// update changes what answers, and a delete ends it.
func TestMyAccountRunsPython(t *testing.T) {
	h, _ := newMyAccountRunningHarness(t)
	starter := catalogueEntry(t, h, "python3-http-debian")
	h.myAccountCreate(with(myAccountBody("py-hello"), "code", starter.BoilerCode, "requirements", starter.RequirementsCode,
		"environment_variables", map[string]string{"GREETING": "hi"}))
	f := h.myAccountSettled("py-hello")
	if f.Status != "running" {
		t.Fatalf("status %s: %s", f.Status, f.ErrorMessage)
	}
	if got := h.greeting("GET", f.URL); got != "Hello, world!" {
		t.Errorf("GET: %q", got)
	}
	if got := h.greeting("POST", f.URL+"?name=e2e"); got != "Hello, e2e!" {
		t.Errorf("POST: %q", got)
	}

	h.myAccount("PUT", "faas/handler_file/py-hello/", with(myAccountUpdateBody(`import os

def handle(event, context):
    return {"statusCode": 200, "body": {"message": "v2 " + os.environ.get("GREETING", "none")}}
`), "environment_variables", map[string]string{"GREETING": "hello"})).want(t, http.StatusOK)
	if f = h.myAccountSettled("py-hello"); f.Status != "running" {
		t.Fatalf("after the update: %s: %s", f.Status, f.ErrorMessage)
	}
	if got := h.greeting("GET", f.URL); got != "v2 hello" {
		t.Errorf("after the update: %q", got)
	}

	// Code that cannot load fails the deploy, with why.
	h.myAccount("PUT", "faas/handler_file/py-hello/", myAccountUpdateBody("def handle(:\n")).want(t, http.StatusOK)
	if f = h.myAccountSettled("py-hello"); f.Status != "failed" || f.ErrorMessage == "" {
		t.Errorf("broken code: %+v", f)
	}

	h.myAccountFunction(h.myAccount("DELETE", "faas/function/py-hello/", map[string]any{"function": "py-hello"}))
	if status, _ := h.invoke("GET", f.URL, ""); status != http.StatusNotFound {
		t.Errorf("deleted: %d", status)
	}
}

// The catalogue's node starter, with its package.json, runs as it is.
func TestMyAccountRunsNode(t *testing.T) {
	h, ar := newMyAccountRunningHarness(t)
	if err := ar.Runs("node18", "http"); err != nil {
		t.Skipf("skipped: %v", err)
	}
	starter := catalogueEntry(t, h, "node18")
	h.myAccountCreate(with(myAccountBody("node-hello"), "runtime", "node18", "code", starter.BoilerCode, "requirements", starter.RequirementsCode))
	f := h.myAccountSettled("node-hello")
	if f.Status != "running" {
		t.Fatalf("status %s: %s", f.Status, f.ErrorMessage)
	}
	if got := h.greeting("GET", f.URL+"?name=node"); got != "Hello, node!" {
		t.Errorf("GET: %q", got)
	}
}
