// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

func setFaults(t *testing.T, h *harness, cfg faults.Config) {
	t.Helper()
	if err := h.srv.SetFaults(cfg); err != nil {
		t.Fatal(err)
	}
}

func kinds(k ...faults.Kind) []faults.Kind { return k }

// everyRoute is a valid request for each route of the contract, on the
// function id and the secret name given.
func everyRoute(id, secret string) []call {
	fn := "functions/" + id
	return []call{
		{Method: "POST", Path: "functions", Body: minimal("faulted")},
		{Method: "GET", Path: "functions"},
		{Method: "GET", Path: fn},
		{Method: "PUT", Path: fn, Body: map[string]any{"runtime": "node20", "code_archive": zipB64(nil)}},
		{Method: "DELETE", Path: fn},
		{Method: "PUT", Path: fn + "/code", Body: map[string]any{"code_archive": zipB64(map[string]string{"handler.py": "x = 1\n"})}},
		{Method: "PUT", Path: fn + "/config", Body: map[string]any{"memory_mb": 512}},
		{Method: "PUT", Path: fn + "/environment", Body: map[string]any{"environment": map[string]string{"A": "b"}}},
		{Method: "PUT", Path: fn + "/metadata", Body: map[string]any{"labels": map[string]string{"a": "b"}}},
		{Method: "POST", Path: fn + "/deploy"},
		{Method: "POST", Path: fn + "/scale", Body: map[string]any{"replicas": 3}},
		{Method: "GET", Path: fn + "/logs"},
		{Method: "GET", Path: fn + "/metrics"},
		{Method: "POST", Path: "secrets", Body: map[string]any{"name": "faulted", "value": "v"}},
		{Method: "GET", Path: "secrets"},
		{Method: "DELETE", Path: "secrets/" + secret},
		{Method: "GET", Path: "runtimes"},
	}
}

// TestFaultStatusKinds sends every route of the contract through the
// checker with each status fault: each answer must be valid for its
// operation, and nothing may change.
func TestFaultStatusKinds(t *testing.T) {
	for _, kind := range kinds(faults.InternalError, faults.BadGateway, faults.Unavailable, faults.RateLimited) {
		t.Run(string(kind), func(t *testing.T) {
			envelopes(t, func(t *testing.T, h *harness) {
				h.createSecret("kept", "kept-value-3b9e")
				f := h.create(minimal("kept"))
				h.get(f.ID) // settles the deploy
				before, _ := h.srv.Function(f.ID)
				secretsBefore := h.srv.Secrets()

				setFaults(t, h, faults.Config{Seed: 7, Rate: 1, Kinds: kinds(kind), RetryAfter: 1500 * time.Millisecond})
				want, _ := strconv.Atoi(string(kind))
				calls := everyRoute(f.ID, "kept")
				for _, c := range calls {
					r := h.send(c)
					if r.Status != want {
						t.Fatalf("%s %s: status %d, want %d: %s", c.Method, c.Path, r.Status, want, r.Body)
					}
					if e := errorOf(t, r); !strings.Contains(e.Message, "fault injected") || !strings.Contains(e.Message, "seed 7") {
						t.Errorf("%s %s: message %q does not say it was injected, with its seed", c.Method, c.Path, e.Message)
					}
					if retry := r.Header.Get("Retry-After"); kind == faults.RateLimited && retry != "2" {
						t.Errorf("%s %s: Retry-After %q, want 2 (1.5 s rounded up)", c.Method, c.Path, retry)
					}
				}
				h.srv.ClearFaults()

				after, _ := h.srv.Function(f.ID)
				if !reflect.DeepEqual(before, after) || len(h.srv.Functions()) != 1 {
					t.Errorf("a faulted request changed the function:\n%+v\n%+v", before, after)
				}
				if got := h.srv.Secrets(); !reflect.DeepEqual(got, secretsBefore) {
					t.Errorf("a faulted request changed the secrets: %+v", got)
				}
				log := h.srv.Requests()
				for _, req := range log[len(log)-len(calls):] {
					if req.Status != want {
						t.Errorf("request log: %s %s has status %d, want %d", req.Method, req.Route, req.Status, want)
					}
				}
			})
		})
	}
}

func TestFaultRetryAfterZero(t *testing.T) {
	h := newHarness(t)
	setFaults(t, h, faults.Config{Rate: 1, Kinds: kinds(faults.RateLimited)})
	r := h.do("GET", "runtimes", nil).want(t, http.StatusTooManyRequests)
	if got := r.Header.Get("Retry-After"); got != "0" {
		t.Errorf("Retry-After %q, want 0", got)
	}
}

