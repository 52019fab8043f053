// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

func TestConcurrentCRUD(t *testing.T) {
	h := newHarness(t)
	const workers, perWorker = 16, 8
	var sent sync.Map // request count per worker, to compare with the request log

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			do := func(method, path string, body any, status int) response {
				n++
				return h.expect(call{Method: method, Path: path, Body: body}, status)
			}
			secret := fmt.Sprintf("secret-%d", w)
			do("POST", "secrets", map[string]any{"name": secret, "value": "v"}, http.StatusCreated)
			for i := range perWorker {
				body := with(minimal(fmt.Sprintf("w%d-f%d", w, i)), "secrets", []string{secret})
				var f function
				if err := json.Unmarshal(do("POST", "functions", body, http.StatusCreated).Body, &f); err != nil {
					t.Error(err)
					continue
				}
				do("GET", "functions/"+f.ID, nil, http.StatusOK) // settles the deploy
				do("PUT", "functions/"+f.ID+"/config", map[string]any{"memory_mb": 256 + i}, http.StatusOK)
				do("PUT", "functions/"+f.ID+"/metadata", map[string]any{"labels": map[string]string{"worker": fmt.Sprint(w)}}, http.StatusOK)
				do("GET", "functions?label=worker%3D"+fmt.Sprint(w), nil, http.StatusOK)
				do("GET", "functions/"+f.ID, nil, http.StatusOK)
				if i%2 == 1 {
					do("DELETE", "functions/"+f.ID, nil, http.StatusAccepted)
				}
				h.srv.Functions()
				h.srv.Requests()
			}
			sent.Store(w, n)
		}()
	}
	wg.Wait()

	total := 0
	sent.Range(func(_, n any) bool { total += n.(int); return true })
	if got := len(h.srv.Requests()); got != total {
		t.Errorf("request log has %d entries, %d requests were sent", got, total)
	}
	fns := h.srv.Functions()
	if len(fns) != workers*perWorker/2 {
		t.Fatalf("%d functions, want %d", len(fns), workers*perWorker/2)
	}
	ids, names := map[string]bool{}, map[string]bool{}
	for _, f := range fns {
		if ids[f.ID] || names[f.Name] {
			t.Errorf("duplicate %s %s", f.ID, f.Name)
		}
		ids[f.ID], names[f.Name] = true, true
		var w, i int
		if _, err := fmt.Sscanf(f.Name, "w%d-f%d", &w, &i); err != nil || i%2 != 0 {
			t.Errorf("unexpected survivor %s", f.Name)
		}
		if f.Config.MemoryMB != 256+i || f.Labels["worker"] != fmt.Sprint(w) || f.Version != "v2" || f.Status != "Running" {
			t.Errorf("%s lost an update: %+v", f.Name, f)
		}
	}
	if n := len(h.srv.Secrets()); n != workers {
		t.Errorf("%d secrets", n)
	}
}

func TestConcurrentCreatesOfOneName(t *testing.T) {
	h := newHarness(t)
	const racers = 24
	statuses := make(chan int, racers*2)
	var wg sync.WaitGroup
	for range racers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r, err := h.try(call{Method: "POST", Path: "functions", Body: minimal("contested")})
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- r.Status
		}()
		go func() {
			defer wg.Done()
			r, err := h.try(call{Method: "POST", Path: "secrets", Body: map[string]any{"name": "contested", "value": "v"}})
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- -r.Status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[409] != racers-1 || count[-201] != 1 || count[-409] != racers-1 {
		t.Errorf("statuses %v: want one 201 and %d 409 for functions and for secrets", count, racers-1)
	}
	if n := len(h.srv.Functions()); n != 1 {
		t.Errorf("%d functions", n)
	}
}
