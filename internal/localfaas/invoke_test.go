// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
)

// withRunner gives the server a runner over a test directory; at the end of
// the test the server is closed and no process may be left.
func withRunner(t *testing.T, configure ...func(*runner.Options)) func(*localfaas.Options) {
	t.Helper()
	opts := runner.Options{WorkDir: t.TempDir()}
	for _, f := range configure {
		f(&opts)
	}
	r, err := runner.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Runs("python3.11", "http"); err != nil {
		t.Skipf("skipped: %v", err)
	}
	return func(o *localfaas.Options) {
		o.Runner = r
		t.Cleanup(func() {
			_ = r.Close()
			runnertest.NoneLeft(t, opts.WorkDir)
		})
	}
}

// newRunningHarness is a harness whose server runs functions; its Close is
// registered after the runner's checks, so it runs first.
func newRunningHarness(t *testing.T, configure ...func(*runner.Options)) *harness {
	h := newHarness(t, withRunner(t, configure...))
	t.Cleanup(h.srv.Close)
	return h
}

// settled waits until the function has left Deploying.
func (h *harness) settled(id string) function {
	h.t.Helper()
	var f function
	if !runnertest.Eventually(30*time.Second, func() bool { f = h.get(id); return f.Status != "Deploying" }) {
		h.t.Fatalf("function %s still Deploying", id)
	}
	return f
}

// invoke calls a function's invoke_url.
func (h *harness) invoke(method, url, body string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func pythonCode(body string) string {
	return zipB64(map[string]string{"handler.py": `import os
def handle(event, context):
    print("handling", event.method, event.path, event.query, flush=True)
    return {"statusCode": 200, "body": "` + body + ` " + os.environ.get("GREETING", "") + " " + os.environ.get("api-key", "")}
`})
}

func TestInvokeLifecycle(t *testing.T) {
	h := newRunningHarness(t)
	h.createSecret("api-key", "k-123")
	f := h.create(with(minimal("hello"), "code_archive", pythonCode("v1"),
		"environment", map[string]string{"GREETING": "hi"}, "secrets", []string{"api-key"}))
	if f = h.settled(f.ID); f.Status != "Running" {
		t.Fatalf("status %s: %s", f.Status, f.ErrorMessage)
	}
	status, body := h.invoke("POST", f.InvokeURL+"orders?x=1", "{}")
	if status != 200 || body != "v1 hi k-123" {
		t.Fatalf("invoke: %d %q", status, body)
	}

	// Calls during a redeploy are answered, by the old version then the new.
	var calls, failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	url := f.InvokeURL // f changes below, while the calls go on
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			calls.Add(1)
			if status, body := h.invoke("GET", url, ""); status != 200 || !strings.HasPrefix(body, "v") {
				failures.Add(1)
				t.Errorf("during the update: %d %q", status, body)
			}
		}
	}()
	h.do("PUT", "functions/"+f.ID+"/code", map[string]any{"code_archive": pythonCode("v2")}).want(t, http.StatusOK)
	if f = h.settled(f.ID); f.Status != "Running" || f.Version != "v2" {
		t.Fatalf("after the update: %s %s %s", f.Status, f.Version, f.ErrorMessage)
	}
	if status, body := h.invoke("GET", f.InvokeURL, ""); status != 200 || body != "v2 hi k-123" {
		t.Errorf("after the update: %d %q", status, body)
	}
	close(stop)
	wg.Wait()

	// The handler's output is in the function's log; metrics count calls.
	var logs struct {
		Logs []struct{ Timestamp, Stream, Message string }
	}
	h.decode(h.do("GET", "functions/"+f.ID+"/logs?limit=1000", nil).want(t, http.StatusOK), &logs)
	var found bool
	for _, l := range logs.Logs {
		found = found || l.Stream == "stdout" && strings.Contains(l.Message, "handling POST /orders {'x': '1'}") && l.Timestamp != ""
	}
	if !found {
		t.Errorf("no handler output in the logs: %+v", logs.Logs)
	}
	var m struct {
		InvocationCount int64   `json:"invocation_count"`
		ErrorCount      int64   `json:"error_count"`
		LastInvokedAt   *string `json:"last_invoked_at"`
	}
	h.decode(h.do("GET", "functions/"+f.ID+"/metrics", nil).want(t, http.StatusOK), &m)
	if want := calls.Load() + 2; m.InvocationCount != want || m.ErrorCount != failures.Load() || m.LastInvokedAt == nil {
		t.Errorf("metrics %+v, want %d invocations", m, want)
	}
	if got := h.get(f.ID).InvocationCount; got != m.InvocationCount {
		t.Errorf("invocation_count %d, metrics %d", got, m.InvocationCount)
	}

	// A deleted function answers 404, and its processes are gone.
	h.do("DELETE", "functions/"+f.ID, nil).want(t, http.StatusAccepted)
	if status, _ := h.invoke("GET", f.InvokeURL, ""); status != http.StatusNotFound {
		t.Errorf("deleted: %d", status)
	}
	h.srv.Close() // waits for the processes to end
	runnertest.NoneLeft(t, h.opts.Runner.(*runner.Runner).WorkDir())
}