func TestFaultRouteSelection(t *testing.T) {
	h := newHarness(t)
	setFaults(t, h, faults.Config{
		Rate: 1, Kinds: kinds(faults.InternalError),
		Routes: map[string]faults.Rule{
			"POST functions":     {Rate: 1, Kinds: kinds(faults.Unavailable)},
			"GET runtimes":       {Rate: 0},
			"GET functions/{id}": {Rate: 1, Kinds: kinds(faults.BadGateway)},
		},
	})
	h.do("POST", "functions", minimal("routed")).want(t, http.StatusServiceUnavailable)
	h.do("GET", "functions/nope", nil).want(t, http.StatusBadGateway)
	h.do("GET", "runtimes", nil).want(t, http.StatusOK)
	h.do("GET", "secrets", nil).want(t, http.StatusInternalServerError)

	// Routes alone: the others are left alone.
	setFaults(t, h, faults.Config{Routes: map[string]faults.Rule{"POST functions": {Rate: 1, Kinds: kinds(faults.Unavailable)}}})
	h.do("POST", "functions", minimal("routed")).want(t, http.StatusServiceUnavailable)
	h.do("POST", "secrets", map[string]any{"name": "routed", "value": "v"}).want(t, http.StatusCreated)
	h.do("GET", "functions", nil).want(t, http.StatusOK)

	// Admin routes, and requests that fail authentication, never meet a fault.
	setFaults(t, h, faults.Config{Rate: 1, Kinds: kinds(faults.Unavailable)})
	h.send(call{Method: "GET", Path: "runtimes", Token: ptr("")}).want(t, http.StatusUnauthorized)
	h.do("GET", "/_local/requests", nil).want(t, http.StatusOK)
	h.do("GET", "/_local/faults", nil).want(t, http.StatusOK)

	for _, f := range h.srv.InjectedFaults() {
		if f.Route == "" || strings.Contains(f.Route, "requests") || strings.Contains(f.Route, "faults") {
			t.Errorf("fault injected into %q", f.Route)
		}
	}
}

// faultSequence sends a fixed sequence of requests with faults at half the
// requests, and returns the statuses of GET runtimes and GET secrets.
func faultSequence(t *testing.T, seed uint64, interleave bool) (runtimes, secrets []int, injected []faults.Injected) {
	t.Helper()
	h := newHarness(t)
	setFaults(t, h, faults.Config{Seed: seed, Rate: 0.5, Kinds: kinds("500", "502", "503", "429")})
	for i := range 40 {
		runtimes = append(runtimes, h.do("GET", "runtimes", nil).Status)
		if interleave || i%10 == 0 {
			secrets = append(secrets, h.do("GET", "secrets", nil).Status)
		}
	}
	for _, f := range h.srv.InjectedFaults() {
		if f.Route == "GET runtimes" {
			f.Time = time.Time{}
			injected = append(injected, f)
		}
	}
	return runtimes, secrets, injected
}

func TestFaultSeedReproducible(t *testing.T) {
	runtimes, secrets, injected := faultSequence(t, 42, true)
	var faulted int
	for _, s := range runtimes {
		if s != http.StatusOK {
			faulted++
		}
	}
	if faulted == 0 || faulted == len(runtimes) {
		t.Fatalf("rate 0.5 faulted %d of %d requests", faulted, len(runtimes))
	}

	again, againSecrets, againInjected := faultSequence(t, 42, true)
	if !slices.Equal(runtimes, again) || !slices.Equal(secrets, againSecrets) || !reflect.DeepEqual(injected, againInjected) {
		t.Errorf("seed 42 gave\n%v %v\nthen\n%v %v", runtimes, secrets, again, againSecrets)
	}
	// What one route meets does not depend on the others.
	if alone, _, _ := faultSequence(t, 42, false); !slices.Equal(runtimes, alone) {
		t.Errorf("GET runtimes met other faults when GET secrets was not interleaved:\n%v\n%v", runtimes, alone)
	}
	if other, _, _ := faultSequence(t, 43, true); slices.Equal(runtimes, other) {
		t.Errorf("seeds 42 and 43 gave the same faults %v", runtimes)
	}
}

