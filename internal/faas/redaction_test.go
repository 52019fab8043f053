// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRedactionTransportErrors: a refused connection surfaces in net/http as
// a *url.Error that prints the whole URL, apikey included. Neither the error
// nor any log line may hold a credential.
func TestRedactionTransportErrors(t *testing.T) {
	calls := map[string]func(context.Context, *Client) error{
		"GET": func(ctx context.Context, c *Client) error { _, err := c.GetFunction(ctx, testID); return err },
		"POST create": func(ctx context.Context, c *Client) error {
			_, err := c.CreateFunction(ctx, &CreateFunctionRequest{Name: "hello-fn", FunctionSpec: FunctionSpec{Runtime: "node20", Code: &bytesArchive{data: []byte("PK")}}})
			return err
		},
		"POST secret": func(ctx context.Context, c *Client) error {
			_, err := c.CreateSecret(ctx, &CreateSecretRequest{Name: "db-password", Value: "s3cr3t-v4lue-77"})
			return err
		},
		"DELETE": func(ctx context.Context, c *Client) error { return c.DeleteSecret(ctx, "db-password") },
		"PUT secret": func(ctx context.Context, c *Client) error {
			_, err := c.UpdateSecret(ctx, "db-password", "s3cr3t-v4lue-77")
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			var logs logRecorder
			c, err := New(Config{
				Endpoint: refusedEndpoint(t), APIKey: testKey, AuthToken: testToken, ProjectID: "20235", Location: "Delhi",
				MaxRetries: 2, RetryWaitMin: 1e6, RetryWaitMax: 1e6, Log: logs.log,
			})
			if err != nil {
				t.Fatal(err)
			}
			err = call(context.Background(), c)
			te := asTransportError(t, err)
			if te.Attempts != 3 {
				t.Errorf("%d attempts, want 3: a refused connection never reached the server, so every method retries", te.Attempts)
			}
			if !strings.Contains(err.Error(), "refused") {
				t.Errorf("error %q does not say the connection was refused", err)
			}
			assertNoCredentials(t, "error", err.Error(), "s3cr3t-v4lue-77")
			assertNoCredentials(t, "error (%v)", fmt.Sprintf("%v", err), "s3cr3t-v4lue-77")
			lines := logs.all()
			if len(lines) == 0 {
				t.Fatal("nothing logged")
			}
			for _, l := range lines {
				assertNoCredentials(t, "log line", l, "s3cr3t-v4lue-77")
			}
		})
	}
}

// TestRedactionEchoedCredentials: a server that echoes the request URL or
// headers in its error must not get the credentials into the error.
func TestRedactionEchoedCredentials(t *testing.T) {
	echo := func(r *http.Request) string {
		return fmt.Sprintf("bad request to %s with Authorization %q and key %s", r.URL.String(), r.Header.Get("Authorization"), r.URL.Query().Get("apikey"))
	}
	tests := []struct {
		name    string
		status  int
		answer  func(w http.ResponseWriter, r *http.Request)
		lenient bool
	}{
		{"JSON message and fields", 401, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 401, echo(r), map[string][]string{"apikey": {"unknown key " + testKey}, "auth": {echo(r)}})
		}, false},
		{"plain text", 401, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(401)
			_, _ = w.Write([]byte(echo(r)))
		}, true},
		{"plain text with the key at the cut", 403, func(w http.ResponseWriter, r *http.Request) {
			// A long body is cut at 200 bytes: put the key across the cut
			// so that a client which cuts before it scrubs leaks most of it.
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(403)
			_, _ = w.Write([]byte(strings.Repeat(".", 200-len(testKey)+2) + testKey + " denied"))
		}, true},
		{"plain text with the escaped key at the cut", 403, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(403)
			_, _ = w.Write([]byte(strings.Repeat(".", 195) + "?apikey=" + url.QueryEscape(testKey)))
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []serverOption
			if tc.lenient {
				opts = append(opts, lenient)
			}
			var logs logRecorder
			srv := newAPIServer(t, tc.answer, opts...)
			_, err := srv.client(func(c *Config) { c.Log = logs.log }).GetFunction(context.Background(), testID)
			e := asAPIError(t, err)
			assertNoCredentials(t, "error", err.Error())
			assertNoCredentials(t, "message", e.Message)
			assertNoCredentials(t, "fields", e.FieldSummary())
			// Most of a credential is as bad as all of it.
			for _, s := range []string{testKey, url.QueryEscape(testKey), testToken} {
				if part := s[:len(s)-2]; strings.Contains(err.Error(), part) {
					t.Errorf("error holds %q, most of a credential: %s", part, err)
				}
			}
			for _, l := range logs.all() {
				assertNoCredentials(t, "log line", l)
			}
		})
	}
}

