// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/acctest/live"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/conformance"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
)

// The rehearsal: the live tests' scenarios, probes and report against an
// in-process e2e-faas-local (its MyAccount API, on loopback), in make test,
// so that the live path cannot rot unnoticed.

type localOptions struct {
	// alter wraps the server's handler, to answer otherwise than it does.
	alter func(http.Handler) http.Handler
	// run starts functions with the local runner (when the machine has
	// Python), so that invoke_url answers and bad requirements fail.
	run bool
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// localSession is a live session whose upstream is an in-process local
// server.
func localSession(t *testing.T, o localOptions) (*live.Session, *localfaas.Server) {
	t.Helper()
	key, token := "key-"+randomHex(t), "token-"+randomHex(t)
	opts := localfaas.Options{APIKey: key, AuthToken: token}
	cannotInvoke := "the local server runs no functions in this test"
	if o.run {
		dir := t.TempDir()
		r, err := runner.New(runner.Options{WorkDir: dir, PipFlags: []string{"--no-index"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Runs("python3-http-debian", "http"); err != nil {
			_ = r.Close()
			cannotInvoke = "the local runner cannot run python3-http-debian here: " + err.Error()
		} else {
			opts.Runner = r
			t.Cleanup(func() {
				_ = r.Close()
				runnertest.NoneLeft(t, dir)
			})
		}
	}
	server := localfaas.New(opts)
	t.Cleanup(server.Close)
	var h http.Handler = server
	if o.alter != nil {
		h = o.alter(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	s, err := live.Start(live.Settings{
		Endpoint: ts.URL + api.MyAccountBasePath, APIKey: key, AuthToken: token, ProjectID: "12345", Location: "Delhi",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// A local deploy ends at once; the probe of an update during a deploy
	// needs one that does not, until it has been sent.
	s.HoldDeploys = func() func(string) {
		if err := server.SetFaults(faults.Config{DeployStall: time.Hour}); err != nil {
			t.Fatal(err)
		}
		return func(name string) {
			server.ClearFaults()
			for _, f := range server.Functions() {
				if f.Name == name {
					if err := server.UpdateFunction(f.ID, func(f *localfaas.Function) { f.Status = localfaas.StatusRunning }); err != nil {
						t.Error(err)
					}
				}
			}
		}
	}
	if opts.Runner == nil {
		s.CannotInvoke = cannotInvoke
		s.ArmDeployFailure = func() { server.FailNextDeploy("pip: no matching distribution found for tf-acc-no-such-package") }
	}
	return s, server
}

// writeReport writes the session's report into the test's directory and
// returns it and its text, which holds neither credential.
func writeReport(t *testing.T, s *live.Session) (conformance.Report, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), live.DefaultReport)
	r, err := s.WriteReport(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, secret := range s.Settings.Secrets() {
		if strings.Contains(text, secret) {
			t.Errorf("the report holds a credential:\n%s", text)
		}
	}
	return r, text
}

// The live scenarios against the local server: every assumption holds and
// is observed, and nothing is left on the server.
func TestRehearsal(t *testing.T) {
	needTerraform(t, false)
	t.Parallel()
	s, server := localSession(t, localOptions{run: true})
	t.Run("probes", func(t *testing.T) { probes(t, s) })
	t.Run("terraform", func(t *testing.T) { terraformScenarios(t, s) })
	r, text := writeReport(t, s)
	for _, f := range r.Findings {
		if f.Verdict != conformance.Held {
			t.Errorf("%s %s: %s", f.ID, f.Verdict, f.Detail)
		}
		if !strings.Contains(text, "held `"+f.ID+"`") {
			t.Errorf("the report does not name %s", f.ID)
		}
	}
	if len(r.Catalogue) == 0 {
		t.Error("the report has no catalogue")
	}
	if n := len(server.Functions()); n != 0 {
		t.Errorf("%d functions are left on the server", n)
	}
	t.Log(text)
}

// answeringDifferently is a server that departs from the assumptions: a
// missing function is a plain HTTP 404 whose message repeats the API key,
// runtimes lack their label, and listed functions their url.
func answeringDifferently(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		status, body := rec.Code, rec.Body.Bytes()
		var env map[string]any
		if r.Method == http.MethodGet && json.Unmarshal(body, &env) == nil {
			drop := func(field string) {
				items, _ := env["data"].([]any)
				for _, it := range items {
					if m, ok := it.(map[string]any); ok {
						delete(m, field)
					}
				}
			}
			switch p := r.URL.Path; {
			case strings.Contains(p, "/faas/function/") && env["code"] == float64(404):
				status = http.StatusNotFound
				env["message"] = "no such function for the key " + r.URL.Query().Get("apikey")
			case strings.HasSuffix(p, "/faas/runtimes/"):
				drop("label")
			case strings.HasSuffix(p, "/faas/functions/"):
				drop("url")
			}
			body, _ = json.Marshal(env)
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// A server that answers otherwise than assumed makes "did not hold" lines
// naming each assumption it breaks, with the redacted exchange, and no
// crash.
func TestRehearsal_differentServer(t *testing.T) {
	t.Parallel()
	s, _ := localSession(t, localOptions{alter: answeringDifferently})
	probes(t, s)
	r, text := writeReport(t, s)
	broken := []string{"not-found-http-200-code-404", "runtime-fields", "list-fields", "catalogue", "document"}
	for _, f := range r.Findings {
		want := conformance.Held
		if slices.Contains(broken, f.ID) {
			want = conformance.NotHeld
		}
		if f.Verdict != want {
			t.Errorf("%s %s (%s), want %s", f.ID, f.Verdict, f.Detail, want)
		}
	}
	for _, id := range broken {
		if !strings.Contains(text, "did not hold `"+id+"`") {
			t.Errorf("the report has no line saying %s did not hold", id)
		}
	}
	for _, want := range []string{"answered HTTP 404 with body code 404", "lacks label", "lacks url", "-> HTTP 404", "key " + conformance.Redacted} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	t.Log(text)
}

// The sweeper deletes the functions named tf-acc-... and no other, and
// lists what it deleted.
func TestSweep_onlyPrefixed(t *testing.T) {
	t.Parallel()
	s, server := localSession(t, localOptions{})
	ctx := context.Background()
	names := []string{"tf-acc-0a1b2c", "keep-me", "tf-accx1", "prod-tf-acc-1", "tf-acc-ffee"}
	for _, name := range names {
		if _, err := s.Client.CreateFunction(ctx, &faas.CreateFunctionRequest{Name: name, FunctionSpec: faas.FunctionSpec{
			Runtime: "python3-http-debian", CodeText: live.ProbeCode,
			Config: &faas.FunctionConfig{MemoryMB: 128, TimeoutSeconds: 30, HardwareType: "cpu"},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	deleted, err := live.Sweep(ctx, s.Client)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(deleted)
	if want := []string{"tf-acc-0a1b2c", "tf-acc-ffee"}; !slices.Equal(deleted, want) {
		t.Errorf("deleted %q, want %q", deleted, want)
	}
	var left []string
	for _, f := range server.Functions() {
		left = append(left, f.Name)
	}
	slices.Sort(left)
	if want := []string{"keep-me", "prod-tf-acc-1", "tf-accx1"}; !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
	if err := s.Delete(ctx, "keep-me"); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("Delete of a name without the prefix: %v, want a refusal", err)
	}
	if _, ok := findByName(server, "keep-me"); !ok {
		t.Error("keep-me was deleted")
	}
}

func findByName(s *localfaas.Server, name string) (localfaas.Function, bool) {
	for _, f := range s.Functions() {
		if f.Name == name {
			return f, true
		}
	}
	return localfaas.Function{}, false
}

// A test's clean-up deletes through the client what the test made and
// left, whatever happened to it.
func TestCleanUp_deletesWhatWasLeft(t *testing.T) {
	t.Parallel()
	s, server := localSession(t, localOptions{})
	name := live.Name()
	t.Run("a test that leaves a function", func(t *testing.T) {
		s.CleanUp(t, name)
		if _, err := s.Client.CreateFunction(context.Background(), &faas.CreateFunctionRequest{Name: name, FunctionSpec: faas.FunctionSpec{
			Runtime: "python3-http-debian", CodeText: live.ProbeCode,
			Config: &faas.FunctionConfig{MemoryMB: 128, TimeoutSeconds: 30, HardwareType: "cpu"},
		}}); err != nil {
			t.Fatal(err)
		}
		if _, ok := findByName(server, name); !ok {
			t.Fatal("the function was not made")
		}
	})
	if f, ok := findByName(server, name); ok {
		t.Errorf("%s is left after its test (status %s)", name, f.Status)
	}
}
