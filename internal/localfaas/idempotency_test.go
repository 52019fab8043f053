// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// ownConns sends each request over a connection of its own. net/http retries
// by itself a request that carries an Idempotency-Key when a reused
// connection fails before an answer, which would hide a dropped answer from
// the tests.
var ownConns = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// tryKeyed is try with an Idempotency-Key header ("" sends none), over a
// connection of its own.
func (h *harness) tryKeyed(c call, key string) (response, error) {
	c.Client, c.IdempotencyKey = ownConns, key
	return h.try(c)
}

// createKeyed posts a create with an Idempotency-Key.
func (h *harness) createKeyed(key string, body map[string]any) response {
	h.t.Helper()
	r, err := h.tryKeyed(call{Method: "POST", Path: "functions", Body: body}, key)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// requestID reads create_request_id ("" when the answer has none).
func (h *harness) requestID(r response) string {
	h.t.Helper()
	return h.function(r).CreateRequestID
}

const key1 = "7c0e2a4e-5b1f-4d7e-9a63-2f0c8d1b4e01"

func TestCreateReplaysItsIdempotencyKey(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		first := h.createKeyed(key1, minimal("replayed")).want(t, http.StatusCreated)
		f := h.function(first)
		if got := h.requestID(first); got != key1 {
			t.Fatalf("create_request_id %q, want %q", got, key1)
		}

		// The retry of a create whose answer was lost: the same function,
		// whatever else the body says, and nothing redeployed.
		again := h.createKeyed(key1, with(minimal("replayed"), "config", map[string]any{"memory_mb": 512})).want(t, http.StatusCreated)
		g := h.function(again)
		if g.ID != f.ID || g.Version != f.Version || g.Config.MemoryMB != f.Config.MemoryMB || h.requestID(again) != key1 {
			t.Errorf("replay answered %+v, want the function first created %+v", g, f)
		}

		// Once deployed, a replay answers the function as it is now.
		got := h.do("GET", "functions/"+f.ID, nil).want(t, http.StatusOK)
		if h.requestID(got) != key1 || h.function(got).Status != localfaas.StatusRunning {
			t.Fatalf("GET answered %s", got.Body)
		}
		if later := h.function(h.createKeyed(key1, minimal("replayed")).want(t, http.StatusCreated)); later.Status != localfaas.StatusRunning || later.Version != f.Version {
			t.Errorf("replay after the deploy answered %+v", later)
		}

		fns := h.srv.Functions()
		if len(fns) != 1 || fns[0].CreateRequestID != key1 {
			t.Fatalf("store holds %+v, want one function created by %s", fns, key1)
		}
		if fn, _ := h.srv.Function(f.ID); fn.CreateRequestID != key1 {
			t.Errorf("Server.Function's CreateRequestID is %q", fn.CreateRequestID)
		}
	})
}

func TestCreateWithoutKeyHasNoRequestID(t *testing.T) {
	h := newHarness(t)
	r := h.do("POST", "functions", minimal("unkeyed")).want(t, http.StatusCreated)
	if strings.Contains(string(r.Body), "create_request_id") {
		t.Errorf("a create without a key answered %s", r.Body)
	}
}

func TestCreateIdempotencyKeyConflicts(t *testing.T) {
	h := newHarness(t)
	made := h.function(h.createKeyed(key1, minimal("first")).want(t, http.StatusCreated))

	// The key reused for another name: 409 naming what the key made.
	r := h.createKeyed(key1, minimal("second")).want(t, http.StatusConflict)
	if msg := errorOf(t, r).Message; !strings.Contains(msg, made.ID) || !strings.Contains(msg, `"first"`) {
		t.Errorf("409 for a reused key says %q; want the function the key made (%s)", msg, made.ID)
	}
	// The name taken under another key, or none: 409 naming the function.
	for _, key := range []string{"another-key", ""} {
		r := h.createKeyed(key, minimal("first")).want(t, http.StatusConflict)
		if msg := errorOf(t, r).Message; !strings.Contains(msg, made.ID) {
			t.Errorf("409 for a taken name (key %q) says %q; want the existing id %s", key, msg, made.ID)
		}
	}
	if n := len(h.srv.Functions()); n != 1 {
		t.Fatalf("%d functions after refused creates", n)
	}

	// Keys belong to a namespace: another project creates its own function.
	other, err := h.tryKeyed(call{Method: "POST", Path: "functions", Body: minimal("first"), Project: "20235"}, key1)
	if err != nil {
		t.Fatal(err)
	}
	if other.want(t, http.StatusCreated); h.function(other).ID == made.ID {
		t.Error("another project's create replayed this project's function")
	}

	// A key is forgotten with its function.
	h.do("DELETE", "functions/"+made.ID, nil).want(t, http.StatusAccepted)
	h.do("GET", "functions/"+made.ID, nil).want(t, http.StatusNotFound)
	if again := h.function(h.createKeyed(key1, minimal("first")).want(t, http.StatusCreated)); again.ID == made.ID {
		t.Error("a create after the delete replayed the deleted function")
	}
}

func TestCreateIdempotencyKeyTooLong(t *testing.T) {
	h := newHarness(t)
	r, err := h.tryKeyed(call{Method: "POST", Path: "functions", Body: minimal("long-key"), Invalid: true}, strings.Repeat("k", 256))
	if err != nil {
		t.Fatal(err)
	}
	if e := errorOf(t, r.want(t, http.StatusBadRequest)); len(e.Errors["Idempotency-Key"]) == 0 {
		t.Errorf("errors %v, want one for Idempotency-Key", e.Errors)
	}
	if n := len(h.srv.Functions()); n != 0 {
		t.Errorf("%d functions", n)
	}
}

func TestConcurrentCreatesWithOneKey(t *testing.T) {
	h := newHarness(t)
	const racers = 32
	ids := make(chan string, racers)
	var wg sync.WaitGroup
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := h.tryKeyed(call{Method: "POST", Path: "functions", Body: minimal("once")}, key1)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Status != http.StatusCreated {
				t.Errorf("status %d: %s", r.Status, r.Body)
				return
			}
			var f function
			if err := json.Unmarshal(r.Body, &f); err != nil {
				t.Error(err)
				return
			}
			ids <- f.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]int{}
	for id := range ids {
		seen[id]++
	}
	if len(seen) != 1 {
		t.Errorf("the racers were answered with %d different functions: %v", len(seen), seen)
	}
	if fns := h.srv.Functions(); len(fns) != 1 || fns[0].Version != "v1" {
		t.Errorf("store holds %+v, want one function deployed once", fns)
	}
}
