// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// checkEvery sets the share of exchanges of TestManyClientsMixedCRUD that go
// through the contract checker: one in checkEvery, by order of arrival, so
// about that share of every kind of request. Checking them all triples the
// test's time under -race (17 s on two cores); one in three keeps it near 5 s.
const checkEvery = 3

// TestManyClientsMixedCRUD runs 200 clients at once, each creating, reading,
// listing, updating and deleting functions and secrets of its own, replaying
// a keyed create, and racing the others to create shared names. Nothing may
// be lost or duplicated, every answer must be the one expected, and a sample
// of the exchanges is checked against internal/api/openapi.yaml.
//
// The clients call the server's handler in-process. Over loopback TCP each
// would bring three more goroutines (the connection's server loop, the
// transport's read and write loops); with some 800 goroutines alive the race
// detector slows down several fold and the test takes 10 s or more.
// TestConcurrentCRUD drives the server over TCP.
func TestManyClientsMixedCRUD(t *testing.T) {
	const clients, shared = 200, 20
	c := &clock{now: t0}
	opts := localfaas.Options{APIKey: testAPIKey, AuthToken: testAuthToken, Now: c.Now}
	h := &harness{t: t, srv: localfaas.New(opts), clock: c, opts: opts}
	checked := h.checked(h.srv)
	var arrived, sampled atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1)%checkEvery == 0 {
			sampled.Add(1)
			checked.ServeHTTP(w, r)
			return
		}
		h.srv.ServeHTTP(w, r)
	})
	h.ts = httptest.NewServer(handler) // for the harness's URLs and client
	t.Cleanup(h.ts.Close)
	h.ts.Client().Transport = handlerTransport{handler}

	var sent atomic.Int64
	expect := func(c call, key string, status int) response {
		sent.Add(1)
		c.IdempotencyKey = key
		return h.expect(c, status)
	}
	decode := func(r response, v any) {
		if err := json.Unmarshal(r.Body, v); err != nil {
			t.Errorf("%s: %v", r.Body, err)
		}
	}
	type list struct {
		Functions []function `json:"functions"`
		Total     int        `json:"total"`
	}

	sharedWins := make([]atomic.Int64, shared)
	sharedSecretWins := make([]atomic.Int64, shared)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do := func(method, path string, body any, status int) response {
				return expect(call{Method: method, Path: path, Body: body}, "", status)
			}
			secret := fmt.Sprintf("load-secret-%d", w)
			name, temp := fmt.Sprintf("load-%d", w), fmt.Sprintf("load-%d-temp", w)
			key := fmt.Sprintf("load-key-%d", w)
			label := url.QueryEscape(fmt.Sprintf("client=%d", w))
			labels := map[string]string{"client": fmt.Sprint(w)}

			do("POST", "secrets", map[string]any{"name": secret, "value": "v"}, http.StatusCreated)
			create := call{Method: "POST", Path: "functions", Body: with(minimal(name), "secrets", []string{secret}, "labels", labels)}
			var a, replayed, b function
			decode(expect(create, key, http.StatusCreated), &a)
			decode(expect(create, key, http.StatusCreated), &replayed)
			if replayed.ID != a.ID {
				t.Errorf("%s: the replayed create answered %s, not %s", name, replayed.ID, a.ID)
			}
			decode(do("POST", "functions", with(minimal(temp), "labels", labels), http.StatusCreated), &b)

			if got := decodeFunction(t, do("GET", "functions/"+a.ID, nil, http.StatusOK)); got.ID != a.ID || got.Status != localfaas.StatusRunning {
				t.Errorf("%s: GET answered %+v", name, got)
			}
			var byLabel list
			decode(do("GET", "functions?label="+label, nil, http.StatusOK), &byLabel)
			if byLabel.Total != 2 {
				t.Errorf("client %d by label: %d functions, want 2", w, byLabel.Total)
			}
			if w%2 == 0 {
				var byName list
				decode(do("GET", "functions?name="+name, nil, http.StatusOK), &byName)
				if byName.Total != 1 || len(byName.Functions) != 1 || byName.Functions[0].ID != a.ID {
					t.Errorf("%s by name: %+v", name, byName)
				}
			} else {
				do("GET", fmt.Sprintf("functions?per_page=5&page=%d", 1+w%7), nil, http.StatusOK)
			}

			do("PUT", "functions/"+a.ID+"/config", map[string]any{"memory_mb": 128 + w}, http.StatusOK)
			do("PUT", "functions/"+a.ID+"/environment", map[string]any{"environment": map[string]string{"CLIENT": fmt.Sprint(w)}, "secrets": []string{}}, http.StatusOK)
			do("DELETE", "secrets/"+secret, nil, http.StatusNoContent) // no longer used
			if w%2 == 0 {
				do("GET", "secrets", nil, http.StatusOK)
			} else {
				do("DELETE", "secrets/"+secret, nil, http.StatusNotFound)
			}

			do("DELETE", "functions/"+b.ID, nil, http.StatusAccepted)
			do("GET", "functions/"+b.ID, nil, http.StatusNotFound)

			// Ten clients race for each shared name.
			k := w % shared
			if r, err := h.try(call{Method: "POST", Path: "functions", Body: minimal(fmt.Sprintf("load-shared-%d", k))}); err != nil {
				t.Error(err)
			} else if r.Status == http.StatusCreated {
				sharedWins[k].Add(1)
			} else if r.Status != http.StatusConflict {
				t.Errorf("shared create: status %d: %s", r.Status, r.Body)
			}
			if r, err := h.try(call{Method: "POST", Path: "secrets", Body: map[string]any{"name": fmt.Sprintf("load-shared-%d", k), "value": "v"}}); err != nil {
				t.Error(err)
			} else if r.Status == http.StatusCreated {
				sharedSecretWins[k].Add(1)
			} else if r.Status != http.StatusConflict {
				t.Errorf("shared secret: status %d: %s", r.Status, r.Body)
			}
			sent.Add(2)
		}()
	}
	wg.Wait()

	for k := range shared {
		if n, m := sharedWins[k].Load(), sharedSecretWins[k].Load(); n != 1 || m != 1 {
			t.Errorf("load-shared-%d: created %d times as a function, %d as a secret; want once each", k, n, m)
		}
	}
	if got, want := int64(len(h.srv.Requests())), sent.Load(); got != want {
		t.Errorf("request log has %d entries, %d requests were sent", got, want)
	}
	fns := h.srv.Functions()
	if len(fns) != clients+shared {
		t.Errorf("%d functions, want %d", len(fns), clients+shared)
	}
	ids, names := map[string]bool{}, map[string]bool{}
	for _, f := range fns {
		if ids[f.ID] || names[f.Name] {
			t.Errorf("duplicate %s %s", f.ID, f.Name)
		}
		ids[f.ID], names[f.Name] = true, true
		var w int
		if _, err := fmt.Sscanf(f.Name, "load-shared-%d", &w); err == nil {
			continue
		}
		if _, err := fmt.Sscanf(f.Name, "load-%d", &w); err != nil || f.Name != fmt.Sprintf("load-%d", w) {
			t.Errorf("unexpected survivor %s", f.Name)
			continue
		}
		if f.Config.MemoryMB != 128+w || f.Environment["CLIENT"] != fmt.Sprint(w) || len(f.Secrets) != 0 ||
			f.Labels["client"] != fmt.Sprint(w) || f.CreateRequestID != fmt.Sprintf("load-key-%d", w) ||
			f.Version != "v3" || f.Status != localfaas.StatusRunning {
			t.Errorf("%s lost an update: %+v", f.Name, f)
		}
	}
	if secrets := h.srv.Secrets(); len(secrets) != shared {
		t.Errorf("%d secrets, want the %d shared ones", len(secrets), shared)
	}
	t.Logf("%d requests from %d clients; %d exchanges checked against the contract", sent.Load(), clients, sampled.Load())
}

func decodeFunction(t *testing.T, r response) function {
	var f function
	if err := json.Unmarshal(r.Body, &f); err != nil {
		t.Errorf("%s: %v", r.Body, err)
	}
	return f
}

// handlerTransport serves a client's requests with a handler, in the
// client's goroutine, as the server would see them.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.Host = req.URL.Host
	in.RemoteAddr = "192.0.2.1:1234"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	return rec.Result(), nil
}