func TestInvokeFailures(t *testing.T) {
	h := newRunningHarness(t, func(o *runner.Options) { o.PipFlags = []string{"--no-index"} })

	// Requirements that cannot be installed fail the deploy with pip's words.
	f := h.create(with(minimal("needs-pkg"), "requirements", "no-such-package-e2e-local==1.0\n"))
	f = h.settled(f.ID)
	if f.Status != "Failed" || !strings.Contains(f.ErrorMessage, "pip install failed") ||
		!strings.Contains(f.ErrorMessage, "No matching distribution found for no-such-package-e2e-local") {
		t.Errorf("failed requirements: %s %q", f.Status, f.ErrorMessage)
	}
	if status, body := h.invoke("GET", f.InvokeURL, ""); status != http.StatusServiceUnavailable || !strings.Contains(body, "is Failed") {
		t.Errorf("invoking a Failed function: %d %s", status, body)
	}

	// A runtime that cannot run here deploys, and answers 501.
	f = h.create(with(minimal("php-fn"), "runtime", "php8.2", "code_archive", zipB64(map[string]string{"handler.php": "<?php"})))
	if f = h.settled(f.ID); f.Status != "Running" {
		t.Fatalf("php: %s %s", f.Status, f.ErrorMessage)
	}
	if status, body := h.invoke("GET", f.InvokeURL, ""); status != http.StatusNotImplemented || !strings.Contains(body, "not executable locally") {
		t.Errorf("php: %d %s", status, body)
	}

	// The catalogue says which runtimes run here.
	var out struct {
		Runtimes []struct {
			Name        string
			RunsLocally *bool `json:"runs_locally"`
		}
	}
	h.decode(h.do("GET", "runtimes", nil).want(t, http.StatusOK), &out)
	for _, rt := range out.Runtimes {
		want := rt.Name == "python3.11" || h.opts.Runner.Runs(rt.Name, "http") == nil
		if rt.RunsLocally == nil || *rt.RunsLocally != want {
			t.Errorf("%s runs_locally %v, want %v", rt.Name, rt.RunsLocally, want)
		}
	}
	if status, _ := h.invoke("GET", h.ts.URL+"/faas/function/v1/nothing.e2e-faas-local-dl/", ""); status != http.StatusNotFound {
		t.Errorf("unknown function: %d", status)
	}
}

func TestInvokeWithoutRunner(t *testing.T) {
	h := newHarness(t)
	f := h.create(minimal("idle"))
	f = h.get(f.ID)
	if status, body := h.invoke("GET", f.InvokeURL, ""); status != http.StatusNotImplemented || !strings.Contains(body, "does not run functions") {
		t.Errorf("without a runner: %d %s", status, body)
	}
	var out struct{ Runtimes []map[string]any }
	h.decode(h.do("GET", "runtimes", nil).want(t, http.StatusOK), &out)
	for _, rt := range out.Runtimes {
		if rt["runs_locally"] != false {
			t.Errorf("without a runner, runs_locally must be false: %v", rt)
		}
	}
}

// TestInvokeAfterSecretRotation: a running function answers with the old
// value until the rotation's redeploy settles, then with the new one.
func TestInvokeAfterSecretRotation(t *testing.T) {
	h := newRunningHarness(t)
	h.createSecret("api-key", "k-old-4471")
	f := h.create(with(minimal("rotating"), "code_archive", pythonCode("v1"),
		"environment", map[string]string{"GREETING": "hi"}, "secrets", []string{"api-key"}))
	if f = h.settled(f.ID); f.Status != "Running" {
		t.Fatalf("status %s: %s", f.Status, f.ErrorMessage)
	}
	if status, body := h.invoke("GET", f.InvokeURL, ""); status != 200 || body != "v1 hi k-old-4471" {
		t.Fatalf("before the rotation: %d %q", status, body)
	}

	rot := h.rotate("api-key", "k-new-9032")
	if len(rot.Functions) != 1 || rot.Functions[0] != f.ID {
		t.Fatalf("rotation lists %q, want %q", rot.Functions, f.ID)
	}
	// The old version answers until the new one is ready.
	if status, body := h.invoke("GET", f.InvokeURL, ""); status != 200 || body != "v1 hi k-old-4471" && body != "v1 hi k-new-9032" {
		t.Errorf("during the redeploy: %d %q", status, body)
	}
	if f = h.settled(f.ID); f.Status != "Running" || f.Version != "v2" {
		t.Fatalf("after the rotation: %s %s %s", f.Status, f.Version, f.ErrorMessage)
	}
	if status, body := h.invoke("GET", f.InvokeURL, ""); status != 200 || body != "v1 hi k-new-9032" {
		t.Errorf("after the rotation: %d %q", status, body)
	}
}