// TestRedactionSecretValue: the value CreateSecret or UpdateSecret sends
// never shows in an error, even when the server echoes it.
func TestRedactionSecretValue(t *testing.T) {
	const value = "pa55-W0rd!xyz"
	tests := []struct {
		name    string
		answer  func(w http.ResponseWriter, r *http.Request)
		lenient bool
		// only names the one call the answer suits, when it suits one.
		only string
	}{
		{"message and fields", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 400, "value "+value+" is weak", map[string][]string{"value": {"got " + value}, "name": {"taken"}})
		}, false, ""},
		{"conflict", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 409, "secret db-password exists with value "+value, nil)
		}, false, "CreateSecret"},
		{"not found", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 404, "no secret db-password to set to "+value, nil)
		}, false, "UpdateSecret"},
		{"echoed request body", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(422)
			_, _ = w.Write(append([]byte("unprocessable: "), body...))
		}, true, ""},
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 500, "panic: insert "+value, nil)
		}, false, ""},
	}
	calls := map[string]func(context.Context, *Client) error{
		"CreateSecret": func(ctx context.Context, c *Client) error {
			_, err := c.CreateSecret(ctx, &CreateSecretRequest{Name: "db-password", Value: value})
			return err
		},
		"UpdateSecret": func(ctx context.Context, c *Client) error {
			_, err := c.UpdateSecret(ctx, "db-password", value)
			return err
		},
	}
	for _, tc := range tests {
		for callName, call := range calls {
			if tc.only != "" && tc.only != callName {
				continue
			}
			t.Run(callName+" "+tc.name, func(t *testing.T) {
				var opts []serverOption
				if tc.lenient {
					opts = append(opts, lenient)
				}
				var logs logRecorder
				srv := newAPIServer(t, tc.answer, opts...)
				err := call(context.Background(), srv.client(func(c *Config) { c.Log = logs.log }))
				e := asAPIError(t, err)
				assertNoCredentials(t, "error", err.Error(), value)
				assertNoCredentials(t, "message", e.Message, value)
				for field, msgs := range e.Fields {
					assertNoCredentials(t, "field "+field, strings.Join(msgs, "\n"), value)
				}
				if !strings.Contains(err.Error(), "[redacted]") {
					t.Errorf("error %q does not show where the value was removed", err)
				}
				for _, l := range logs.all() {
					assertNoCredentials(t, "log line", l, value)
				}
			})
		}
	}
}

// TestLogFields checks what the Log callback receives: method, path, status
// and attempts, never the query string.
func TestLogFields(t *testing.T) {
	var got []map[string]any
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fullFunction(StatusRunning))
	})
	c := srv.client(func(cfg *Config) {
		cfg.Log = func(_ context.Context, msg string, fields map[string]any) {
			got = append(got, fields)
		}
	})
	if _, err := c.GetFunction(context.Background(), testID); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d log lines, want 1", len(got))
	}
	f := got[0]
	if f["method"] != "GET" || f["path"] != "functions/"+testID || f["status"] != 200 || f["attempts"] != 1 {
		t.Errorf("log fields %v", f)
	}
	for k, v := range f {
		assertNoCredentials(t, "log field "+k, fmt.Sprint(v))
	}
}

// TestLogCountsAttempts: the line logged after retries counts them.
func TestLogCountsAttempts(t *testing.T) {
	var got []map[string]any
	var n atomic.Int32
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			writeError(w, http.StatusInternalServerError, "busy", nil)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c := srv.client(func(cfg *Config) {
		cfg.Log = func(_ context.Context, msg string, fields map[string]any) { got = append(got, fields) }
	})
	if err := c.DeleteSecret(context.Background(), "db-password"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0]["attempts"] != 3 || got[0]["status"] != 204 || got[0]["method"] != "DELETE" {
		t.Errorf("log lines %v, want one line counting 3 attempts", got)
	}
}
