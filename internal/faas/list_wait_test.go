// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pagedFunctions serves GET functions from fns, honouring name, page and
// per_page as the contract says.
func pagedFunctions(t *testing.T, fns []Function) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/functions") {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			return
		}
		q := r.URL.Query()
		var match []Function
		for _, f := range fns {
			if name := q.Get("name"); name == "" || f.Name == name {
				match = append(match, f)
			}
		}
		page, perPage := 1, 50
		if v := q.Get("page"); v != "" {
			page, _ = strconv.Atoi(v)
		}
		if v := q.Get("per_page"); v != "" {
			perPage, _ = strconv.Atoi(v)
		}
		start := min((page-1)*perPage, len(match))
		end := min(start+perPage, len(match))
		writeJSON(w, http.StatusOK, FunctionList{Functions: append([]Function{}, match[start:end]...), Total: len(match), Page: page, PerPage: perPage})
	}
}

func TestListAllFunctionsFollowsPages(t *testing.T) {
	var fns []Function
	for i := range 7 {
		fns = append(fns, named(fmt.Sprintf("id-%d", i), fmt.Sprintf("fn-%d", i), "ns"))
	}
	srv := newAPIServer(t, pagedFunctions(t, fns))
	got, err := srv.client().ListAllFunctions(context.Background(), ListFunctionsOptions{PerPage: 3, Labels: map[string]string{"team": "core"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 {
		t.Fatalf("%d functions, want 7", len(got))
	}
	for i, f := range got {
		if f.ID != fmt.Sprintf("id-%d", i) {
			t.Errorf("function %d is %s", i, f.ID)
		}
	}
	ex := srv.all()
	if len(ex) != 3 {
		t.Fatalf("%d requests, want 3 pages", len(ex))
	}
	for i, e := range ex {
		if e.Query.Get("page") != strconv.Itoa(i+1) || e.Query.Get("per_page") != "3" || e.Query.Get("label") != "team=core" {
			t.Errorf("request %d query %v", i+1, e.Query)
		}
	}
}

func TestListAllFunctionsDefaults(t *testing.T) {
	srv := newAPIServer(t, pagedFunctions(t, nil))
	got, err := srv.client().ListAllFunctions(context.Background(), ListFunctionsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("%d functions", len(got))
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests for an empty list", n)
	}
	if q := srv.last().Query; q.Get("per_page") != "200" || q.Get("page") != "1" {
		t.Errorf("query %v, want the largest page first", q)
	}
}

// TestListAllFunctionsStopsOnEmptyPage: a server whose total overstates what
// it has must not make the client loop.
func TestListAllFunctionsStopsOnEmptyPage(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		list := FunctionList{Functions: []Function{}, Total: 10, Page: page, PerPage: 2}
		if page == 1 {
			list.Functions = []Function{named("a", "a-fn", "ns"), named("b", "b-fn", "ns")}
		}
		writeJSON(w, http.StatusOK, list)
	})
	got, err := srv.client().ListAllFunctions(context.Background(), ListFunctionsOptions{PerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || srv.count() != 2 {
		t.Errorf("%d functions in %d requests", len(got), srv.count())
	}
}

func TestListAllFunctionsError(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			writeError(w, http.StatusUnauthorized, "token expired", nil)
			return
		}
		writeJSON(w, http.StatusOK, FunctionList{Functions: []Function{named("a", "a-fn", "ns")}, Total: 2, Page: 1, PerPage: 1})
	})
	got, err := srv.client().ListAllFunctions(context.Background(), ListFunctionsOptions{PerPage: 1})
	if !errors.Is(err, ErrUnauthorized) || got != nil {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestFindFunction(t *testing.T) {
	fns := []Function{
		named("id-1", "hello-fn", "ns-a"),
		named("id-2", "hello-fn", "ns-b"),
		named("id-3", "other-fn", "ns-a"),
		named("id-4", "solo-fn", "ns-b"),
	}
	t.Run("by name and namespace", func(t *testing.T) {
		srv := newAPIServer(t, pagedFunctions(t, fns))
		f, err := srv.client().FindFunction(context.Background(), "hello-fn", "ns-b")
		if err != nil {
			t.Fatal(err)
		}
		if f.ID != "id-2" {
			t.Errorf("found %s, want id-2", f.ID)
		}
		if q := srv.last().Query; q.Get("name") != "hello-fn" {
			t.Errorf("query %v does not filter by name", q)
		}
	})
	t.Run("by name alone", func(t *testing.T) {
		srv := newAPIServer(t, pagedFunctions(t, fns))
		f, err := srv.client().FindFunction(context.Background(), "solo-fn", "")
		if err != nil || f.ID != "id-4" {
			t.Fatalf("got %+v, %v", f, err)
		}
	})
	t.Run("ambiguous name", func(t *testing.T) {
		srv := newAPIServer(t, pagedFunctions(t, fns))
		_, err := srv.client().FindFunction(context.Background(), "hello-fn", "")
		if err == nil || IsNotFound(err) || !strings.Contains(err.Error(), "namespace") {
			t.Fatalf("error %v, want one asking for the namespace", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		srv := newAPIServer(t, pagedFunctions(t, fns))
		_, err := srv.client().FindFunction(context.Background(), "missing-fn", "")
		if !IsNotFound(err) || !strings.Contains(err.Error(), "missing-fn") {
			t.Fatalf("error %v, want not found", err)
		}
	})
	t.Run("not in that namespace", func(t *testing.T) {
		srv := newAPIServer(t, pagedFunctions(t, fns))
		_, err := srv.client().FindFunction(context.Background(), "other-fn", "ns-b")
		if !IsNotFound(err) || !strings.Contains(err.Error(), "ns-b") {
			t.Fatalf("error %v, want not found naming the namespace", err)
		}
	})
	t.Run("server ignores the name filter", func(t *testing.T) {
		// Every function comes back; only the exact name counts.
		srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, FunctionList{Functions: fns, Total: len(fns), Page: 1, PerPage: 200})
		})
		f, err := srv.client().FindFunction(context.Background(), "other-fn", "")
		if err != nil || f.ID != "id-3" {
			t.Fatalf("got %+v, %v", f, err)
		}
	})
}

// statusSequence answers GET functions/{id} with each status in turn, then
// repeats the last one. A status of "404" answers not found.
type statusSequence struct {
	mu       sync.Mutex
	statuses []string
	seen     int
}

func (s *statusSequence) handler(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/functions/"+testID) {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
		s.mu.Lock()
		status := s.statuses[min(s.seen, len(s.statuses)-1)]
		s.seen++
		s.mu.Unlock()
		if status == "404" {
			writeError(w, http.StatusNotFound, "Function not found", nil)
			return
		}
		writeJSON(w, http.StatusOK, fullFunction(status))
	}
}

