// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// The MyAccount dialect's tests. Every exchange is checked against
// internal/api/myaccount.yaml by the test server (myAccountDialect), unless a test
// answers outside it on purpose (lenient).

const (
	myAccountName        = "hello-fn"
	myAccountRuntimeName = "python3-http-debian"
	myAccountCode        = "def handle(req):\n    return 'hi'\n"
	myAccountURL         = "https://hello-fn-abc.serverless.e2enetworks.net/"
)

func writeEnvelope(w http.ResponseWriter, status, code int, data any, message string, errs any) {
	if errs == nil {
		errs = map[string][]string{}
	}
	writeJSON(w, status, map[string]any{"code": code, "data": data, "errors": errs, "message": message})
}

func myAccountOK(w http.ResponseWriter, data any) {
	writeEnvelope(w, http.StatusOK, 200, data, "Success", nil)
}

func myAccountFail(w http.ResponseWriter, status int, message string) {
	writeEnvelope(w, status, status, nil, message, nil)
}

func myAccountNotFound(w http.ResponseWriter) {
	writeEnvelope(w, http.StatusOK, 404, nil, "Function not found", nil)
}

// myAccountWireFunction is a function object carrying every field the wire
// describes.
func myAccountWireFunction(status string) map[string]any {
	return map[string]any{
		"name": myAccountName, "status": status, "runtime": myAccountRuntimeName, "node_type": "cpu", "url": myAccountURL,
		"memory": 512, "timeout": 15, "code": myAccountCode, "requirements": "requests==2.32.0\n",
		"environment_variables": map[string]string{"MODE": "prod"}, "secrets": []string{"db-password"},
		"created_at": "2025-01-02T03:04:05Z", "updated_at": "2025-01-02T03:05:06Z",
	}
}

var allFields = map[Field]bool{
	FieldRuntime: true, FieldRequirements: true, FieldEnvironment: true, FieldSecrets: true,
	FieldMemory: true, FieldTimeout: true, FieldHardware: true, FieldCode: true, FieldInvokeURL: true,
}

// myAccountFullFunction is what myAccountWireFunction decodes to.
func myAccountFullFunction(status string) *Function {
	sum := sha256.Sum256([]byte(myAccountCode))
	return &Function{
		ID: myAccountName, Name: myAccountName, Runtime: myAccountRuntimeName, Requirements: "requests==2.32.0\n",
		Config:      &FunctionConfig{MemoryMB: 512, TimeoutSeconds: 15, HardwareType: "cpu"},
		Environment: map[string]string{"MODE": "prod"}, Secrets: []string{"db-password"},
		InvokeURL: myAccountURL, Status: status, Code: myAccountCode, CodeSHA256: hex.EncodeToString(sum[:]),
		CreatedAt: "2025-01-02T03:04:05Z", UpdatedAt: "2025-01-02T03:05:06Z",
		Fields: maps.Clone(allFields),
	}
}

func myAccountCreateRequest() *CreateFunctionRequest {
	return &CreateFunctionRequest{Name: myAccountName, FunctionSpec: FunctionSpec{
		Runtime: myAccountRuntimeName, CodeText: myAccountCode, Requirements: "requests==2.32.0\n",
		Config:      &FunctionConfig{MemoryMB: 512, TimeoutSeconds: 15, HardwareType: "cpu", Replicas: 2, MaxScale: 4},
		Environment: map[string]string{"MODE": "prod"}, Secrets: []string{"db-password"},
		// Settings the dialect has no key for: never sent.
		Template: "http", HandlerFunction: "handler.handle", Labels: map[string]string{"team": "core"},
	}}
}

func newMyAccountServer(t *testing.T, h http.HandlerFunc, opts ...serverOption) *apiServer {
	t.Helper()
	return newAPIServer(t, h, append([]serverOption{myAccountDialect}, opts...)...)
}

// myAccountPath is a wire path below the MyAccount base, as the server sees it.
func myAccountPath(rel string) string { return api.MyAccountBasePath + rel }

func TestNewMyAccountConfig(t *testing.T) {
	valid := Config{APIKey: testKey, AuthToken: testToken, ProjectID: testProject, Location: testLocation}
	c, err := NewMyAccount(valid)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.base.String(); got != DefaultMyAccountEndpoint {
		t.Errorf("endpoint %q, want %q", got, DefaultMyAccountEndpoint)
	}
	if c.Dialect() != DialectMyAccount {
		t.Errorf("dialect %q", c.Dialect())
	}
	want := Capabilities{Limits: catalogue.MyAccountLimits}
	if got := c.Capabilities(); !reflect.DeepEqual(got, want) {
		t.Errorf("capabilities %+v, want %+v", got, want)
	}
	if c.cfg.AttemptTimeout != DefaultAttemptTimeout || c.cfg.RequestTimeout != DefaultRequestTimeout {
		t.Errorf("timeouts %v and %v", c.cfg.AttemptTimeout, c.cfg.RequestTimeout)
	}

	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"no project", func(c *Config) { c.ProjectID = "" }, "project_id"},
		{"project zero", func(c *Config) { c.ProjectID = "0" }, "project_id"},
		{"negative project", func(c *Config) { c.ProjectID = "-12" }, "project_id"},
		{"signed project", func(c *Config) { c.ProjectID = "+12" }, "project_id"},
		{"project not a number", func(c *Config) { c.ProjectID = "my-project" }, "project_id"},
		{"project with spaces", func(c *Config) { c.ProjectID = " 12" }, "project_id"},
		{"project holds the token", func(c *Config) { c.ProjectID = testToken }, "project_id"},
		{"no location", func(c *Config) { c.Location = "" }, "location"},
		{"blank location", func(c *Config) { c.Location = "  " }, "location"},
		{"no key", func(c *Config) { c.APIKey = "" }, "API key"},
		{"bad endpoint", func(c *Config) { c.Endpoint = "ftp://example.com/" }, "http(s) URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.mod(&cfg)
			_, err := NewMyAccount(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
			}
			assertNoCredentials(t, "NewMyAccount error", err.Error())
		})
	}
}

