// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
)

// contractHandler answers every endpoint of the contract with a valid body.
func contractHandler(t *testing.T) http.HandlerFunc {
	mux := http.NewServeMux()
	p := func(s string) string {
		method, path, _ := strings.Cut(s, " ")
		return method + " " + strings.TrimSuffix(api.BasePath, "/") + path
	}
	mux.HandleFunc(p("POST /functions"), func(w http.ResponseWriter, r *http.Request) {
		// The short create response the contract allows (DESIGN.md#create-and-adopt).
		writeJSON(w, http.StatusCreated, map[string]any{
			"id": testID, "name": "hello-fn", "namespace": "e2e-faas-20235-dl",
			"status": StatusDeploying, "created_at": "2025-01-02T03:04:05Z",
		})
	})
	mux.HandleFunc(p("GET /functions"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, FunctionList{Functions: []Function{*fullFunction(StatusRunning)}, Total: 1, Page: 1, PerPage: 50})
	})
	mux.HandleFunc(p("GET /functions/{id}"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fullFunction(StatusRunning))
	})
	mux.HandleFunc(p("PUT /functions/{id}"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fullFunction(StatusDeploying))
	})
	mux.HandleFunc(p("DELETE /functions/{id}"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusAccepted, fullFunction(StatusDeleting))
	})
	mux.HandleFunc(p("PUT /functions/{id}/{op}"), func(w http.ResponseWriter, r *http.Request) {
		f := fullFunction(StatusDeploying)
		if r.PathValue("op") == "metadata" {
			f.Status = StatusRunning
		}
		writeJSON(w, http.StatusOK, f)
	})
	mux.HandleFunc(p("POST /functions/{id}/{op}"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fullFunction(StatusDeploying))
	})
	mux.HandleFunc(p("POST /secrets"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, Secret{ID: "s-1", Name: "db-password", Namespace: "e2e-faas-20235-dl", CreatedAt: "2025-01-02T03:04:05Z"})
	})
	mux.HandleFunc(p("GET /secrets"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"secrets": []Secret{{ID: "s-1", Name: "db-password", Namespace: "e2e-faas-20235-dl", CreatedAt: "2025-01-02T03:04:05Z"}}})
	})
	mux.HandleFunc(p("PUT /secrets/{name}"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, testRotation())
	})
	mux.HandleFunc(p("DELETE /secrets/{name}"), func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc(p("GET /runtimes"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"runtimes": []Runtime{
			{Name: "python3.11", Version: "3.11", Templates: []string{"http", "flask", "fastapi"}, Hardware: []string{"cpu"}},
		}})
	})
	return func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			t.Errorf("no endpoint for %s %s", r.Method, r.URL.Path)
		}
		mux.ServeHTTP(w, r)
	}
}