func (s *statusSequence) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen
}

var fastPoll = Poll{Initial: time.Millisecond, Max: 2 * time.Millisecond}

// waitTimeout is the short deadline of the timeout tests: long enough for a
// few polls on a loaded machine, short enough to keep the tests quick.
const waitTimeout = 250 * time.Millisecond

func TestWaitForDeployRunning(t *testing.T) {
	seq := &statusSequence{statuses: []string{StatusDeploying, StatusDeploying, StatusRunning}}
	srv := newAPIServer(t, seq.handler(t))
	var observed []string
	p := fastPoll
	p.Observe = func(f *Function) { observed = append(observed, f.Status) }
	f, err := srv.client().WaitForDeploy(context.Background(), testID, p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Status != StatusRunning || f.ID != testID {
		t.Errorf("returned %+v", f)
	}
	if strings.Join(observed, ",") != "Deploying,Deploying,Running" {
		t.Errorf("observed %v", observed)
	}
}

func TestWaitForDeployFailed(t *testing.T) {
	seq := &statusSequence{statuses: []string{StatusDeploying, StatusFailed}}
	srv := newAPIServer(t, seq.handler(t))
	f, err := srv.client().WaitForDeploy(context.Background(), testID, fastPoll)
	var failed *FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("error %v (%T), want *FailedError", err, err)
	}
	if !strings.Contains(err.Error(), "ModuleNotFoundError: No module named 'numpy'") || !strings.Contains(err.Error(), "hello-fn") {
		t.Errorf("error %q does not carry the error_message and the name", err)
	}
	if f == nil || f.Status != StatusFailed || failed.Function.ErrorMessage == "" {
		t.Errorf("returned %+v", f)
	}
	if seq.count() != 2 {
		t.Errorf("%d polls after Failed", seq.count())
	}
}

func TestWaitForDeployFailedWithoutMessage(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		f := fullFunction(StatusFailed)
		f.ErrorMessage = ""
		writeJSON(w, http.StatusOK, f)
	})
	_, err := srv.client().WaitForDeploy(context.Background(), testID, fastPoll)
	if err == nil || !strings.Contains(err.Error(), "no error_message") {
		t.Errorf("error %v", err)
	}
}

// TestWaitForDeployTimeout: a function that stays Deploying past the
// context's deadline gives a *WaitError naming the last status.
func TestWaitForDeployTimeout(t *testing.T) {
	seq := &statusSequence{statuses: []string{StatusDeploying}}
	srv := newAPIServer(t, seq.handler(t))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	f, err := srv.client().WaitForDeploy(ctx, testID, fastPoll)
	var we *WaitError
	if !errors.As(err, &we) {
		t.Fatalf("error %v (%T), want *WaitError", err, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not match context.DeadlineExceeded", err)
	}
	if we.Last == nil || we.Last.Status != StatusDeploying || we.Wanted != StatusRunning || we.ID != testID {
		t.Errorf("WaitError %+v", we)
	}
	if f == nil || f.Status != StatusDeploying {
		t.Errorf("returned %+v, want the last function read", f)
	}
	for _, want := range []string{testID, "Running", "timeout", "status is Deploying"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if seq.count() < 2 {
		t.Errorf("only %d polls", seq.count())
	}
	assertNoCredentials(t, "error", err.Error())
}

func TestWaitForDeployInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 3 {
			cancel()
		}
		writeJSON(w, http.StatusOK, fullFunction(StatusDeploying))
	})
	_, err := srv.client().WaitForDeploy(ctx, testID, fastPoll)
	var we *WaitError
	if !errors.As(err, &we) || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("error %v", err)
	}
}