// TestMyAccountEndpoints drives every method that has an endpoint and checks
// the exact method, path, query and body of each request, and what the
// answer decodes to.
func TestMyAccountEndpoints(t *testing.T) {
	type sent struct {
		method, path string
		body         map[string]any // nil: no body
	}
	fullCreateBody := map[string]any{
		"function": myAccountName, "runtime": myAccountRuntimeName, "arguments": map[string]any{}, "code": myAccountCode,
		"memory": 512.0, "timeout": 15.0, "params": map[string]any{}, "requirements": "requests==2.32.0\n",
		"environment_variables": map[string]any{"MODE": "prod"}, "secrets": []any{"db-password"}, "node_type": "cpu",
	}
	bareCreateBody := map[string]any{
		"function": myAccountName, "runtime": "python3-http-cuda", "arguments": map[string]any{}, "code": myAccountCode,
		"memory": 1024.0, "timeout": 600.0, "params": map[string]any{}, "requirements": "",
		"environment_variables": map[string]any{}, "secrets": []any{}, "node_type": "gpu",
	}
	getOne := sent{http.MethodGet, myAccountPath("faas/function/hello-fn/"), nil}
	catalogue := []any{
		map[string]any{"runtime": myAccountRuntimeName, "node_type": "cpu", "boiler_code": "def handle(req): ...", "label": "requirements.txt", "requirements_code": "requests\n"},
		map[string]any{"runtime": "node18", "node_type": "cpu", "boiler_code": "module.exports = ...", "label": "package.json", "requirements_code": "{}"},
		map[string]any{"runtime": "python3-http-cuda", "node_type": "gpu", "boiler_code": "", "label": "requirements.txt", "requirements_code": ""},
	}
	summaries := []any{
		map[string]any{"name": myAccountName, "runtime": myAccountRuntimeName, "status": "running", "url": myAccountURL},
		map[string]any{"name": "other-fn", "runtime": "node18", "status": "deploying", "url": ""},
	}

	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		call   func(context.Context, *MyAccountClient) (any, error)
		sent   []sent
		want   any
		// lenient: the answer has no function, which the contract does not
		// allow but E2E may do (its CLI reads only message and errors).
		lenient bool
	}{
		{
			name: "ListRuntimes",
			answer: func(w http.ResponseWriter, r *http.Request) {
				myAccountOK(w, catalogue)
			},
			call: func(ctx context.Context, c *MyAccountClient) (any, error) { return c.ListRuntimes(ctx) },
			sent: []sent{{http.MethodGet, myAccountPath("faas/runtimes/"), nil}},
			want: []Runtime{
				{Name: myAccountRuntimeName, Hardware: []string{"cpu"}, BoilerCode: "def handle(req): ...", RequirementsFile: "requirements.txt", RequirementsCode: "requests\n"},
				{Name: "node18", Hardware: []string{"cpu"}, BoilerCode: "module.exports = ...", RequirementsFile: "package.json", RequirementsCode: "{}"},
				{Name: "python3-http-cuda", Hardware: []string{"gpu"}, RequirementsFile: "requirements.txt"},
			},
		},
		{
			name: "CreateFunction sends the 11 keys, then reads the function",
			answer: func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					myAccountOK(w, map[string]any{"name": myAccountName, "status": "creating"})
					return
				}
				myAccountOK(w, myAccountWireFunction("deploying"))
			},
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.CreateFunction(ctx, myAccountCreateRequest())
			},
			sent: []sent{{http.MethodPost, myAccountPath("faas/functions/"), fullCreateBody}, getOne},
			want: myAccountFullFunction(StatusDeploying),
		},
		{
			name:    "CreateFunction sends empty environment and secrets, never null",
			lenient: true,
			answer: func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					myAccountOK(w, nil)
					return
				}
				myAccountOK(w, map[string]any{"name": myAccountName, "status": "creating"})
			},
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.CreateFunction(ctx, &CreateFunctionRequest{Name: myAccountName, FunctionSpec: FunctionSpec{
					Runtime: "python3-http-cuda", CodeText: myAccountCode,
					Config: &FunctionConfig{MemoryMB: 1024, TimeoutSeconds: 600, HardwareType: "gpu"},
				}})
			},
			sent: []sent{{http.MethodPost, myAccountPath("faas/functions/"), bareCreateBody}, getOne},
			want: &Function{ID: myAccountName, Name: myAccountName, Status: StatusDeploying, Config: &FunctionConfig{}, Fields: map[Field]bool{}},
		},
		{
			name: "ListAllFunctions",
			answer: func(w http.ResponseWriter, r *http.Request) {
				myAccountOK(w, summaries)
			},
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.ListAllFunctions(ctx, ListFunctionsOptions{Page: 3, PerPage: 2})
			},
			sent: []sent{{http.MethodGet, myAccountPath("faas/functions/"), nil}},
			want: []Function{
				{ID: myAccountName, Name: myAccountName, Runtime: myAccountRuntimeName, Status: StatusRunning, InvokeURL: myAccountURL, Config: &FunctionConfig{},
					Fields: map[Field]bool{FieldRuntime: true, FieldInvokeURL: true}},
				{ID: "other-fn", Name: "other-fn", Runtime: "node18", Status: StatusDeploying, Config: &FunctionConfig{},
					Fields: map[Field]bool{FieldRuntime: true, FieldInvokeURL: true}},
			},
		},
		{
			name: "ListAllFunctions filters by name here",
			answer: func(w http.ResponseWriter, r *http.Request) {
				myAccountOK(w, summaries)
			},
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.ListAllFunctions(ctx, ListFunctionsOptions{Name: "other-fn"})
			},
			sent: []sent{{http.MethodGet, myAccountPath("faas/functions/"), nil}},
			want: []Function{
				{ID: "other-fn", Name: "other-fn", Runtime: "node18", Status: StatusDeploying, Config: &FunctionConfig{},
					Fields: map[Field]bool{FieldRuntime: true, FieldInvokeURL: true}},
			},
		},
		{
			name:   "GetFunction",
			answer: func(w http.ResponseWriter, r *http.Request) { myAccountOK(w, myAccountWireFunction("running")) },
			call:   func(ctx context.Context, c *MyAccountClient) (any, error) { return c.GetFunction(ctx, myAccountName) },
			sent:   []sent{getOne},
			want:   myAccountFullFunction(StatusRunning),
		},
		{
			name:   "FindFunction is GetFunction",
			answer: func(w http.ResponseWriter, r *http.Request) { myAccountOK(w, myAccountWireFunction("failed")) },
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.FindFunction(ctx, myAccountName, "ignored")
			},
			sent: []sent{getOne},
			want: myAccountFullFunction(StatusFailed),
		},
		{
			name:   "UpdateFunction sends the 7 keys",
			answer: func(w http.ResponseWriter, r *http.Request) { myAccountOK(w, myAccountWireFunction("deploying")) },
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.UpdateFunction(ctx, myAccountName, &UpdateFunctionRequest{
					Runtime: "node18", Template: "http", CodeText: "print('v2')\n", Requirements: "numpy\n",
					Config:      &FunctionConfig{MemoryMB: 256, TimeoutSeconds: 30, HardwareType: "gpu", Replicas: 3},
					Environment: map[string]string{"A": "1", "B": "2"}, Secrets: []string{"s1", "s2"},
					Labels: map[string]string{"team": "core"},
				})
			},
			sent: []sent{{http.MethodPut, myAccountPath("faas/handler_file/hello-fn/"), map[string]any{
				"code": "print('v2')\n", "params": map[string]any{}, "requirements": "numpy\n",
				"environment_variables": map[string]any{"A": "1", "B": "2"}, "secrets": []any{"s1", "s2"},
				"memory": 256.0, "timeout": 30.0,
			}}},
			want: myAccountFullFunction(StatusDeploying),
		},
		{
			name:    "UpdateFunction reads the function when the answer holds none",
			lenient: true,
			answer: func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPut {
					myAccountOK(w, nil)
					return
				}
				myAccountOK(w, myAccountWireFunction("deploying"))
			},
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.UpdateFunction(ctx, myAccountName, &UpdateFunctionRequest{
					CodeText: myAccountCode, Config: &FunctionConfig{MemoryMB: 128, TimeoutSeconds: 1},
				})
			},
			sent: []sent{{http.MethodPut, myAccountPath("faas/handler_file/hello-fn/"), map[string]any{
				"code": myAccountCode, "params": map[string]any{}, "requirements": "",
				"environment_variables": map[string]any{}, "secrets": []any{}, "memory": 128.0, "timeout": 1.0,
			}}, getOne},
			want: myAccountFullFunction(StatusDeploying),
		},
		{
			name:   "DeleteFunction",
			answer: func(w http.ResponseWriter, r *http.Request) { myAccountOK(w, myAccountWireFunction("deleting")) },
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.DeleteFunction(ctx, myAccountName)
			},
			sent: []sent{{http.MethodDelete, myAccountPath("faas/function/hello-fn/"), map[string]any{"function": myAccountName}}},
			want: myAccountFullFunction(StatusDeleting),
		},
		{
			name:    "DeleteFunction with an empty answer",
			lenient: true,
			answer:  func(w http.ResponseWriter, r *http.Request) { myAccountOK(w, nil) },
			call: func(ctx context.Context, c *MyAccountClient) (any, error) {
				return c.DeleteFunction(ctx, myAccountName)
			},
			sent: []sent{{http.MethodDelete, myAccountPath("faas/function/hello-fn/"), map[string]any{"function": myAccountName}}},
			want: &Function{ID: myAccountName, Name: myAccountName, Status: StatusDeleting, Fields: map[Field]bool{}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []serverOption
			if tc.lenient {
				opts = append(opts, lenient)
			}
			srv := newMyAccountServer(t, tc.answer, opts...)
			got, err := tc.call(context.Background(), srv.myAccountClient())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded %s\nwant    %s", dump(got), dump(tc.want))
			}
			exchanges := srv.all()
			if len(exchanges) != len(tc.sent) {
				t.Fatalf("%d requests, want %d", len(exchanges), len(tc.sent))
			}
			for i, want := range tc.sent {
				e := exchanges[i]
				if e.Method != want.method || e.Path != want.path {
					t.Errorf("request %d: %s %s, want %s %s", i, e.Method, e.Path, want.method, want.path)
				}
				if keys := slices.Sorted(maps.Keys(e.Query)); !slices.Equal(keys, []string{"apikey", "location", "project_id"}) {
					t.Errorf("request %d: query parameters %q", i, keys)
				}
				if want.body == nil {
					if len(e.Body) != 0 {
						t.Errorf("request %d: a body %s", i, e.Body)
					}
					continue
				}
				var body map[string]any
				if err := json.Unmarshal(e.Body, &body); err != nil {
					t.Fatalf("request %d: body %s: %v", i, e.Body, err)
				}
				if !reflect.DeepEqual(body, want.body) {
					t.Errorf("request %d: body %v\nwant %v", i, body, want.body)
				}
			}
		})
	}
}