// TestEndpointsSendContractRequests drives every endpoint method and checks
// that the request is the one the contract describes: the test server checks
// each against internal/api/openapi.yaml and checks the credentials; the test checks
// method, path, query and body.
func TestEndpointsSendContractRequests(t *testing.T) {
	archive := testArchive(4096)
	code := func() *bytesArchive { return &bytesArchive{data: archive} }
	cfg := &FunctionConfig{MemoryMB: 512, TimeoutSeconds: 60, Replicas: 2, HardwareType: "cpu", MinScale: 0, MaxScale: 4}

	tests := []struct {
		name      string
		call      func(context.Context, *Client) (any, error)
		method    string
		path      string
		query     map[string][]string // besides apikey; nil: none
		body      map[string]any      // nil: no body; code_archive is checked apart
		withCode  bool
		checkResp func(t *testing.T, got any)
	}{
		{
			name: "CreateFunction",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateFunction(ctx, &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{
					Runtime: "python3.11", Template: "http", HandlerFunction: "handler.handle",
					Code: code(), Requirements: "requests\n", Config: cfg,
					Environment: map[string]string{"MODE": "prod"}, Secrets: []string{"db-password"},
					Labels: map[string]string{"team": "core"}, Annotations: map[string]string{"owner": "ops"},
				}})
			},
			method: "POST", path: "functions",
			body: map[string]any{
				"name": "hello-fn", "runtime": "python3.11", "template": "http", "handler_function": "handler.handle",
				"requirements": "requests\n", "config": jsonValue(t, cfg),
				"environment": map[string]any{"MODE": "prod"}, "secrets": []any{"db-password"},
				"labels": map[string]any{"team": "core"}, "annotations": map[string]any{"owner": "ops"},
			},
			withCode: true,
			checkResp: func(t *testing.T, got any) {
				f := as[*Function](t, got)
				if f.ID != testID || f.Status != StatusDeploying || f.Complete() {
					t.Errorf("short create response decoded as %+v", f)
				}
			},
		},
		{
			name: "CreateFunction with no optional fields",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateFunction(ctx, &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{Runtime: "node20", Code: code()}})
			},
			method: "POST", path: "functions",
			body:     map[string]any{"name": "hello-fn", "runtime": "node20", "environment": map[string]any{}, "secrets": []any{}, "labels": map[string]any{}, "annotations": map[string]any{}},
			withCode: true,
		},
		{
			name:   "GetFunction",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetFunction(ctx, testID) },
			method: "GET", path: "functions/" + testID,
			checkResp: func(t *testing.T, got any) {
				if !reflect.DeepEqual(got, fullFunction(StatusRunning)) || !as[*Function](t, got).Complete() {
					t.Errorf("decoded %+v", got)
				}
			},
		},
		{
			name: "ListFunctions",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.listFunctions(ctx, ListFunctionsOptions{Name: "hello-fn", Labels: map[string]string{"team": "core", "env": "prod"}, Page: 2, PerPage: 20})
			},
			method: "GET", path: "functions",
			query: map[string][]string{"name": {"hello-fn"}, "label": {"env=prod", "team=core"}, "page": {"2"}, "per_page": {"20"}},
			checkResp: func(t *testing.T, got any) {
				l := as[*FunctionList](t, got)
				if l.Total != 1 || len(l.Functions) != 1 || l.Functions[0].ID != testID {
					t.Errorf("decoded %+v", l)
				}
			},
		},
		{
			name:   "ListFunctions with no options",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.listFunctions(ctx, ListFunctionsOptions{}) },
			method: "GET", path: "functions", query: map[string][]string{},
		},
		{
			name: "UpdateFunction",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateFunction(ctx, testID, &UpdateFunctionRequest{
					Runtime: "python3.11", Template: "flask", HandlerFunction: "app.main", Code: code(),
					Requirements: "flask\n", Config: cfg,
					Environment: map[string]string{"A": "1"}, Secrets: []string{"s1", "s2"},
					Labels: map[string]string{}, Annotations: map[string]string{"x": "y"},
				})
			},
			method: "PUT", path: "functions/" + testID,
			body: map[string]any{
				"runtime": "python3.11", "template": "flask", "handler_function": "app.main", "requirements": "flask\n",
				"config": jsonValue(t, cfg), "environment": map[string]any{"A": "1"}, "secrets": []any{"s1", "s2"},
				"labels": map[string]any{}, "annotations": map[string]any{"x": "y"},
			},
			withCode: true,
			checkResp: func(t *testing.T, got any) {
				if as[*Function](t, got).Status != StatusDeploying {
					t.Errorf("decoded %+v", got)
				}
			},
		},
		{
			name: "UpdateFunctionCode",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateFunctionCode(ctx, testID, &CodeUpdate{Code: code(), Requirements: "", HandlerFunction: "main.handle", Template: "http"})
			},
			method: "PUT", path: "functions/" + testID + "/code",
			body:     map[string]any{"requirements": "", "handler_function": "main.handle", "template": "http"},
			withCode: true,
		},
		{
			name:   "UpdateFunctionConfig",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.UpdateFunctionConfig(ctx, testID, cfg) },
			method: "PUT", path: "functions/" + testID + "/config",
			body: jsonValue(t, cfg),
		},
		{
			name: "UpdateFunctionConfig sends min_scale zero",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateFunctionConfig(ctx, testID, &FunctionConfig{MemoryMB: 128, TimeoutSeconds: 1, Replicas: 1, HardwareType: "gpu", MinScale: 0, MaxScale: 1})
			},
			method: "PUT", path: "functions/" + testID + "/config",
			body: map[string]any{"memory_mb": 128.0, "timeout_seconds": 1.0, "replicas": 1.0, "hardware_type": "gpu", "min_scale": 0.0, "max_scale": 1.0},
		},
		{
			name: "UpdateFunctionEnvironment",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateFunctionEnvironment(ctx, testID, &EnvironmentUpdate{Environment: map[string]string{"K": "V"}, Secrets: []string{"db-password"}})
			},
			method: "PUT", path: "functions/" + testID + "/environment",
			body: map[string]any{"environment": map[string]any{"K": "V"}, "secrets": []any{"db-password"}},
		},
		{
			name: "UpdateFunctionEnvironment clearing everything",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateFunctionEnvironment(ctx, testID, &EnvironmentUpdate{})
			},
			method: "PUT", path: "functions/" + testID + "/environment",
			body: map[string]any{"environment": map[string]any{}, "secrets": []any{}},
		},
		{
			name: "UpdateFunctionMetadata",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateFunctionMetadata(ctx, testID, &MetadataUpdate{Labels: map[string]string{"team": "ml"}, Annotations: nil})
			},
			method: "PUT", path: "functions/" + testID + "/metadata",
			body: map[string]any{"labels": map[string]any{"team": "ml"}, "annotations": map[string]any{}},
		},
		{
			name:   "DeployFunction",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.DeployFunction(ctx, testID) },
			method: "POST", path: "functions/" + testID + "/deploy",
		},
		{
			name:   "DeleteFunction",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.DeleteFunction(ctx, testID) },
			method: "DELETE", path: "functions/" + testID,
			checkResp: func(t *testing.T, got any) {
				if as[*Function](t, got).Status != StatusDeleting {
					t.Errorf("decoded %+v", got)
				}
			},
		},
		{
			name: "CreateSecret",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateSecret(ctx, &CreateSecretRequest{Name: "db-password", Value: "hunter2", Namespace: "e2e-faas-20235-dl"})
			},
			method: "POST", path: "secrets",
			body: map[string]any{"name": "db-password", "value": "hunter2", "namespace": "e2e-faas-20235-dl"},
			checkResp: func(t *testing.T, got any) {
				if s := as[*Secret](t, got); s.ID != "s-1" || s.Name != "db-password" {
					t.Errorf("decoded %+v", s)
				}
			},
		},
		{
			name: "CreateSecret without namespace",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateSecret(ctx, &CreateSecretRequest{Name: "db-password", Value: "hunter2"})
			},
			method: "POST", path: "secrets",
			body: map[string]any{"name": "db-password", "value": "hunter2"},
		},
		{
			name:   "ListSecrets",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListSecrets(ctx) },
			method: "GET", path: "secrets",
			checkResp: func(t *testing.T, got any) {
				if s := as[[]Secret](t, got); len(s) != 1 || s[0].Name != "db-password" {
					t.Errorf("decoded %+v", s)
				}
			},
		},
		{
			name: "UpdateSecret",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateSecret(ctx, "db-password", "hunter3")
			},
			method: "PUT", path: "secrets/db-password",
			body: map[string]any{"value": "hunter3"},
			checkResp: func(t *testing.T, got any) {
				if r := as[*SecretRotation](t, got); !reflect.DeepEqual(r, testRotation()) {
					t.Errorf("decoded %+v, want %+v", r, testRotation())
				}
			},
		},
		{
			name:   "DeleteSecret",
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteSecret(ctx, "db-password") },
			method: "DELETE", path: "secrets/db-password",
		},
		{
			name:   "ListRuntimes",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListRuntimes(ctx) },
			method: "GET", path: "runtimes",
			checkResp: func(t *testing.T, got any) {
				if r := as[[]Runtime](t, got); len(r) != 1 || r[0].Name != "python3.11" || len(r[0].Templates) != 3 {
					t.Errorf("decoded %+v", r)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, contractHandler(t))
			got, err := tc.call(context.Background(), srv.client())
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if srv.count() != 1 {
				t.Fatalf("the server saw %d requests, want 1", srv.count())
			}
			ex := srv.last()
			if ex.Method != tc.method || ex.Path != api.BasePath+tc.path {
				t.Errorf("sent %s %s, want %s %s", ex.Method, ex.Path, tc.method, api.BasePath+tc.path)
			}
			q := map[string][]string(ex.Query)
			delete(q, "apikey")
			if len(q)+len(tc.query) > 0 && !reflect.DeepEqual(q, tc.query) {
				t.Errorf("query %v, want %v", q, tc.query)
			}
			switch {
			case tc.body == nil && len(ex.Body) != 0:
				t.Errorf("sent a body %s, want none", ex.Body)
			case tc.body != nil:
				fields, gotCode := decodeBody(t, ex.Body)
				if !reflect.DeepEqual(fields, tc.body) {
					t.Errorf("body %v\nwant %v", fields, tc.body)
				}
				if tc.withCode && !bytes.Equal(gotCode, archive) {
					t.Errorf("code_archive decodes to %d bytes that differ from the %d-byte archive", len(gotCode), len(archive))
				}
				if !tc.withCode && gotCode != nil {
					t.Errorf("a code_archive was sent")
				}
			}
			if tc.checkResp != nil {
				tc.checkResp(t, got)
			}
		})
	}
}

