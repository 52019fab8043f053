// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
)

func TestNewConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"not a URL", Config{Endpoint: "::not a url", APIKey: testKey, AuthToken: testToken}, "not an http(s) URL"},
		{"no scheme", Config{Endpoint: "api.e2enetworks.com/faas/api/v1/", APIKey: testKey, AuthToken: testToken}, "not an http(s) URL"},
		{"wrong scheme", Config{Endpoint: "ftp://api.e2enetworks.com/faas/", APIKey: testKey, AuthToken: testToken}, "not an http(s) URL"},
		{"wrong scheme with the key in the query", Config{Endpoint: "ftp://api.e2enetworks.com/?apikey=" + testKey, APIKey: testKey, AuthToken: testToken}, "not an http(s) URL"},
		{"unparsable with the token as user info", Config{Endpoint: "https://u:" + testToken + "@host:port:x/", APIKey: testKey, AuthToken: testToken}, "not an http(s) URL"},
		{"no host", Config{Endpoint: "https:///faas/api/v1/", APIKey: testKey, AuthToken: testToken}, "not an http(s) URL"},
		{"query string", Config{Endpoint: "https://api.e2enetworks.com/faas/api/v1/?apikey=" + testKey, APIKey: testKey, AuthToken: testToken}, "query string"},
		{"query string without slash", Config{Endpoint: "https://api.e2enetworks.com/faas/api/v1?x=1", APIKey: testKey, AuthToken: testToken}, "query string"},
		{"user info", Config{Endpoint: "https://user:" + testToken + "@api.e2enetworks.com/faas/api/v1/", APIKey: testKey, AuthToken: testToken}, "user info"},
		{"no key", Config{Endpoint: DefaultEndpoint, AuthToken: testToken}, "API key and an auth token"},
		{"no token", Config{Endpoint: DefaultEndpoint, APIKey: testKey}, "API key and an auth token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cfg)
			if err == nil {
				t.Fatalf("New accepted %+v", c.cfg.Endpoint)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q, want it to mention %q", err, tc.wantErr)
			}
			assertNoCredentials(t, "New error", err.Error())
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{APIKey: testKey, AuthToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.base.String(); got != DefaultEndpoint {
		t.Errorf("endpoint %q, want the default %q", got, DefaultEndpoint)
	}
	if c.cfg.MaxRetries != 5 || c.http.RetryMax != 5 {
		t.Errorf("MaxRetries %d, want 5", c.cfg.MaxRetries)
	}
	if c.cfg.UserAgent != "terraform-provider-e2e" {
		t.Errorf("User-Agent %q", c.cfg.UserAgent)
	}
	if c.http.Logger != nil {
		t.Error("the retrying client has a logger, which would print URLs holding the API key")
	}
	noRetry, err := New(Config{APIKey: testKey, AuthToken: testToken, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if noRetry.http.RetryMax != 0 {
		t.Errorf("MaxRetries -1 gives RetryMax %d, want 0", noRetry.http.RetryMax)
	}
}

// TestNewNegativeWaits: a negative wait would make the jitter panic
// (rand.Int64N of a negative number); New takes it as the default.
func TestNewNegativeWaits(t *testing.T) {
	c, err := New(Config{APIKey: testKey, AuthToken: testToken, RetryWaitMin: -time.Second, RetryWaitMax: -time.Second, RetryAfterMax: -time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if d := c.backoff(c.http.RetryWaitMin, c.http.RetryWaitMax, 1, nil); d <= 0 {
		t.Errorf("backoff %v", d)
	}
	if d := c.backoff(c.http.RetryWaitMin, c.http.RetryWaitMax, 0, retryAfterResponse(429, "5")); d < 5*time.Second {
		t.Errorf("backoff %v, want the 5 s of Retry-After", d)
	}
}

// TestNewAddsTrailingSlash configures the base without its trailing slash;
// requests must still go below it.
func TestNewAddsTrailingSlash(t *testing.T) {
	srv := newAPIServer(t, contractHandler(t))
	c := srv.client(func(cfg *Config) { cfg.Endpoint = strings.TrimSuffix(srv.Base, "/") })
	if !strings.HasSuffix(c.base.Path, "/") {
		t.Errorf("base path %q has no trailing slash", c.base.Path)
	}
	if _, err := c.GetFunction(context.Background(), testID); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.last().Path, api.BasePath+"functions/"+testID; got != want {
		t.Errorf("path %q, want %q", got, want)
	}
}

// TestAuthOnEveryRequest checks credentials and optional scope parameters;
// the test server checks them on every request it sees.
func TestAuthOnEveryRequest(t *testing.T) {
	for _, tc := range []struct {
		name              string
		project, location string
		ua                string
	}{
		{name: "no project or location"},
		{name: "project and location", project: "20235", location: "Delhi"},
		{name: "project only", project: "20235"},
		{name: "location only and a user agent", location: "Mumbai", ua: "terraform-provider-e2e/1.2.3 (+terraform 1.9)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, contractHandler(t), func(s *apiServer) {
				s.wantProject, s.wantLocation = tc.project, tc.location
				if tc.ua != "" {
					s.wantUA = tc.ua
				}
			})
			c := srv.client(func(cfg *Config) { cfg.UserAgent = tc.ua })
			ctx := context.Background()
			if _, err := c.listFunctions(ctx, ListFunctionsOptions{Name: "hello-fn", Page: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateSecret(ctx, &CreateSecretRequest{Name: "db-password", Value: "v"}); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteSecret(ctx, "db-password"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.DeployFunction(ctx, testID); err != nil {
				t.Fatal(err)
			}
			if n := srv.count(); n != 4 {
				t.Fatalf("%d requests", n)
			}
			for _, ex := range srv.all() {
				if strings.Contains(ex.Header.Get("Authorization"), testKey) || ex.Query.Get("apikey") == testToken {
					t.Errorf("credentials swapped in %s %s", ex.Method, ex.Path)
				}
				if q := ex.Query; q.Has("auth_token") || q.Has("token") {
					t.Errorf("the token travels in the query of %s %s", ex.Method, ex.Path)
				}
			}
		})
	}
}

// TestEnvelopeAndBareBodies checks that every kind of success body decodes
// the same whether bare or wrapped in E2E's envelope.
func TestEnvelopeAndBareBodies(t *testing.T) {
	fn := fullFunction(StatusRunning)
	list := FunctionList{Functions: []Function{*fn, named("id-2", "other-fn", "ns")}, Total: 2, Page: 1, PerPage: 50}
	secrets := map[string]any{"secrets": []Secret{{ID: "s-1", Name: "a", Namespace: "ns", CreatedAt: "2025-01-02T03:04:05Z"}}}
	runtimes := map[string]any{"runtimes": []Runtime{
		{Name: "python3.11", Version: "3.11", Templates: []string{"http", "flask", "fastapi"}, Hardware: []string{"cpu"}},
		{Name: "pytorch2.1.2", Version: "2.1.2", Templates: []string{"http"}, Hardware: []string{"gpu", "cpu"}},
	}}
	secret := Secret{ID: "s-9", Name: "token", Namespace: "ns", CreatedAt: "2025-01-02T03:04:05Z"}

	tests := []struct {
		name   string
		status int
		body   any
		call   func(*Client) (any, error)
		want   any
	}{
		{"function", 200, fn, func(c *Client) (any, error) { return c.GetFunction(context.Background(), testID) }, fn},
		{"list", 200, list, func(c *Client) (any, error) { return c.listFunctions(context.Background(), ListFunctionsOptions{}) }, &list},
		{"secrets", 200, secrets, func(c *Client) (any, error) { return c.ListSecrets(context.Background()) }, secrets["secrets"]},
		{"runtimes", 200, runtimes, func(c *Client) (any, error) { return c.ListRuntimes(context.Background()) }, runtimes["runtimes"]},
		{"created secret", 201, secret, func(c *Client) (any, error) {
			return c.CreateSecret(context.Background(), &CreateSecretRequest{Name: "token", Value: "v4lue"})
		}, &secret},
	}
	for _, tc := range tests {
		for _, wrap := range []bool{false, true} {
			name := tc.name + " bare"
			if wrap {
				name = tc.name + " enveloped"
			}
			t.Run(name, func(t *testing.T) {
				srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
					if wrap {
						writeJSON(w, tc.status, enveloped(tc.body))
						return
					}
					writeJSON(w, tc.status, tc.body)
				})
				got, err := tc.call(srv.client())
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("decoded %+v\nwant %+v", got, tc.want)
				}
			})
		}
	}
}

// TestEnvelopeLookalikes: a bare object is not mistaken for an envelope, and
// an enveloped empty answer decodes to nothing.
func TestEnvelopeLookalikes(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		// A bare function whose JSON also has "code" and "message" fields but
		// no "data": it must not be unwrapped.
		writeJSON(w, http.StatusOK, map[string]any{
			"id": testID, "name": "hello-fn", "namespace": "ns", "status": "Running", "code": 7, "message": "hi",
		})
	}, lenient)
	f, err := srv.client().GetFunction(context.Background(), testID)
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != testID || f.Status != StatusRunning {
		t.Errorf("decoded %+v", f)
	}
}