func TestSetFaultsRestartsTheSequence(t *testing.T) {
	h := newHarness(t)
	cfg := faults.Config{Seed: 9, Rate: 0.5, Kinds: kinds("503")}
	run := func() []int {
		setFaults(t, h, cfg)
		var out []int
		for range 20 {
			out = append(out, h.do("GET", "runtimes", nil).Status)
		}
		return out
	}
	if first, second := run(), run(); !slices.Equal(first, second) {
		t.Errorf("the same configuration set again gave\n%v\nthen\n%v", first, second)
	}
}

func TestFaultRandomSeedIsReported(t *testing.T) {
	h := newHarness(t)
	setFaults(t, h, faults.Config{Rate: 0.1})
	seed := h.srv.Faults().Seed
	if seed == 0 {
		t.Fatal("SetFaults kept seed 0; want the random seed it uses")
	}
	h.do("GET", "runtimes", nil)
	r := h.do("GET", "/_local/faults", nil).want(t, http.StatusOK)
	var got struct {
		Seed uint64 `json:"seed"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil || got.Seed != seed {
		t.Errorf("GET /_local/faults: %s (want seed %d)", r.Body, seed)
	}
}

// TestFaultDropAfterWrite drops the answer of a create over a plain server,
// where the connection is hijacked and closed: the client sees a transport
// error, the function exists, and a retry with the same Idempotency-Key is
// answered with it.
func TestFaultDropAfterWrite(t *testing.T) {
	srv := localfaas.New(localfaas.Options{APIKey: testAPIKey, AuthToken: testAuthToken})
	h := &harness{t: t, srv: srv, ts: httptest.NewServer(srv)}
	t.Cleanup(h.ts.Close)
	setFaults(t, h, faults.Config{Routes: map[string]faults.Rule{"POST functions": {Rate: 1, Kinds: kinds(faults.Drop)}}})

	if r, err := h.tryKeyed(call{Method: "POST", Path: "functions", Body: minimal("dropped")}, key1); err == nil {
		t.Fatalf("a dropped create was answered %d: %s", r.Status, r.Body)
	}
	fns := srv.Functions()
	if len(fns) != 1 || fns[0].Name != "dropped" || fns[0].CreateRequestID != key1 {
		t.Fatalf("after the dropped create the store holds %+v; want the function, with its key", fns)
	}
	log := srv.Requests()
	if last := log[len(log)-1]; last.Route != "POST functions" || last.Status != http.StatusCreated {
		t.Errorf("request log: %+v, want the create's own status 201", last)
	}
	if f := srv.InjectedFaults(); len(f) != 1 || f[0].Kind != faults.Drop || f[0].Route != "POST functions" {
		t.Errorf("injected faults %+v", f)
	}

	srv.ClearFaults()
	retry := h.createKeyed(key1, minimal("dropped")).want(t, http.StatusCreated)
	var f function
	if err := json.Unmarshal(retry.Body, &f); err != nil || f.ID != fns[0].ID {
		t.Errorf("the retry answered %s; want function %s", retry.Body, fns[0].ID)
	}
	if n := len(srv.Functions()); n != 1 {
		t.Errorf("%d functions after the retry", n)
	}
}

// TestFaultDropBehindABufferingWriter drops answers behind the contract
// checker, whose recorder cannot give up the connection: the handler is
// aborted instead, and the change is still made.
func TestFaultDropBehindABufferingWriter(t *testing.T) {
	h := newHarness(t)
	f := h.create(minimal("dropped-config"))
	h.get(f.ID)
	setFaults(t, h, faults.Config{Rate: 1, Kinds: kinds(faults.Drop)})

	if r, err := h.tryKeyed(call{Method: "PUT", Path: "functions/" + f.ID + "/config", Body: map[string]any{"memory_mb": 1024}}, ""); err == nil {
		t.Fatalf("a dropped update was answered %d: %s", r.Status, r.Body)
	}
	got, _ := h.srv.Function(f.ID)
	if got.Config.MemoryMB != 1024 || got.Version != "v2" {
		t.Errorf("the dropped update was not carried out: %+v", got)
	}
	log := h.srv.Requests()
	if last := log[len(log)-1]; last.Route != "PUT functions/{id}/config" || last.Status != http.StatusOK {
		t.Errorf("request log: %+v, want the update's own status 200", last)
	}
}

func TestFaultLatency(t *testing.T) {
	h := newHarness(t)
	lat := faults.DurationRange{Min: time.Millisecond, Max: 3 * time.Millisecond}
	setFaults(t, h, faults.Config{Seed: 5, Rate: 1, Kinds: kinds(faults.Latency), Latency: lat})
	f := h.create(minimal("slow"))
	h.get(f.ID)
	h.do("GET", "runtimes", nil).want(t, http.StatusOK)
	injected := h.srv.InjectedFaults()
	if len(injected) != 3 {
		t.Fatalf("injected %+v, want a latency for each of 3 requests", injected)
	}
	for _, fault := range injected {
		if fault.Kind != faults.Latency || fault.Latency < lat.Min || fault.Latency > lat.Max {
			t.Errorf("%+v: want a latency within %s", fault, lat)
		}
	}
	if n := len(h.srv.Functions()); n != 1 {
		t.Errorf("%d functions", n)
	}
}

func TestFaultDeployFails(t *testing.T) {
	h := newHarness(t)
	setFaults(t, h, faults.Config{Seed: 3, DeployFailRate: 1})
	f := h.create(minimal("doomed"))
	got := h.get(f.ID)
	if got.Status != localfaas.StatusFailed || !strings.Contains(got.ErrorMessage, "fault injected") {
		t.Fatalf("status %s (%q), want Failed by an injected fault", got.Status, got.ErrorMessage)
	}
	h.srv.ClearFaults()
	h.do("POST", "functions/"+f.ID+"/deploy", nil).want(t, http.StatusOK)
	if got := h.get(f.ID); got.Status != localfaas.StatusRunning {
		t.Errorf("after clearing the faults a redeploy ended %s", got.Status)
	}
}

func TestFaultDeployFailRateIsSeeded(t *testing.T) {
	outcomes := func() []string {
		h := newHarness(t)
		setFaults(t, h, faults.Config{Seed: 11, DeployFailRate: 0.5})
		f := h.create(minimal("coin"))
		var out []string
		for range 16 {
			out = append(out, h.get(f.ID).Status)
			h.do("POST", "functions/"+f.ID+"/deploy", nil).want(t, http.StatusOK)
		}
		return out
	}
	first := outcomes()
	if !slices.Contains(first, localfaas.StatusFailed) || !slices.Contains(first, localfaas.StatusRunning) {
		t.Fatalf("rate 0.5 gave %v", first)
	}
	if second := outcomes(); !slices.Equal(first, second) {
		t.Errorf("seed 11 gave\n%v\nthen\n%v", first, second)
	}
}

func TestFaultDeployStall(t *testing.T) {
	h := newHarness(t, func(o *localfaas.Options) { o.DeployDelay = 2 * time.Second })
	setFaults(t, h, faults.Config{DeployStall: 30 * time.Second})
	f := h.create(minimal("stalled"))
	h.clock.Advance(31 * time.Second)
	if got := h.get(f.ID); got.Status != localfaas.StatusDeploying {
		t.Fatalf("after 31 s: %s, want Deploying (2 s deploy + 30 s stall)", got.Status)
	}
	h.clock.Advance(time.Second)
	if got := h.get(f.ID); got.Status != localfaas.StatusRunning {
		t.Fatalf("after 32 s: %s, want Running", got.Status)
	}
}

func TestFaultAdminRoutes(t *testing.T) {
	h := newHarness(t)
	type state struct {
		Enabled        bool                       `json:"enabled"`
		Seed           uint64                     `json:"seed"`
		Rate           float64                    `json:"rate"`
		Kinds          []string                   `json:"kinds"`
		Routes         map[string]json.RawMessage `json:"routes"`
		RetryAfter     string                     `json:"retry_after"`
		Latency        string                     `json:"latency"`
		DeployFailRate float64                    `json:"deploy_fail_rate"`
		DeployStall    string                     `json:"deploy_stall"`
		Injected       []struct {
			Route   string `json:"route"`
			Request int    `json:"request"`
			Kind    string `json:"kind"`
		} `json:"injected"`
	}
	read := func(r response) state {
		t.Helper()
		var s state
		if err := json.Unmarshal(r.Body, &s); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		return s
	}
	if s := read(h.do("GET", "/_local/faults", nil).want(t, http.StatusOK)); s.Enabled || s.Kinds == nil || s.Routes == nil || s.Injected == nil {
		t.Errorf("before any faults: %+v", s)
	}

	body := map[string]any{
		"seed": 42, "rate": 0, "kinds": []string{},
		"routes":      map[string]any{"POST functions": map[string]any{"rate": 1, "kinds": []string{"503"}}},
		"retry_after": "0s", "latency": "0-50ms", "deploy_fail_rate": 0.25, "deploy_stall": "1m",
	}
	s := read(h.do("PUT", "/_local/faults", body).want(t, http.StatusOK))
	if !s.Enabled || s.Seed != 42 || s.Latency != "0s-50ms" || s.DeployStall != "1m0s" || s.DeployFailRate != 0.25 || len(s.Routes) != 1 {
		t.Errorf("PUT answered %+v", s)
	}
	want := faults.Config{
		Seed: 42, Kinds: []faults.Kind{}, Latency: faults.DurationRange{Max: 50 * time.Millisecond},
		Routes:         map[string]faults.Rule{"POST functions": {Rate: 1, Kinds: kinds("503")}},
		DeployFailRate: 0.25, DeployStall: time.Minute,
	}
	if got := h.srv.Faults(); !reflect.DeepEqual(got, want) {
		t.Errorf("Faults() = %+v, want %+v", got, want)
	}
	h.do("POST", "functions", minimal("admin")).want(t, http.StatusServiceUnavailable)
	if s := read(h.do("GET", "/_local/faults", nil).want(t, http.StatusOK)); len(s.Injected) != 1 || s.Injected[0].Route != "POST functions" || s.Injected[0].Kind != "503" || s.Injected[0].Request != 1 {
		t.Errorf("injected %+v", s.Injected)
	}

	for _, bad := range []struct {
		body  any
		field string
	}{
		{map[string]any{"rate": 2}, "rate"},
		{map[string]any{"kinds": []string{"418"}}, "kinds"},
		{map[string]any{"routes": map[string]any{"POST functionz": map[string]any{"rate": 1}}}, "routes"},
		{map[string]any{"routes": map[string]any{"GET runtimes": map[string]any{"rate": -1}}}, "routes.GET runtimes.rate"},
		{map[string]any{"retry_after": "-1s"}, "retry_after"},
		{map[string]any{"latency": "50ms-10ms"}, "latency"},
		{map[string]any{"deploy_fail_rate": 1.5}, "deploy_fail_rate"},
		{map[string]any{"deploy_stall": "-1s"}, "deploy_stall"},
		{map[string]any{"latency": "soon"}, ""},
		{map[string]any{"bogus": 1}, ""},
		{[]byte(" "), ""},
	} {
		r := h.do("PUT", "/_local/faults", bad.body).want(t, http.StatusBadRequest)
		e := errorOf(t, r)
		if bad.field != "" && len(e.Errors[bad.field]) == 0 {
			t.Errorf("PUT %v: errors %v, want one for %s", bad.body, e.Errors, bad.field)
		}
	}
	if got := h.srv.Faults(); !reflect.DeepEqual(got, want) {
		t.Errorf("a refused PUT changed the faults to %+v", got)
	}

	h.send(call{Method: "PUT", Path: "/_local/faults", Body: body, Key: ptr("")}).want(t, http.StatusUnauthorized)
	h.do("DELETE", "/_local/faults", nil).want(t, http.StatusNoContent)
	if s := read(h.do("GET", "/_local/faults", nil).want(t, http.StatusOK)); s.Enabled || len(s.Injected) != 0 {
		t.Errorf("after DELETE: %+v", s)
	}
	h.do("POST", "functions", minimal("admin")).want(t, http.StatusCreated)
}

func TestSetFaultsRefusesBadConfig(t *testing.T) {
	h := newHarness(t)
	good := faults.Config{Seed: 1, Rate: 0.5}
	setFaults(t, h, good)
	for _, bad := range []faults.Config{
		{Rate: -0.1},
		{Rate: 1.1},
		{Rate: 1, Kinds: kinds("deploy-fail")},
		{Routes: map[string]faults.Rule{"GET nowhere": {Rate: 1}}},
		{Routes: map[string]faults.Rule{"GET runtimes": {Rate: 1, Kinds: kinds("404")}}},
		{RetryAfter: -time.Second},
		{Latency: faults.DurationRange{Min: -time.Millisecond}},
		{Latency: faults.DurationRange{Min: 2 * time.Millisecond, Max: time.Millisecond}},
		{DeployFailRate: 2},
		{DeployStall: -time.Second},
	} {
		if err := h.srv.SetFaults(bad); err == nil {
			t.Errorf("SetFaults(%+v) was accepted", bad)
		}
	}
	if got := h.srv.Faults(); !reflect.DeepEqual(got, good) {
		t.Errorf("refused configurations changed the faults to %+v", got)
	}
}