func TestCreateAndUpdateRequireCode(t *testing.T) {
	srv := newAPIServer(t, contractHandler(t))
	c := srv.client()
	if _, err := c.CreateFunction(context.Background(), &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{Runtime: "node20"}}); err == nil {
		t.Error("CreateFunction without code: no error")
	}
	if _, err := c.UpdateFunctionCode(context.Background(), testID, &CodeUpdate{}); err == nil {
		t.Error("UpdateFunctionCode without code: no error")
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// TestPathSegmentsEscapedOnce checks that an ID or a secret name with
// characters that need escaping stays one path segment, escaped once.
func TestPathSegmentsEscapedOnce(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, r.URL.EscapedPath())
		writeError(w, http.StatusNotFound, "no such thing", nil)
	}))
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL + "/faas/api/v1", APIKey: testKey, AuthToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetFunction(context.Background(), "a b/c?d")
	if !IsNotFound(err) {
		t.Fatalf("GetFunction: %v", err)
	}
	if err := c.DeleteSecret(context.Background(), "x/y"); !IsNotFound(err) {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if _, err := c.UpdateSecret(context.Background(), "x/y", "v4lue"); !IsNotFound(err) {
		t.Fatalf("UpdateSecret: %v", err)
	}
	want := []string{"/faas/api/v1/functions/a%20b%2Fc%3Fd", "/faas/api/v1/secrets/x%2Fy", "/faas/api/v1/secrets/x%2Fy"}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
}