// dump shows a decoded value with what its pointers point to.
func dump(v any) string {
	b, _ := json.Marshal(v)
	extra := ""
	switch f := v.(type) {
	case *Function:
		if f != nil {
			extra = fmt.Sprintf(" code=%q fields=%v adopted=%v", f.Code, f.Fields, f.Adopted)
		}
	}
	return string(b) + extra
}

// TestMyAccountUnsupported: what the dialect has no endpoint for fails with
// ErrUnsupported and sends nothing.
func TestMyAccountUnsupported(t *testing.T) {
	calls := map[string]func(context.Context, *MyAccountClient) error{
		"UpdateFunctionCode": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.UpdateFunctionCode(ctx, myAccountName, &CodeUpdate{})
			return err
		},
		"UpdateFunctionConfig": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.UpdateFunctionConfig(ctx, myAccountName, &FunctionConfig{})
			return err
		},
		"UpdateFunctionEnvironment": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.UpdateFunctionEnvironment(ctx, myAccountName, &EnvironmentUpdate{})
			return err
		},
		"UpdateFunctionMetadata": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.UpdateFunctionMetadata(ctx, myAccountName, &MetadataUpdate{})
			return err
		},
		"DeployFunction": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.DeployFunction(ctx, myAccountName)
			return err
		},
		"CreateSecret": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.CreateSecret(ctx, &CreateSecretRequest{Name: "s", Value: "v4lue"})
			return err
		},
		"ListSecrets": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.ListSecrets(ctx)
			return err
		},
		"DeleteSecret": func(ctx context.Context, c *MyAccountClient) error { return c.DeleteSecret(ctx, "s") },
		"UpdateSecret": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.UpdateSecret(ctx, "s", "v4lue")
			return err
		},
		"ListAllFunctions by label": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.ListAllFunctions(ctx, ListFunctionsOptions{Labels: map[string]string{"team": "core"}})
			return err
		},
		"CreateFunction with an archive": func(ctx context.Context, c *MyAccountClient) error {
			req := myAccountCreateRequest()
			req.CodeText, req.Code = "", &bytesArchive{data: []byte("PK")}
			_, err := c.CreateFunction(ctx, req)
			return err
		},
		"UpdateFunction with an archive": func(ctx context.Context, c *MyAccountClient) error {
			_, err := c.UpdateFunction(ctx, myAccountName, &UpdateFunctionRequest{Code: &bytesArchive{data: []byte("PK")}, Config: &FunctionConfig{}})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			})
			if err := call(context.Background(), srv.myAccountClient()); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v, want ErrUnsupported", err)
			}
		})
	}
}