func TestWaitForDeployDeleting(t *testing.T) {
	seq := &statusSequence{statuses: []string{StatusDeploying, StatusDeleting}}
	srv := newAPIServer(t, seq.handler(t))
	_, err := srv.client().WaitForDeploy(context.Background(), testID, fastPoll)
	var we *WaitError
	if !errors.As(err, &we) || we.Last == nil || we.Last.Status != StatusDeleting || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("error %v", err)
	}
}

func TestWaitForDeployGetFails(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusUnauthorized, "token expired", nil)
	})
	_, err := srv.client().WaitForDeploy(context.Background(), testID, fastPoll)
	var we *WaitError
	if !errors.As(err, &we) || !errors.Is(err, ErrUnauthorized) || we.Last != nil || !strings.Contains(err.Error(), "status is unknown") {
		t.Fatalf("error %v", err)
	}
	if srv.count() != 1 {
		t.Errorf("%d polls after a 401", srv.count())
	}
}

func TestWaitForDeletion(t *testing.T) {
	t.Run("gone", func(t *testing.T) {
		seq := &statusSequence{statuses: []string{StatusDeleting, StatusDeleting, "404"}}
		srv := newAPIServer(t, seq.handler(t))
		if err := srv.client().WaitForDeletion(context.Background(), testID, fastPoll); err != nil {
			t.Fatal(err)
		}
		if seq.count() != 3 {
			t.Errorf("%d polls", seq.count())
		}
	})
	t.Run("already gone", func(t *testing.T) {
		seq := &statusSequence{statuses: []string{"404"}}
		srv := newAPIServer(t, seq.handler(t))
		if err := srv.client().WaitForDeletion(context.Background(), testID, fastPoll); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		seq := &statusSequence{statuses: []string{StatusDeleting}}
		srv := newAPIServer(t, seq.handler(t))
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		err := srv.client().WaitForDeletion(ctx, testID, fastPoll)
		var we *WaitError
		if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) || we.Wanted != "deleted" || we.Last == nil || we.Last.Status != StatusDeleting {
			t.Fatalf("error %v", err)
		}
	})
	// A 5xx says nothing about the function: the wait rides it out until its
	// own timeout, and then says what the last read answered.
	t.Run("server error", func(t *testing.T) {
		srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusInternalServerError, "db down", nil)
		})
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		err := srv.client(func(c *Config) { c.MaxRetries = 1 }).WaitForDeletion(ctx, testID, fastPoll)
		var we *WaitError
		if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "db down") {
			t.Fatalf("error %v, want the timeout with the last server error", err)
		}
	})
}

func TestWaitUntilSettled(t *testing.T) {
	for _, final := range []string{StatusRunning, StatusFailed} {
		t.Run(final, func(t *testing.T) {
			seq := &statusSequence{statuses: []string{StatusDeploying, StatusDeploying, final}}
			srv := newAPIServer(t, seq.handler(t))
			f, err := srv.client().WaitUntilSettled(context.Background(), testID, fastPoll)
			if err != nil {
				t.Fatal(err)
			}
			if f.Status != final || seq.count() != 3 {
				t.Errorf("returned %s after %d polls", f.Status, seq.count())
			}
		})
	}
	t.Run("not found", func(t *testing.T) {
		seq := &statusSequence{statuses: []string{StatusDeploying, "404"}}
		srv := newAPIServer(t, seq.handler(t))
		f, err := srv.client().WaitUntilSettled(context.Background(), testID, fastPoll)
		if !IsNotFound(err) {
			t.Fatalf("error %v, want not found", err)
		}
		var we *WaitError
		if errors.As(err, &we) {
			t.Errorf("a 404 is wrapped in a WaitError: %v", err)
		}
		if f == nil || f.Status != StatusDeploying {
			t.Errorf("returned %+v, want the last function read", f)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		seq := &statusSequence{statuses: []string{StatusDeploying}}
		srv := newAPIServer(t, seq.handler(t))
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_, err := srv.client().WaitUntilSettled(ctx, testID, fastPoll)
		var we *WaitError
		if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) || we.Last == nil || we.Last.Status != StatusDeploying {
			t.Fatalf("error %v", err)
		}
	})
}

func TestPollDefaults(t *testing.T) {
	if p := (Poll{}).withDefaults(); p.Initial != DefaultPoll.Initial || p.Max != DefaultPoll.Max {
		t.Errorf("zero Poll gives %+v", p)
	}
	if p := (Poll{Initial: 10 * time.Second}).withDefaults(); p.Max != 10*time.Second {
		t.Errorf("Max below Initial gives %+v", p)
	}
	if p := (Poll{Initial: time.Millisecond, Max: 3 * time.Millisecond}).withDefaults(); p.Max != 3*time.Millisecond {
		t.Errorf("a valid Poll is changed: %+v", p)
	}
}