// TestCodeArchiveStreams uploads a multi-megabyte archive whose second half
// can be read only after the server has received part of the first: a client
// that read the archive, or built the JSON document, before sending would
// deadlock here. The server decodes code_archive and compares it with the
// archive.
func TestCodeArchiveStreams(t *testing.T) {
	const size = 6 << 20
	data := testArchive(size)
	want := sha256.Sum256(data)
	gate := make(chan struct{})
	archive := &gatedArchive{data: data, gate: gate}

	checker, err := api.NewChecker()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != -1 {
			t.Errorf("Content-Length %d: the body was sized, so built before sending", r.ContentLength)
		}
		var body bytes.Buffer
		// Receive the first megabyte of the body, then let the archive go on.
		if _, err := io.CopyN(&body, r.Body, 1<<20); err != nil {
			t.Errorf("reading the first megabyte: %v", err)
		}
		close(gate)
		if _, err := io.Copy(&body, r.Body); err != nil {
			t.Errorf("reading the rest: %v", err)
		}
		var req map[string]any
		if err := json.Unmarshal(body.Bytes(), &req); err != nil {
			t.Fatalf("body is not JSON: %v", err)
		}
		encoded, ok := req["code_archive"].(string)
		if !ok {
			t.Errorf("code_archive is %T, not a string", req["code_archive"])
		}
		got, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			t.Errorf("code_archive: %v", err)
		}
		// Decoding proves code_archive is base64 better than the schema's
		// format check, whose regular expression over megabytes takes
		// half a minute under -race; the rest of the body is checked
		// against the contract with a stand-in archive.
		req["code_archive"] = base64.StdEncoding.EncodeToString([]byte("PK"))
		small, _ := json.Marshal(req)
		if err := checker.CheckRequest(r, small); err != nil {
			t.Errorf("contract: %v", err)
		}
		if sum := sha256.Sum256(got); sum != want || req["name"] != "big-fn" {
			t.Errorf("received %q with %d archive bytes (sha256 %s), want %d bytes (sha256 %s)",
				req["name"], len(got), hex.EncodeToString(sum[:]), size, hex.EncodeToString(want[:]))
		}
		writeJSON(w, http.StatusCreated, named(testID, "big-fn", "ns"))
	}))
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL + api.BasePath, APIKey: testKey, AuthToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f, err := c.CreateFunction(ctx, &CreateFunctionRequest{Name: "big-fn", FunctionSpec: FunctionSpec{Runtime: "python3.11", Code: archive}})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if f.ID != testID {
		t.Errorf("decoded %+v", f)
	}
	waitNoEncoders(t)
}