// TestMyAccountEnvelopeFailures: an answer fails when its HTTP status or its
// body's code is 400 or more, and the *APIError carries the body's code.
func TestMyAccountEnvelopeFailures(t *testing.T) {
	tests := []struct {
		name    string
		lenient bool // the answer is outside internal/api/myaccount.yaml on purpose
		answer  func(w http.ResponseWriter)
		check   func(t *testing.T, err error)
	}{
		{
			name: "HTTP 200 with code 400 and field errors", lenient: true,
			answer: func(w http.ResponseWriter) {
				writeEnvelope(w, 200, 400, nil, "Validation failed", map[string][]string{
					"memory": {"must be one of 128, 256, 512, 1024"}, "node_type": {"must be cpu", "for this runtime"},
				})
			},
			check: func(t *testing.T, err error) {
				e := asAPIError(t, err)
				if e.StatusCode != 400 || !isBadRequest(err) || IsNotFound(err) || e.Message != "Validation failed" {
					t.Errorf("error %v", err)
				}
				want := map[string][]string{"memory": {"must be one of 128, 256, 512, 1024"}, "node_type": {"must be cpu", "for this runtime"}}
				if !reflect.DeepEqual(e.Fields, want) {
					t.Errorf("fields %v", e.Fields)
				}
				if !strings.Contains(err.Error(), "memory: must be one of") {
					t.Errorf("Error() %q does not list the fields", err)
				}
			},
		},
		{
			name:   "HTTP 200 with code 404",
			answer: myAccountNotFound,
			check: func(t *testing.T, err error) {
				if e := asAPIError(t, err); e.StatusCode != 404 || !IsNotFound(err) {
					t.Errorf("error %v, want not found", err)
				}
			},
		},
		{
			name: "code as a string", lenient: true,
			answer: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"code": "404", "data": null, "errors": {}, "message": "Function not found"}`))
			},
			check: func(t *testing.T, err error) {
				if !IsNotFound(err) {
					t.Errorf("error %v, want not found", err)
				}
			},
		},
		{
			name: "errors as a map of strings", lenient: true,
			answer: func(w http.ResponseWriter) {
				writeEnvelope(w, 400, 400, nil, "Bad request", map[string]string{"timeout": "must be at most 600"})
			},
			check: func(t *testing.T, err error) {
				if e := asAPIError(t, err); !reflect.DeepEqual(e.Fields, map[string][]string{"timeout": {"must be at most 600"}}) {
					t.Errorf("fields %v", e.Fields)
				}
			},
		},
		{
			name: "errors neither", lenient: true,
			answer: func(w http.ResponseWriter) {
				writeEnvelope(w, 400, 400, nil, "Bad request", []any{"x", 1})
			},
			check: func(t *testing.T, err error) {
				if e := asAPIError(t, err); e.Fields != nil || e.Message != "Bad request" || !isBadRequest(err) {
					t.Errorf("error %v (fields %v)", err, e.Fields)
				}
			},
		},
		{
			name:   "HTTP 401",
			answer: func(w http.ResponseWriter) { myAccountFail(w, 401, "Invalid credentials") },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrUnauthorized) {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name:   "HTTP 500 after retries",
			answer: func(w http.ResponseWriter) { myAccountFail(w, 500, "database down") },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "database down") {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name: "HTTP 200 with code 500", lenient: true,
			answer: func(w http.ResponseWriter) { writeEnvelope(w, 200, 500, nil, "internal", nil) },
			check: func(t *testing.T, err error) {
				if e := asAPIError(t, err); e.StatusCode != 500 || !errors.Is(err, ErrServer) {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name: "HTTP 502 from a proxy", lenient: true,
			answer: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				_, _ = w.Write([]byte("<html>502 Bad Gateway</html>"))
			},
			check: func(t *testing.T, err error) {
				if e := asAPIError(t, err); e.StatusCode != 502 || e.Message != "<html>502 Bad Gateway</html>" {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name: "HTTP 200 that is not an envelope", lenient: true,
			answer: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = w.Write([]byte("<html>maintenance</html>"))
			},
			check: func(t *testing.T, err error) {
				var apiErr *APIError
				if errors.As(err, &apiErr) || !errors.Is(err, errUnreadableAnswer) || !strings.Contains(err.Error(), "not the expected JSON") {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name: "code 200 without a function", lenient: true,
			answer: func(w http.ResponseWriter) { myAccountOK(w, nil) },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, errUnreadableAnswer) {
					t.Errorf("error %v", err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := []serverOption{}
			if tc.lenient {
				opts = append(opts, lenient)
			}
			srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) { tc.answer(w) }, opts...)
			_, err := srv.myAccountClient(func(c *Config) { c.MaxRetries = 1 }).GetFunction(context.Background(), myAccountName)
			if err == nil {
				t.Fatal("no error")
			}
			tc.check(t, err)
			assertNoCredentials(t, "error", err.Error())
		})
	}
}

// TestMyAccountStatuses: statuses arrive in any case; creating and deploying
// both mean Deploying; an unknown one is kept.
func TestMyAccountStatuses(t *testing.T) {
	for wire, want := range map[string]string{
		"creating": StatusDeploying, "Creating": StatusDeploying, "deploying": StatusDeploying, "DEPLOYING": StatusDeploying,
		"running": StatusRunning, "Running": StatusRunning, "failed": StatusFailed, "Failed": StatusFailed,
		"error": StatusFailed, "deleting": StatusDeleting, "Deleting": StatusDeleting, "Paused": "Paused", "": "",
	} {
		t.Run(wire, func(t *testing.T) {
			srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
				myAccountOK(w, map[string]any{"name": myAccountName, "status": wire})
			}, lenient) // the contract lists the lowercase five only
			f, err := srv.myAccountClient().GetFunction(context.Background(), myAccountName)
			if err != nil {
				t.Fatal(err)
			}
			if f.Status != want {
				t.Errorf("status %q reads %q, want %q", wire, f.Status, want)
			}
		})
	}
}

// TestMyAccountSparseFields: Fields holds exactly the keys the answer
// carried, and Carries says so; null and ill-typed values count as absent.
func TestMyAccountSparseFields(t *testing.T) {
	tests := []struct {
		name   string
		data   map[string]any
		want   map[Field]bool
		strict bool // the answer is within the contract
	}{
		{"name and status only", map[string]any{"name": myAccountName, "status": "running"}, map[Field]bool{}, true},
		{"list-like", map[string]any{"name": myAccountName, "status": "running", "runtime": myAccountRuntimeName, "url": myAccountURL},
			map[Field]bool{FieldRuntime: true, FieldInvokeURL: true}, true},
		{"settings without code", map[string]any{"name": myAccountName, "status": "running", "memory": 256, "timeout": 30, "node_type": "gpu",
			"environment_variables": map[string]string{}, "secrets": []string{}},
			map[Field]bool{FieldMemory: true, FieldTimeout: true, FieldHardware: true, FieldEnvironment: true, FieldSecrets: true}, true},
		{"code and requirements", map[string]any{"name": myAccountName, "status": "running", "code": myAccountCode, "requirements": ""},
			map[Field]bool{FieldCode: true, FieldRequirements: true}, true},
		{"nulls and wrong types", map[string]any{"name": myAccountName, "status": "running", "runtime": nil, "memory": "lots",
			"timeout": 1.5, "environment_variables": []string{"A=1"}, "secrets": "db", "code": 7, "url": nil},
			map[Field]bool{}, false},
		{"lenient numbers and secrets", map[string]any{"name": myAccountName, "status": "running", "memory": "512", "timeout": 30.0,
			"secrets": []any{map[string]any{"name": "db"}}},
			map[Field]bool{FieldMemory: true, FieldTimeout: true, FieldSecrets: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []serverOption
			if !tc.strict {
				opts = append(opts, lenient)
			}
			srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) { myAccountOK(w, tc.data) }, opts...)
			f, err := srv.myAccountClient().GetFunction(context.Background(), myAccountName)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Fields, tc.want) {
				t.Errorf("fields %v, want %v", f.Fields, tc.want)
			}
			for field := range allFields {
				if f.Carries(field) != tc.want[field] {
					t.Errorf("Carries(%s) = %v", field, f.Carries(field))
				}
			}
			if f.Carries(FieldCode) {
				sum := sha256.Sum256([]byte(myAccountCode))
				if f.Code != myAccountCode || f.CodeSHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("code %q sha %s", f.Code, f.CodeSHA256)
				}
			} else if f.CodeSHA256 != "" {
				t.Errorf("a code_sha256 %s without code", f.CodeSHA256)
			}
			if f.ID != myAccountName || f.Name != myAccountName || f.Namespace != "" || f.Version != "" || f.Config == nil {
				t.Errorf("function %+v", f)
			}
		})
	}
	t.Run("lenient values", func(t *testing.T) {
		srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) { myAccountOK(w, tests[5].data) }, lenient)
		f, err := srv.myAccountClient().GetFunction(context.Background(), myAccountName)
		if err != nil {
			t.Fatal(err)
		}
		if f.Config.MemoryMB != 512 || f.Config.TimeoutSeconds != 30 || !slices.Equal(f.Secrets, []string{"db"}) {
			t.Errorf("config %+v secrets %q", f.Config, f.Secrets)
		}
	})
}

// settleServer refuses the first mutating request with 409 while its
// function deploys, shows it deploying to the next read and running after.
type settleServer struct {
	mu        sync.Mutex
	refusals  int // how many mutating requests to refuse
	reads     int
	exchanges []string
}

func (s *settleServer) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exchanges = append(s.exchanges, r.Method)
	if r.Method == http.MethodGet {
		s.reads++
		status := "running"
		if s.reads == 1 {
			status = "deploying"
		}
		myAccountOK(w, map[string]any{"name": myAccountName, "status": status})
		return
	}
	if s.refusals > 0 {
		s.refusals--
		myAccountFail(w, http.StatusConflict, "settings are read-only while a function is Creating or Deploying")
		return
	}
	status := "deploying"
	if r.Method == http.MethodDelete {
		status = "deleting"
	}
	myAccountOK(w, map[string]any{"name": myAccountName, "status": status})
}

// TestMyAccountConflictWaitsForTheDeploy: an update or delete refused (409)
// mid-deploy waits until the deploy ends and is sent once more; refused
// again, it fails.
func TestMyAccountConflictWaitsForTheDeploy(t *testing.T) {
	calls := map[string]struct {
		method string
		call   func(context.Context, *MyAccountClient) (*Function, error)
	}{
		"update": {http.MethodPut, func(ctx context.Context, c *MyAccountClient) (*Function, error) {
			return c.UpdateFunction(ctx, myAccountName, &UpdateFunctionRequest{CodeText: myAccountCode, Config: &FunctionConfig{MemoryMB: 128, TimeoutSeconds: 5}})
		}},
		"delete": {http.MethodDelete, func(ctx context.Context, c *MyAccountClient) (*Function, error) {
			return c.DeleteFunction(ctx, myAccountName)
		}},
	}
	for name, tc := range calls {
		t.Run(name+" settles", func(t *testing.T) {
			s := &settleServer{refusals: 1}
			srv := newMyAccountServer(t, s.handle)
			f, err := tc.call(context.Background(), srv.myAccountClient())
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{tc.method, http.MethodGet, http.MethodGet, tc.method}; !slices.Equal(s.exchanges, want) {
				t.Errorf("requests %q, want %q", s.exchanges, want)
			}
			if f.Status != StatusDeploying && f.Status != StatusDeleting {
				t.Errorf("status %q", f.Status)
			}
		})
		t.Run(name+" refused twice", func(t *testing.T) {
			s := &settleServer{refusals: 2}
			srv := newMyAccountServer(t, s.handle)
			_, err := tc.call(context.Background(), srv.myAccountClient())
			if !IsConflict(err) {
				t.Fatalf("error %v, want the second 409", err)
			}
			if got := strings.Count(strings.Join(s.exchanges, " "), tc.method); got != 2 {
				t.Errorf("%d %s requests, want 2", got, tc.method)
			}
		})
		t.Run(name+" of a function gone meanwhile", func(t *testing.T) {
			var n atomic.Int32
			srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					myAccountNotFound(w)
					return
				}
				n.Add(1)
				myAccountFail(w, http.StatusConflict, "read-only while deploying")
			})
			_, err := tc.call(context.Background(), srv.myAccountClient())
			if !IsNotFound(err) || n.Load() != 1 {
				t.Fatalf("error %v after %d attempts, want not found after 1", err, n.Load())
			}
		})
	}
}

// TestMyAccountWaits: the waits poll GET faas/function/{name}/ and take
// body code 404 for gone.
func TestMyAccountWaits(t *testing.T) {
	var reads atomic.Int32
	srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch reads.Add(1) {
		case 1:
			myAccountOK(w, map[string]any{"name": myAccountName, "status": "creating"})
		case 2:
			myAccountFail(w, http.StatusServiceUnavailable, "busy") // ridden out
		case 3:
			myAccountOK(w, map[string]any{"name": myAccountName, "status": "running"})
		case 4:
			myAccountOK(w, map[string]any{"name": myAccountName, "status": "deleting"})
		default:
			myAccountNotFound(w)
		}
	})
	c := srv.myAccountClient(func(c *Config) { c.MaxRetries = -1 })
	f, err := c.WaitForDeploy(context.Background(), myAccountName, fastPoll)
	if err != nil || f.Status != StatusRunning {
		t.Fatalf("WaitForDeploy: %v, %+v", err, f)
	}
	if err := c.WaitForDeletion(context.Background(), myAccountName, fastPoll); err != nil {
		t.Fatalf("WaitForDeletion: %v", err)
	}

	failed := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
		myAccountOK(w, map[string]any{"name": myAccountName, "status": "failed", "error_message": "SyntaxError: invalid syntax"})
	})
	_, err = failed.myAccountClient().WaitForDeploy(context.Background(), myAccountName, fastPoll)
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Function.ErrorMessage != "SyntaxError: invalid syntax" {
		t.Fatalf("error %v, want the deploy failure", err)
	}
	if want := `function "hello-fn" failed to deploy: SyntaxError: invalid syntax`; err.Error() != want {
		t.Errorf("Error() %q, want %q", err, want)
	}
}

// TestMyAccountCredentialsNeverInErrors: echoed credentials are scrubbed
// from messages and field errors, and a transport failure never shows the
// URL with its apikey.
func TestMyAccountCredentialsNeverInErrors(t *testing.T) {
	srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeEnvelope(w, 200, 400, nil, "bad key "+testKey+" for token "+testToken+" at "+r.URL.String(),
			map[string][]string{"apikey": {"unknown " + testKey}, testToken: {"bad"}})
	}, lenient)
	var logs logRecorder
	_, err := srv.myAccountClient(func(c *Config) { c.Log = logs.log }).CreateFunction(context.Background(), myAccountCreateRequest())
	if !isBadRequest(err) {
		t.Fatalf("error %v", err)
	}
	assertNoCredentials(t, "error", err.Error())
	assertNoCredentials(t, "error", fmt.Sprintf("%#v", asAPIError(t, err)))

	c, err := NewMyAccount(Config{
		Endpoint: refusedEndpoint(t), APIKey: testKey, AuthToken: testToken, ProjectID: testProject, Location: testLocation,
		MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Log: logs.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"get":    func() error { _, err := c.GetFunction(context.Background(), myAccountName); return err },
		"create": func() error { _, err := c.CreateFunction(context.Background(), myAccountCreateRequest()); return err },
		"delete": func() error { _, err := c.DeleteFunction(context.Background(), myAccountName); return err },
	} {
		err := call()
		if te := asTransportError(t, err); te.Attempts != 2 {
			t.Errorf("%s: %d attempts, want 2: a refused connection is retried", name, te.Attempts)
		}
		assertNoCredentials(t, name+" error", err.Error())
	}
	for _, l := range logs.all() {
		assertNoCredentials(t, "log line", l)
	}
}

// myAccountFake is a stateful MyAccount server for the create tests: a POST makes
// the function (deploying) unless told otherwise, and reads see it.
type myAccountFake struct {
	t         *testing.T
	mu        sync.Mutex
	functions map[string]map[string]any
	// postMode says what POST number n does: "" answers normally; "500"
	// fails without making anything; "drop" drops the connection before
	// making anything; "500-after-write" and "drop-after-write" make the
	// function, then fail or drop.
	postMode func(n int) string
	// hiddenReads is how many reads do not see a function yet.
	hiddenReads int
	// sparse reads carry name, status and url only.
	sparse bool
	posts  int
	reads  int
	lists  int
}

func (m *myAccountFake) handle(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rel := strings.TrimPrefix(r.URL.Path, api.MyAccountBasePath)
	switch {
	case r.Method == http.MethodPost && rel == "faas/functions/":
		m.posts++
		mode := ""
		if m.postMode != nil {
			mode = m.postMode(m.posts)
		}
		switch mode {
		case "500":
			myAccountFail(w, 500, "oops")
			return
		case "drop":
			dropConnection(m.t, w)
			return
		}
		var body myAccountCreateBody
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			m.t.Errorf("decode: %v", err)
		}
		if _, ok := m.functions[body.Function]; ok {
			myAccountFail(w, http.StatusConflict, fmt.Sprintf("a function named %s already exists", body.Function))
			return
		}
		fn := map[string]any{
			"name": body.Function, "status": "deploying", "runtime": body.Runtime, "node_type": body.NodeType,
			"memory": body.Memory, "timeout": body.Timeout, "code": body.Code, "url": myAccountURL,
			"requirements": body.Requirements, "environment_variables": body.EnvironmentVariables, "secrets": body.Secrets,
		}
		m.functions[body.Function] = fn
		switch mode {
		case "500-after-write":
			myAccountFail(w, 500, "oops")
		case "drop-after-write":
			dropConnection(m.t, w)
		default:
			myAccountOK(w, fn)
		}
	case r.Method == http.MethodGet && rel == "faas/functions/":
		m.lists++
		list := []any{}
		for _, fn := range m.functions {
			list = append(list, map[string]any{"name": fn["name"], "runtime": fn["runtime"], "status": fn["status"], "url": fn["url"]})
		}
		myAccountOK(w, list)
	case r.Method == http.MethodGet && strings.HasPrefix(rel, "faas/function/"):
		m.reads++
		name := strings.TrimSuffix(strings.TrimPrefix(rel, "faas/function/"), "/")
		fn, ok := m.functions[name]
		if !ok || m.reads <= m.hiddenReads {
			myAccountNotFound(w)
			return
		}
		if m.sparse {
			fn = map[string]any{"name": fn["name"], "status": fn["status"], "url": fn["url"]}
		}
		myAccountOK(w, fn)
	default:
		m.t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
	}
}

// TestMyAccountCreateLostAnswer: without an idempotency key, a create whose
// answer was lost is resolved by the name: a function that matches what was
// sent (code, runtime, memory, timeout, environment) is adopted, any other
// refused.
func TestMyAccountCreateLostAnswer(t *testing.T) {
	existing := func(runtime, nodeType string) map[string]map[string]any {
		return map[string]map[string]any{myAccountName: {"name": myAccountName, "status": "running", "runtime": runtime, "node_type": nodeType, "url": myAccountURL}}
	}
	req := myAccountCreateRequest()
	sent := func(change func(fn map[string]any)) map[string]map[string]any {
		fn := map[string]any{
			"name": myAccountName, "status": "running", "runtime": myAccountRuntimeName, "node_type": "cpu", "url": myAccountURL,
			"memory": req.Config.MemoryMB, "timeout": req.Config.TimeoutSeconds, "code": req.CodeText,
			"requirements": req.Requirements, "environment_variables": req.Environment, "secrets": req.Secrets,
		}
		change(fn)
		return map[string]map[string]any{myAccountName: fn}
	}
	tests := []struct {
		name      string
		functions map[string]map[string]any
		postMode  func(n int) string
		hidden    int
		sparse    bool
		wantPosts int
		// wantAdopted: the function is returned with Adopted set; otherwise
		// wantTaken: a *NameTakenError; otherwise a plain success.
		wantAdopted, wantTaken bool
	}{
		{name: "dropped after the create: adopted", postMode: always("drop-after-write"), wantPosts: 1, wantAdopted: true},
		{name: "5xx after the create: adopted", postMode: always("500-after-write"), wantPosts: 1, wantAdopted: true},
		{name: "sparse read: no code to compare, refused", postMode: always("drop-after-write"), sparse: true, wantPosts: 1, wantTaken: true},
		{name: "5xx, the very function sent: adopted", functions: sent(func(map[string]any) {}), postMode: always("500"), wantPosts: 1, wantAdopted: true},
		{name: "5xx, other code: refused", functions: sent(func(fn map[string]any) { fn["code"] = "print(1)\n" }), postMode: always("500"), wantPosts: 1, wantTaken: true},
		{name: "5xx, other memory: refused", functions: sent(func(fn map[string]any) { fn["memory"] = 1024 }), postMode: always("500"), wantPosts: 1, wantTaken: true},
		{name: "5xx, other environment: refused", functions: sent(func(fn map[string]any) { fn["environment_variables"] = map[string]string{} }), postMode: always("500"), wantPosts: 1, wantTaken: true},
		{name: "not visible at once: the second POST's 409 resolves it", postMode: first("500-after-write"), hidden: 1, wantPosts: 2, wantAdopted: true},
		{name: "nothing made: sent again", postMode: first("500"), wantPosts: 2},
		{name: "dropped before anything was made: sent again", postMode: first("drop"), wantPosts: 2},
		{name: "another runtime: refused", functions: existing("node18", "cpu"), postMode: always("500"), wantPosts: 1, wantTaken: true},
		{name: "other hardware: refused", functions: existing(myAccountRuntimeName, "gpu"), postMode: always("drop"), wantPosts: 1, wantTaken: true},
		{name: "name taken outright", functions: existing(myAccountRuntimeName, "cpu"), wantPosts: 1, wantTaken: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &myAccountFake{t: t, functions: map[string]map[string]any{}, postMode: tc.postMode, hiddenReads: tc.hidden, sparse: tc.sparse}
			maps.Copy(fake.functions, tc.functions)
			srv := newMyAccountServer(t, fake.handle, lenient) // dropped connections have no answer to check
			f, err := srv.myAccountClient().CreateFunction(context.Background(), myAccountCreateRequest())
			var taken *NameTakenError
			switch {
			case tc.wantTaken:
				if !errors.As(err, &taken) || taken.Existing == nil || taken.Existing.ID != myAccountName {
					t.Fatalf("error %v, want a NameTakenError naming %s", err, myAccountName)
				}
				if !strings.Contains(err.Error(), `"hello-fn" already exists`) || strings.Contains(err.Error(), "namespace") {
					t.Errorf("Error() %q", err)
				}
			case err != nil:
				t.Fatal(err)
			case f.Adopted != tc.wantAdopted || f.Name != myAccountName || f.Runtime != myAccountRuntimeName:
				t.Errorf("function %s, want adopted=%v", dump(f), tc.wantAdopted)
			}
			if fake.posts != tc.wantPosts {
				t.Errorf("%d POSTs, want %d", fake.posts, tc.wantPosts)
			}
			if len(fake.functions) != 1 {
				t.Errorf("%d functions", len(fake.functions))
			}
		})
	}
}

func always(mode string) func(int) string { return func(int) string { return mode } }

func first(mode string) func(int) string {
	return func(n int) string {
		if n == 1 {
			return mode
		}
		return ""
	}
}

// TestMyAccountCreateNotReadableYet: a create the API accepted is a success
// even when the function cannot be read at once.
func TestMyAccountCreateNotReadableYet(t *testing.T) {
	fake := &myAccountFake{t: t, functions: map[string]map[string]any{}, hiddenReads: 1}
	srv := newMyAccountServer(t, fake.handle)
	f, err := srv.myAccountClient().CreateFunction(context.Background(), myAccountCreateRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := &Function{ID: myAccountName, Name: myAccountName, Status: StatusDeploying, Fields: map[Field]bool{}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("function %s, want %s", dump(f), dump(want))
	}
	if fake.posts != 1 || fake.reads != 1 {
		t.Errorf("%d POSTs and %d reads", fake.posts, fake.reads)
	}
}

// TestMyAccountCreateChecksItsRequest: no code or no config is refused
// before anything is sent.
func TestMyAccountCreateChecksItsRequest(t *testing.T) {
	srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
	})
	c := srv.myAccountClient()
	noCode := myAccountCreateRequest()
	noCode.CodeText = ""
	noConfig := myAccountCreateRequest()
	noConfig.Config = nil
	for _, req := range []*CreateFunctionRequest{noCode, noConfig} {
		if _, err := c.CreateFunction(context.Background(), req); err == nil {
			t.Errorf("create of %+v accepted", req)
		}
	}
	if _, err := c.UpdateFunction(context.Background(), myAccountName, &UpdateFunctionRequest{Config: &FunctionConfig{}}); err == nil {
		t.Error("update without code accepted")
	}
	if _, err := c.UpdateFunction(context.Background(), myAccountName, &UpdateFunctionRequest{CodeText: myAccountCode}); err == nil {
		t.Error("update without config accepted")
	}
}

// TestMyAccountContextCancel: cancelling ends a request at once, whether it
// waits for an answer, for a Retry-After, or between create attempts.
func TestMyAccountContextCancel(t *testing.T) {
	t.Run("during the request", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
		}, lenient)
		_, err := srv.myAccountClient(func(c *Config) { c.MaxRetries = 10 }).GetFunction(ctx, myAccountName)
		if !errors.Is(err, context.Canceled) || srv.count() != 1 {
			t.Fatalf("error %v after %d attempts, want context.Canceled after 1", err, srv.count())
		}
	})
	t.Run("during a Retry-After", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			myAccountFail(w, http.StatusTooManyRequests, "slow down")
			cancel()
		})
		done := make(chan error, 1)
		go func() {
			_, err := srv.myAccountClient(func(c *Config) { c.MaxRetries = 10 }).ListRuntimes(ctx)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) || srv.count() != 1 {
				t.Fatalf("error %v after %d attempts", err, srv.count())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the call still waits after its context was cancelled")
		}
	})
	t.Run("between create attempts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv := newMyAccountServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				myAccountFail(w, 500, "oops")
				return
			}
			myAccountNotFound(w)
			cancel()
		})
		done := make(chan error, 1)
		go func() {
			_, err := srv.myAccountClient(func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = time.Hour, time.Hour }).CreateFunction(ctx, myAccountCreateRequest())
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrServer) || srv.count() != 2 {
				t.Fatalf("error %v after %d requests, want the POST's 500 after POST and GET", err, srv.count())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the create still waits after its context was cancelled")
		}
	})
}
