// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// createServer plays the server side of POST functions with Idempotency-Key:
// it remembers the function a key created and answers a repeated key with it.
type createServer struct {
	mu      sync.Mutex
	byName  map[string]Function
	posts   atomic.Int32
	lookups atomic.Int32
	keys    []string
	// failPost says what POST number n does: "" answers normally; "500" and
	// "drop" fail before making anything; "drop-after-write", "no-id" and
	// "wrong-types" make the function, then drop the connection or answer
	// 201 without a readable function.
	failPost func(n int32) string
}

func (cs *createServer) handle(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			cs.lookups.Add(1)
			list := FunctionList{Functions: []Function{}, Page: 1, PerPage: 200}
			if f, ok := cs.byName[r.URL.Query().Get("name")]; ok {
				list.Functions = append(list.Functions, f)
			}
			list.Total = len(list.Functions)
			writeJSON(w, http.StatusOK, list)
		case http.MethodPost:
			n := cs.posts.Add(1)
			key := r.Header.Get("Idempotency-Key")
			cs.keys = append(cs.keys, key)
			var body struct {
				Name string `json:"name"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Errorf("decode: %v", err)
			}
			mode := ""
			if cs.failPost != nil {
				mode = cs.failPost(n)
			}
			if failBeforeMaking(t, w, mode) {
				return
			}
			if f, ok := cs.byName[body.Name]; ok {
				if f.CreateRequestID != key {
					writeError(w, http.StatusConflict, "name taken", nil)
					return
				}
			} else {
				f := named(testID, body.Name, "ns")
				f.CreateRequestID = key
				cs.byName[body.Name] = f
			}
			switch mode {
			case "drop-after-write":
				dropConnection(t, w)
				return
			case "no-id":
				writeJSON(w, http.StatusCreated, map[string]any{"name": body.Name, "status": StatusDeploying})
				return
			case "wrong-types":
				writeJSON(w, http.StatusCreated, map[string]any{"id": 7, "name": []string{body.Name}})
				return
			}
			writeJSON(w, http.StatusCreated, cs.byName[body.Name])
		}
	}
}

// failBeforeMaking plays the POST modes that fail before anything is made:
// "500" answers a server error, "drop" drops the connection. It reports
// whether it answered.
func failBeforeMaking(t *testing.T, w http.ResponseWriter, mode string) bool {
	switch mode {
	case "500":
		writeError(w, http.StatusInternalServerError, "oops", nil)
		return true
	case "drop":
		dropConnection(t, w)
		return true
	}
	return false
}

func createReq() *CreateFunctionRequest {
	return &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{Runtime: "node20", Code: &bytesArchive{data: testArchive(1000)}}}
}

// A create whose answer is lost after the server made the function adopts
// it: one POST, then the lookup finds this create's key.
func TestCreateAdoptsAfterLostAnswer(t *testing.T) {
	cs := &createServer{byName: map[string]Function{}, failPost: func(int32) string { return "drop-after-write" }}
	srv := newAPIServer(t, cs.handle(t))
	f, err := srv.client().CreateFunction(context.Background(), createReq())
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != testID || f.CreateRequestID == "" || f.Adopted {
		t.Errorf("found %+v, want this create's function, not marked adopted", f)
	}
	if cs.posts.Load() != 1 || cs.lookups.Load() != 1 {
		t.Errorf("%d POSTs and %d lookups, want 1 and 1", cs.posts.Load(), cs.lookups.Load())
	}
}

// A 5xx that did nothing: the lookup finds no function, the POST is sent
// again with the same key, and exactly one function results.
func TestCreateRetriesWithSameKeyWhenNothingWasMade(t *testing.T) {
	cs := &createServer{byName: map[string]Function{}, failPost: func(n int32) string {
		if n <= 2 {
			return "500"
		}
		return ""
	}}
	srv := newAPIServer(t, cs.handle(t))
	f, err := srv.client().CreateFunction(context.Background(), createReq())
	if err != nil {
		t.Fatal(err)
	}
	if cs.posts.Load() != 3 || len(cs.byName) != 1 || f.ID != testID {
		t.Errorf("%d POSTs, %d functions", cs.posts.Load(), len(cs.byName))
	}
	for _, k := range cs.keys {
		if k == "" || k != cs.keys[0] {
			t.Errorf("Idempotency-Keys %q: every attempt must carry the same one", cs.keys)
		}
	}
	if !uuidShape.MatchString(cs.keys[0]) {
		t.Errorf("Idempotency-Key %q is not a UUID", cs.keys[0])
	}
}

// uuidShape is the text form of a UUID; the key is random, of no version.
var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Two creates never share a key.
func TestCreateKeysDiffer(t *testing.T) {
	cs := &createServer{byName: map[string]Function{}}
	srv := newAPIServer(t, cs.handle(t))
	c := srv.client()
	for _, name := range []string{"fn-a", "fn-b"} {
		req := createReq()
		req.Name = name
		if _, err := c.CreateFunction(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if len(cs.keys) != 2 || cs.keys[0] == cs.keys[1] {
		t.Errorf("Idempotency-Keys %q, want two different ones", cs.keys)
	}
}

// A dropped connection before the server acted, then success.
func TestCreateRetriesAfterDropBeforeWrite(t *testing.T) {
	cs := &createServer{byName: map[string]Function{}, failPost: func(n int32) string {
		if n == 1 {
			return "drop"
		}
		return ""
	}}
	srv := newAPIServer(t, cs.handle(t))
	if _, err := srv.client().CreateFunction(context.Background(), createReq()); err != nil {
		t.Fatal(err)
	}
	if cs.posts.Load() != 2 || len(cs.byName) != 1 {
		t.Errorf("%d POSTs, %d functions", cs.posts.Load(), len(cs.byName))
	}
}

// A function of that name that this create did not make is somebody else's:
// never adopted, and the error says which it is.
func TestCreateRefusesSomebodyElsesFunction(t *testing.T) {
	other := named("99999999-9999-4999-8999-999999999999", "hello-fn", "ns")
	other.CreateRequestID = "someone-else"
	for name, mode := range map[string]string{"conflict": "", "ambiguous": "500"} {
		t.Run(name, func(t *testing.T) {
			cs := &createServer{byName: map[string]Function{"hello-fn": other}, failPost: func(int32) string { return mode }}
			srv := newAPIServer(t, cs.handle(t))
			_, err := srv.client().CreateFunction(context.Background(), createReq())
			var taken *NameTakenError
			if !errors.As(err, &taken) || taken.Existing.ID != other.ID {
				t.Fatalf("error %v, want a NameTakenError naming %s", err, other.ID)
			}
			if cs.posts.Load() != 1 {
				t.Errorf("%d POSTs, want 1", cs.posts.Load())
			}
		})
	}
}

// A server that keeps failing: POSTs stop after MaxRetries+1, all with one key.
func TestCreateGivesUp(t *testing.T) {
	cs := &createServer{byName: map[string]Function{}, failPost: func(int32) string { return "500" }}
	srv := newAPIServer(t, cs.handle(t))
	_, err := srv.client(func(c *Config) { c.MaxRetries = 3 }).CreateFunction(context.Background(), createReq())
	if !errors.Is(err, ErrServer) {
		t.Fatalf("error %v, want the server error", err)
	}
	if cs.posts.Load() != 4 || len(cs.byName) != 0 {
		t.Errorf("%d POSTs, %d functions; want 4 and 0", cs.posts.Load(), len(cs.byName))
	}
}

// A 2xx whose body is not a function with an id leaves open whether
// anything was made: the function is looked up as after a lost answer.
func TestCreateAnswerWithoutID(t *testing.T) {
	for _, mode := range []string{"no-id", "wrong-types"} {
		t.Run(mode, func(t *testing.T) {
			cs := &createServer{byName: map[string]Function{}, failPost: func(int32) string { return mode }}
			srv := newAPIServer(t, cs.handle(t), lenient) // the answer breaks the contract on purpose
			f, err := srv.client().CreateFunction(context.Background(), createReq())
			if err != nil {
				t.Fatal(err)
			}
			if f.ID != testID || f.Adopted {
				t.Errorf("function %+v, want the one this create made", f)
			}
			if cs.posts.Load() != 1 || cs.lookups.Load() != 1 {
				t.Errorf("%d POSTs and %d lookups, want 1 and 1", cs.posts.Load(), cs.lookups.Load())
			}
		})
	}
}

// v1NoKeyServer is a faas-v1 API that does not report create_request_id:
// the list carries short entries, GET functions/{id} the full object.
type v1NoKeyServer struct {
	mu       sync.Mutex
	existing *Function
	postMode string // "", "500", "drop", "drop-after-write", "no-id"
	posts    int
	lookups  int
	reads    int
}

func (s *v1NoKeyServer) handle(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case r.Method == http.MethodPost:
			s.posts++
			var body struct {
				CreateFunctionRequest
				CodeArchive []byte `json:"code_archive"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Errorf("decode: %v", err)
			}
			if failBeforeMaking(t, w, s.postMode) {
				return
			}
			if s.existing != nil {
				writeError(w, http.StatusConflict, "name taken", map[string][]string{"name": {"taken"}})
				return
			}
			f := fullFunction(StatusDeploying)
			f.Name, f.Runtime, f.Config = body.Name, body.Runtime, body.Config
			f.Environment, f.Secrets, f.Requirements = body.Environment, body.Secrets, body.Requirements
			f.CodeSHA256 = fmt.Sprintf("%x", sha256.Sum256(body.CodeArchive))
			s.existing = f
			switch s.postMode {
			case "drop-after-write":
				dropConnection(t, w)
			case "no-id":
				writeJSON(w, http.StatusCreated, map[string]any{"name": f.Name, "status": f.Status})
			default:
				writeJSON(w, http.StatusCreated, f)
			}
		case strings.HasSuffix(r.URL.Path, "/runtimes"):
			writeJSON(w, http.StatusOK, map[string]any{"runtimes": []any{}})
		case strings.HasSuffix(r.URL.Path, "/functions"):
			s.lookups++
			list := FunctionList{Functions: []Function{}, Page: 1, PerPage: 200}
			if s.existing != nil && s.existing.Name == r.URL.Query().Get("name") {
				list.Functions = append(list.Functions, named(s.existing.ID, s.existing.Name, s.existing.Namespace))
			}
			list.Total = len(list.Functions)
			writeJSON(w, http.StatusOK, list)
		default:
			s.reads++
			if s.existing == nil {
				writeError(w, http.StatusNotFound, "no such function", nil)
				return
			}
			writeJSON(w, http.StatusOK, s.existing)
		}
	}
}