// gatedArchive yields its first megabyte at once and the rest once gate is
// closed. Only the readers that get past the first megabyte wait.
type gatedArchive struct {
	data []byte
	gate chan struct{}
}

func (a *gatedArchive) Open() (io.ReadCloser, error) {
	first := bytes.NewReader(a.data[:1<<20])
	rest := readerFunc(func(p []byte) (int, error) {
		<-a.gate
		return 0, io.EOF
	})
	return io.NopCloser(io.MultiReader(first, rest, bytes.NewReader(a.data[1<<20:]))), nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func waitNoEncoders(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for encoderGoroutines() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d encoding goroutine(s) still run", encoderGoroutines())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCodeArchiveRetriedIdentically checks that a retried PUT opens the
// archive again and sends the same bytes, and that every reader is closed.
func TestCodeArchiveRetriedIdentically(t *testing.T) {
	data := testArchive(64<<10 + 7)
	archive := &bytesArchive{data: data}
	var mu sync.Mutex
	var bodies [][]byte
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		n := len(bodies)
		mu.Unlock()
		if n < 3 {
			writeError(w, http.StatusServiceUnavailable, "busy", nil)
			return
		}
		writeJSON(w, http.StatusOK, fullFunction(StatusDeploying))
	})
	_, err := srv.client().UpdateFunctionCode(context.Background(), testID, &CodeUpdate{Code: archive, Requirements: "x"})
	if err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 3 {
		t.Fatalf("%d attempts, want 3", len(bodies))
	}
	for i, b := range bodies {
		_, got := decodeBody(t, b)
		if !bytes.Equal(got, data) {
			t.Errorf("attempt %d sent %d archive bytes that differ from the archive", i+1, len(got))
		}
	}
	waitAllClosed(t, archive)
}

