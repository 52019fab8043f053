// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
)

// consoleBuffer is a server's console in a test; the server writes to it
// from several goroutines.
type consoleBuffer struct{ runnertest.Output }

// lines are the console's lines, each without its time stamp, which must
// be there.
func (c *consoleBuffer) lines(t *testing.T) []string {
	t.Helper()
	text := c.String()
	var out []string
	stamp := regexp.MustCompile(`^[0-9]{2}:[0-9]{2}:[0-9]{2} `)
	for line := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		if !stamp.MatchString(line) {
			t.Errorf("console line without a time stamp: %q", line)
		}
		out = append(out, stamp.ReplaceAllString(line, ""))
	}
	return out
}

// has reports whether a line matches the pattern.
func (c *consoleBuffer) has(t *testing.T, pattern string) bool {
	t.Helper()
	re := regexp.MustCompile(pattern)
	for _, line := range c.lines(t) {
		if re.MatchString(line) {
			return true
		}
	}
	return false
}

func withConsole(c *consoleBuffer) func(*localfaas.Options) {
	return func(o *localfaas.Options) { o.Console = c }
}

// The console shows one line per API request: method, route name (the
// request log's, which -fault-routes takes), status and duration; a
// request no route served shows its path, never its query. Admin routes are
// not shown, as they are not logged.
func TestConsoleShowsRequests(t *testing.T) {
	var out consoleBuffer
	h := newHarness(t, withConsole(&out))
	h.myAccount("GET", "faas/functions/", nil).want(t, http.StatusOK)
	h.do("GET", "runtimes", nil).want(t, http.StatusOK)
	h.send(call{Method: "GET", Path: "/elsewhere"}).want(t, http.StatusNotFound)
	h.send(call{Method: "GET", Path: "runtimes", Token: ptr("wrong"), Invalid: true}).want(t, http.StatusUnauthorized)
	h.do("GET", "/_local/requests", nil).want(t, http.StatusOK)

	want := []string{
		`^GET faas/functions/ 200 [0-9.]+(µs|ms|s)$`,
		`^GET runtimes 200 [0-9.]+(µs|ms|s)$`,
		`^GET /elsewhere 404 [0-9.]+(µs|ms|s)$`,
		`^GET /faas/api/v1/runtimes 401 [0-9.]+(µs|ms|s)$`,
	}
	got := out.lines(t)
	if len(got) != len(want) {
		t.Fatalf("console:\n%s\nwant %d lines", strings.Join(got, "\n"), len(want))
	}
	for i, pattern := range want {
		if !regexp.MustCompile(pattern).MatchString(got[i]) {
			t.Errorf("line %d %q, want %s", i+1, got[i], pattern)
		}
	}
	h.assertNoLeak(strings.Join(got, "\n"))
}

// The console shows each deploy's start, end and failure with its reason,
// under the function's name, in both dialects; never an environment value,
// a secret's value or a credential.
func TestConsoleShowsDeploys(t *testing.T) {
	var out consoleBuffer
	h := newHarness(t, withConsole(&out))
	const envValue = "env-value-0c41e7"
	h.createSecret("db-password", "secret-value-93be2d")
	f := h.create(with(minimal("alpha"), "environment", map[string]string{"LEVEL": envValue}, "secrets", []string{"db-password"}))
	if f = h.get(f.ID); f.Status != "Running" {
		t.Fatalf("alpha %s", f.Status)
	}
	h.srv.FailNextDeploy("the image did not build")
	h.do("POST", "functions/"+f.ID+"/deploy", nil).want(t, http.StatusOK)
	if f = h.get(f.ID); f.Status != "Failed" {
		t.Fatalf("alpha %s", f.Status)
	}
	h.myAccountCreate(with(myAccountBody("beta"), "environment_variables", map[string]string{"LEVEL": envValue}))
	if got := h.myAccountGet("beta"); got.Status != "running" {
		t.Fatalf("beta %s", got.Status)
	}

	for _, pattern := range []string{
		`^\[alpha\] deploy v1 started: runtime python3\.11`,
		`^\[alpha\] deploy v1 finished: function is Running$`,
		`^\[alpha\] deploy v2 started`,
		`^\[alpha stderr\] deploy v2 failed: the image did not build$`,
		`^\[beta\] deploy v1 started: runtime python3-http-debian`,
		`^\[beta\] deploy v1 finished: function is Running$`,
	} {
		if !out.has(t, pattern) {
			t.Errorf("no console line matches %s:\n%s", pattern, strings.Join(out.lines(t), "\n"))
		}
	}
	text := strings.Join(out.lines(t), "\n")
	h.assertNoLeak(text)
	if strings.Contains(text, envValue) {
		t.Errorf("an environment value is on the console:\n%s", text)
	}
}

// Each line a function's handler prints, on stdout or stderr, is on the
// console under the function's name.
func TestConsoleShowsHandlerOutput(t *testing.T) {
	var out consoleBuffer
	h := newHarness(t, withRunner(t), withConsole(&out))
	t.Cleanup(h.srv.Close)
	f := h.create(with(minimal("printer"), "code_archive", zipB64(map[string]string{"handler.py": `import sys
def handle(event, context):
    print("to stdout", event.path, flush=True)
    print("to stderr", event.path, file=sys.stderr, flush=True)
    return "ok"
`})))
	if f = h.settled(f.ID); f.Status != "Running" {
		t.Fatalf("status %s: %s", f.Status, f.ErrorMessage)
	}
	if status, body := h.invoke("GET", f.InvokeURL+"hello", ""); status != http.StatusOK || body != "ok" {
		t.Fatalf("invoke: %d %q", status, body)
	}
	if !runnertest.Eventually(30*time.Second, func() bool {
		return out.has(t, `^\[printer\] to stdout /hello$`) && out.has(t, `^\[printer stderr\] to stderr /hello$`)
	}) {
		t.Errorf("the handler's output is not on the console:\n%s", strings.Join(out.lines(t), "\n"))
	}
	if !out.has(t, `^GET /faas/function/v1/printer\.[a-z0-9-]+/hello 200 `) {
		t.Errorf("the call is not on the console:\n%s", strings.Join(out.lines(t), "\n"))
	}
}