// Without create_request_id in the API's answers, a function found after an
// ambiguous create is adopted only when it matches what was sent (code,
// runtime, memory, timeout, environment), and somebody else's otherwise.
func TestCreateWithoutCreateRequestID(t *testing.T) {
	req := createReq()
	req.Runtime = "python3.11"
	req.Config = &FunctionConfig{MemoryMB: 256, TimeoutSeconds: 30, Replicas: 1, HardwareType: "cpu", MaxScale: 3}
	req.CodeSHA256 = fmt.Sprintf("%x", sha256.Sum256(testArchive(1000)))
	req.Environment, req.Secrets, req.Requirements = map[string]string{"MODE": "prod"}, []string{"db-password"}, "requests==2.32.0\n"
	other := func(runtime, hardware string) *Function {
		f := fullFunction(StatusRunning)
		f.Runtime, f.Config.HardwareType = runtime, hardware
		f.CodeSHA256 = req.CodeSHA256
		return f
	}
	sent := other("python3.11", "cpu")
	otherCode := other("python3.11", "cpu")
	otherCode.CodeSHA256 = strings.Repeat("cd", 32)
	otherMemory := other("python3.11", "cpu")
	otherMemory.Config.MemoryMB = 1024
	otherEnvironment := other("python3.11", "cpu")
	otherEnvironment.Environment = map[string]string{"MODE": "dev"}
	tests := []struct {
		name        string
		existing    *Function
		postMode    string
		wantAdopted bool
		wantTaken   bool
	}{
		{name: "lost answer: adopted", postMode: "drop-after-write", wantAdopted: true},
		{name: "answer without id: adopted", postMode: "no-id", wantAdopted: true},
		{name: "5xx, another runtime: refused", existing: other("node20", "cpu"), postMode: "500", wantTaken: true},
		{name: "dropped, other hardware: refused", existing: other("python3.11", "gpu"), postMode: "drop", wantTaken: true},
		{name: "5xx, the very function sent: adopted", existing: sent, postMode: "500", wantAdopted: true},
		{name: "5xx, same runtime and hardware, other code: refused", existing: otherCode, postMode: "500", wantTaken: true},
		{name: "5xx, other memory: refused", existing: otherMemory, postMode: "500", wantTaken: true},
		{name: "5xx, other environment: refused", existing: otherEnvironment, postMode: "500", wantTaken: true},
		{name: "taken outright: refused", existing: otherCode, wantTaken: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &v1NoKeyServer{existing: tc.existing, postMode: tc.postMode}
			srv := newAPIServer(t, s.handle(t), lenient) // some answers break the contract on purpose
			f, err := srv.client().CreateFunction(context.Background(), req)
			var taken *NameTakenError
			switch {
			case tc.wantTaken:
				if !errors.As(err, &taken) || taken.Existing.ID != testID {
					t.Fatalf("error %v, want a NameTakenError naming %s", err, testID)
				}
			case err != nil:
				t.Fatal(err)
			case !f.Adopted || f.ID != testID || f.Runtime != "python3.11":
				t.Errorf("function %+v, want %s adopted", f, testID)
			}
			if s.posts != 1 {
				t.Errorf("%d POSTs, want 1", s.posts)
			}
		})
	}
}