// TestCodeArchiveOpenFails checks that an archive that cannot be opened fails
// the call at once, with no request sent and no goroutine left behind.
func TestCodeArchiveOpenFails(t *testing.T) {
	srv := newAPIServer(t, contractHandler(t))
	archive := &bytesArchive{data: []byte("zip"), openErr: errors.New("permission denied on build/fn.zip")}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := srv.client().CreateFunction(ctx, &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{Runtime: "node20", Code: archive}})
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		t.Fatal("CreateFunction hangs when the archive cannot be opened")
	}
	if err == nil || !strings.Contains(err.Error(), "permission denied on build/fn.zip") || !strings.Contains(err.Error(), "code archive") {
		t.Fatalf("error %v, want one naming the archive and the cause", err)
	}
	assertNoCredentials(t, "error", err.Error())
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	waitNoEncoders(t)
}

// TestCodeArchiveOpenFailsOnRetry: the archive opens for the first attempt
// but not for the retry; the error surfaces and nothing leaks.
func TestCodeArchiveOpenFailsOnRetry(t *testing.T) {
	archive := &flakyArchive{bytesArchive: bytesArchive{data: testArchive(1 << 16)}}
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		archive.broken.Store(true)
		writeError(w, http.StatusBadGateway, "upstream", nil)
	})
	_, err := srv.client().UpdateFunction(context.Background(), testID, &UpdateFunctionRequest{Runtime: "node20", Code: archive})
	if err == nil || !strings.Contains(err.Error(), "archive is gone") {
		t.Fatalf("error %v, want the Open failure", err)
	}
	assertNoCredentials(t, "error", err.Error())
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests sent, want 1", n)
	}
	waitAllClosed(t, &archive.bytesArchive)
}

type flakyArchive struct {
	bytesArchive
	broken atomic.Bool
}

func (a *flakyArchive) Open() (io.ReadCloser, error) {
	if a.broken.Load() {
		return nil, errors.New("archive is gone")
	}
	return a.bytesArchive.Open()
}

// TestCodeArchiveReadFails checks that a read error in the middle of the
// archive ends the request with that error, after the retries, and that
// every reader and encoding goroutine is gone.
func TestCodeArchiveReadFails(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusBadRequest, "bad", nil)
	})
	archive := &bytesArchive{data: testArchive(1 << 20), readErr: errors.New("disk read error")}
	_, err := srv.client().UpdateFunctionCode(context.Background(), testID, &CodeUpdate{Code: archive})
	te := asTransportError(t, err)
	if !strings.Contains(err.Error(), "disk read error") {
		t.Errorf("error %v does not give the cause", err)
	}
	if te.Attempts != 4 {
		t.Errorf("%d attempts, want 4 (1 + MaxRetries)", te.Attempts)
	}
	assertNoCredentials(t, "error", err.Error())
	if srv.count() != 0 {
		t.Errorf("a request with a truncated archive reached the handler")
	}
	waitAllClosed(t, archive)
}

// TestCodeArchiveServerAnswersEarly: the server refuses a large upload
// without reading it; the client reports the answer and closes the archive.
func TestCodeArchiveServerAnswersEarly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusBadRequest, "archive too large", map[string][]string{"code_archive": {"larger than 50 MiB"}})
	}))
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL + api.BasePath, APIKey: testKey, AuthToken: testToken, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	archive := &bytesArchive{data: testArchive(8 << 20)}
	_, err = c.CreateFunction(context.Background(), &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{Runtime: "node20", Code: archive}})
	if err == nil {
		t.Fatal("no error for a refused upload")
	}
	if !isBadRequest(err) {
		// The client may see the reset of its upload before the answer;
		// either way the call must end and release the archive.
		_ = asTransportError(t, err)
	}
	waitAllClosed(t, archive)
}