func TestSuccessBodyNotJSON(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>maintenance</html>"))
	}, lenient)
	_, err := srv.client().GetFunction(context.Background(), testID)
	if err == nil || !strings.Contains(err.Error(), "not the expected JSON") || !strings.Contains(err.Error(), "GET functions/") {
		t.Fatalf("error %v", err)
	}
}

func TestEmptySuccessBody(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	if err := srv.client().DeleteSecret(context.Background(), "db-password"); err != nil {
		t.Fatal(err)
	}
}

// TestTypedErrors maps each error status to its sentinel and checks that the
// body's message and fields reach the *APIError.
func TestTypedErrors(t *testing.T) {
	type check func(t *testing.T, err error, e *APIError)
	tests := []struct {
		name    string
		status  int
		header  map[string]string
		body    any    // JSON; nil: raw is sent
		raw     string // a non-JSON body
		lenient bool
		call    func(*Client) error
		check   check
	}{
		{
			name: "400 with field errors", status: 400,
			body: map[string]any{"code": 400, "message": "Validation failed", "errors": map[string][]string{
				"runtime": {"must be one of python3.11, node20"}, "name": {"is too short", "must be lowercase"}, "config.memory_mb": {"must be at least 64"},
			}},
			call: func(c *Client) error {
				_, err := c.CreateFunction(context.Background(), &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{Runtime: "node20", Code: &bytesArchive{data: []byte("PK")}}})
				return err
			},
			check: func(t *testing.T, err error, e *APIError) {
				if !isBadRequest(err) || IsNotFound(err) || IsConflict(err) || errors.Is(err, ErrServer) {
					t.Errorf("sentinels wrong for %v", err)
				}
				if e.Message != "Validation failed" || e.Method != "POST" || e.Path != "functions" {
					t.Errorf("APIError %+v", e)
				}
				want := map[string][]string{"runtime": {"must be one of python3.11, node20"}, "name": {"is too short", "must be lowercase"}, "config.memory_mb": {"must be at least 64"}}
				if !reflect.DeepEqual(e.Fields, want) {
					t.Errorf("Fields %v", e.Fields)
				}
				wantSummary := "config.memory_mb: must be at least 64; name: is too short, must be lowercase; runtime: must be one of python3.11, node20"
				if got := e.FieldSummary(); got != wantSummary {
					t.Errorf("FieldSummary %q\nwant %q", got, wantSummary)
				}
				if wantErr := "POST functions: 400 Bad Request: Validation failed (" + wantSummary + ")"; err.Error() != wantErr {
					t.Errorf("Error() %q\nwant %q", err, wantErr)
				}
			},
		},
		{
			name: "400 enveloped with empty errors", status: 400,
			body: map[string]any{"code": 400, "data": nil, "errors": map[string]any{}, "message": "Bad replicas"},
			call: func(c *Client) error { _, err := c.DeployFunction(context.Background(), testID); return err },
			check: func(t *testing.T, err error, e *APIError) {
				if !isBadRequest(err) || e.Message != "Bad replicas" || len(e.Fields) != 0 || e.FieldSummary() != "" {
					t.Errorf("APIError %+v", e)
				}
				if strings.Contains(err.Error(), "(") {
					t.Errorf("Error() %q has an empty field list", err)
				}
			},
		},
		{
			name: "404", status: 404, body: map[string]any{"code": 404, "message": "Function not found", "errors": map[string]any{}},
			call: func(c *Client) error { _, err := c.GetFunction(context.Background(), testID); return err },
			check: func(t *testing.T, err error, e *APIError) {
				if !IsNotFound(err) || !errors.Is(err, ErrNotFound) || IsConflict(err) || isBadRequest(err) {
					t.Errorf("sentinels wrong for %v", err)
				}
				if e.StatusCode != 404 || e.Path != "functions/"+testID || e.Method != "GET" {
					t.Errorf("APIError %+v", e)
				}
			},
		},
		{
			name: "409", status: 409, body: map[string]any{"code": 409, "message": "secret is used by hello-fn", "errors": map[string]any{}},
			call: func(c *Client) error { return c.DeleteSecret(context.Background(), "db-password") },
			check: func(t *testing.T, err error, e *APIError) {
				if !IsConflict(err) || IsNotFound(err) || !strings.Contains(err.Error(), "secret is used by hello-fn") {
					t.Errorf("APIError %v", err)
				}
			},
		},
		{
			name: "401", status: 401, body: map[string]any{"code": 401, "message": "Invalid credentials", "errors": map[string]any{}},
			call: func(c *Client) error { _, err := c.ListRuntimes(context.Background()); return err },
			check: func(t *testing.T, err error, e *APIError) {
				if !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrServer) || e.Message != "Invalid credentials" {
					t.Errorf("APIError %v", err)
				}
			},
		},
		{
			name: "429 after retries", status: 429, header: map[string]string{"Retry-After": "0"},
			body: map[string]any{"code": 429, "message": "slow down", "errors": map[string]any{}},
			call: func(c *Client) error { _, err := c.ListSecrets(context.Background()); return err },
			check: func(t *testing.T, err error, e *APIError) {
				if !errors.Is(err, ErrRateLimited) || e.RetryAfter != 0 {
					t.Errorf("APIError %+v", e)
				}
			},
		},
		{
			name: "500", status: 500, body: map[string]any{"code": 500, "message": "database down", "errors": map[string]any{}},
			call: func(c *Client) error { _, err := c.GetFunction(context.Background(), testID); return err },
			check: func(t *testing.T, err error, e *APIError) {
				if !errors.Is(err, ErrServer) || IsNotFound(err) || e.Message != "database down" {
					t.Errorf("APIError %v", err)
				}
			},
		},
		{
			name: "502 from a proxy with an HTML body", status: 502, lenient: true,
			raw:  "<html><body><h1>502 Bad Gateway</h1></body></html>\n",
			call: func(c *Client) error { _, err := c.GetFunction(context.Background(), testID); return err },
			check: func(t *testing.T, err error, e *APIError) {
				if !errors.Is(err, ErrServer) || e.Message != "<html><body><h1>502 Bad Gateway</h1></body></html>" || e.Fields != nil {
					t.Errorf("APIError %+v", e)
				}
			},
		},
		{
			name: "long non-JSON body is cut", status: 400, lenient: true,
			raw:  strings.Repeat("x", 500),
			call: func(c *Client) error { _, err := c.GetFunction(context.Background(), testID); return err },
			check: func(t *testing.T, err error, e *APIError) {
				if !isBadRequest(err) || e.Message != strings.Repeat("x", 200)+"…" {
					t.Errorf("message %q", e.Message)
				}
			},
		},
		{
			name: "empty error body", status: 409, lenient: true,
			call: func(c *Client) error { _, err := c.GetFunction(context.Background(), testID); return err },
			check: func(t *testing.T, err error, e *APIError) {
				if !IsConflict(err) || e.Message != "" || err.Error() != "GET functions/"+testID+": 409 Conflict" {
					t.Errorf("Error() %q", err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []serverOption
			if tc.lenient {
				opts = append(opts, lenient)
			}
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				if tc.body != nil {
					writeJSON(w, tc.status, tc.body)
					return
				}
				if tc.raw != "" {
					w.Header().Set("Content-Type", "text/html")
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.raw))
			}, opts...)
			err := tc.call(srv.client(func(c *Config) { c.MaxRetries = 1 }))
			if err == nil {
				t.Fatal("no error")
			}
			tc.check(t, err, asAPIError(t, err))
		})
	}
}

func TestRetryAfterOnAPIError(t *testing.T) {
	for _, tc := range []struct{ header, name string }{
		{"7", "seconds"},
		{"10000000000", "seconds beyond time.Duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tc.header)
				writeError(w, http.StatusTooManyRequests, "slow down", nil)
			})
			_, err := srv.client(func(c *Config) { c.MaxRetries = -1 }).GetFunction(context.Background(), testID)
			e := asAPIError(t, err)
			if tc.header == "7" && e.RetryAfter.Seconds() != 7 {
				t.Errorf("RetryAfter %v, want 7s", e.RetryAfter)
			}
			if e.RetryAfter < 0 {
				t.Errorf("RetryAfter %v is negative", e.RetryAfter)
			}
		})
	}
}