// A create whose answer is lost on a reused connection is sent again by Go's
// transport itself (the request carries an Idempotency-Key, which makes it
// replayable there): on a server that neither honours the key nor reports
// create_request_id, the first answer the client sees is then a 409 (with
// field errors), for a function the first sending made. It is the case of a
// lost answer: the function is looked up and, matching what was sent,
// adopted.
func TestCreateConflictAfterTransportResend(t *testing.T) {
	req := createReq()
	req.Runtime = "python3.11"
	req.Config = &FunctionConfig{MemoryMB: 256, TimeoutSeconds: 30, Replicas: 1, HardwareType: "cpu", MaxScale: 3}
	req.CodeSHA256 = fmt.Sprintf("%x", sha256.Sum256(testArchive(1000)))
	s := &v1NoKeyServer{postMode: "drop-after-write"}
	srv := newAPIServer(t, s.handle(t), lenient)
	c := srv.client()
	// A first request leaves a connection in the pool for the POST.
	if _, err := c.ListRuntimes(context.Background()); err != nil {
		t.Fatal(err)
	}
	f, err := c.CreateFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if !f.Adopted || f.ID != testID {
		t.Errorf("function %+v, want %s adopted", f, testID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.posts != 2 {
		t.Errorf("%d POSTs: the transport did not send the create again, and the test proves nothing", s.posts)
	}
}
