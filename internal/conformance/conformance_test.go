// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package conformance_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/conformance"
)

const (
	key   = "k3y+with/odd=chars"
	token = "t0ken-abcdef"
)

// get sends one request with the credentials through a recorder.
func get(t *testing.T, rec *conformance.Recorder, u, label string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u+"?"+url.Values{"apikey": {key}, "location": {"Delhi"}, "project_id": {"12345"}}.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if label != "" {
		req.Header.Set(conformance.ProbeHeader, label)
	}
	return (&http.Client{Transport: rec}).Do(req)
}

// Credentials never reach what the recorder keeps or the report shows, in
// any form: the query, a body that echoes them (raw or URL-escaped), a
// transport error's URL; the caller still gets the answer as sent, and the
// probe's label is kept but never sent.
func TestRecorder_redactsCredentials(t *testing.T) {
	var sawLabel bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawLabel = sawLabel || r.Header.Get(conformance.ProbeHeader) != ""
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"code":404,"data":null,"errors":{},"message":"no function; you sent `+
			r.URL.Query().Get("apikey")+` `+url.QueryEscape(key)+` `+r.Header.Get("Authorization")+`"}`)
	}))
	defer srv.Close()
	rec, err := conformance.NewRecorder(nil, key, token)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := get(t, rec, srv.URL+"/myaccount/api/v1/faas/function/missing/", conformance.ProbeNotFound)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), token) {
		t.Errorf("the caller did not get the answer as sent: %s", body)
	}
	if sawLabel {
		t.Error("the probe header reached the server")
	}
	// No answer at all: the transport's error names the URL, key included.
	srv.Close()
	if _, err := get(t, rec, srv.URL+"/myaccount/api/v1/faas/functions/", ""); err == nil {
		t.Fatal("a closed server answered")
	}
	exs := rec.Exchanges()
	if len(exs) != 2 || exs[0].Label != conformance.ProbeNotFound || exs[1].Err == "" {
		t.Fatalf("exchanges %+v", exs)
	}
	report := conformance.NewReport(srv.URL, rec).Markdown(rec.Redactor())
	if !strings.Contains(report, "did not hold `not-found-http-200-code-404`") || !strings.Contains(report, "apikey="+conformance.Redacted) {
		t.Errorf("the report does not show the exchange that broke the assumption:\n%s", report)
	}
	kept := report
	for _, e := range exs {
		kept += e.Query + e.RequestBody + e.ResponseBody + e.Err + strings.Join(e.Violations, "")
	}
	for _, secret := range []string{key, token, url.QueryEscape(key), url.PathEscape(key)} {
		if strings.Contains(kept, secret) {
			t.Errorf("%q was kept:\n%s", secret, kept)
		}
	}
}

// An answer the document does not allow is kept with its violation.
func TestRecorder_checksAgainstTheDocument(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"code":200,"data":[{"name":"a"}],"errors":{},"message":"Success"}`)
	}))
	defer srv.Close()
	rec, err := conformance.NewRecorder(nil, key, token)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := get(t, rec, srv.URL+"/myaccount/api/v1/faas/functions/", "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	exs := rec.Exchanges()
	if len(exs) != 1 || len(exs[0].Violations) == 0 || !strings.Contains(exs[0].Violations[0], `property "status" is missing`) {
		t.Fatalf("violations %q", exs[0].Violations)
	}
	for _, f := range conformance.Evaluate(exs) {
		switch f.ID {
		case "document", "list-fields":
			if f.Verdict != conformance.NotHeld {
				t.Errorf("%s: %s (%s)", f.ID, f.Verdict, f.Detail)
			}
		}
	}
}

func exchange(method, path string, status int, body, label string) conformance.Exchange {
	return conformance.Exchange{Method: method, Path: "/myaccount/api/v1/" + path, Status: status, ResponseBody: body, Label: label}
}

func verdict(t *testing.T, exs []conformance.Exchange, id string) conformance.Finding {
	t.Helper()
	for _, f := range conformance.Evaluate(exs) {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no assumption %s", id)
	return conformance.Finding{}
}

// Each verdict of each kind of judgement, on exchanges made up for it.
func TestEvaluate_verdicts(t *testing.T) {
	notFound := `{"code":404,"data":null,"errors":{},"message":"not found"}`
	conflict := `{"code":409,"data":null,"errors":{},"message":"taken"}`
	refused := `{"code":400,"data":null,"errors":{},"message":"bad"}`
	ok := func(data string) string { return `{"code":200,"data":` + data + `,"errors":{},"message":"Success"}` }
	cases := []struct {
		name, id string
		exs      []conformance.Exchange
		want     conformance.Verdict
		detail   string
	}{
		{"not found as assumed", "not-found-http-200-code-404", []conformance.Exchange{exchange("GET", "faas/function/x/", 200, notFound, "")}, conformance.Held, "1 reads"},
		{"not found as HTTP 404", "not-found-http-200-code-404", []conformance.Exchange{exchange("GET", "faas/function/x/", 404, `Not Found`, "")}, conformance.NotHeld, "HTTP 404 without a body code"},
		{"a probe of a missing name answered a function", "not-found-http-200-code-404", []conformance.Exchange{exchange("GET", "faas/function/x/", 200, ok(`{"name":"x","status":"running"}`), conformance.ProbeNotFound)}, conformance.NotHeld, "HTTP 200 with body code 200"},
		{"no missing function read", "not-found-http-200-code-404", nil, conformance.NotObserved, ""},
		{"taken name as HTTP 409", "name-taken-409", []conformance.Exchange{exchange("POST", "faas/functions/", 409, conflict, conformance.ProbeNameTaken)}, conformance.Held, "HTTP 409"},
		{"taken name as body code 409", "name-taken-409", []conformance.Exchange{exchange("POST", "faas/functions/", 200, conflict, conformance.ProbeNameTaken)}, conformance.Held, "HTTP 200 with body code 409"},
		{"taken name refused with 400", "name-taken-409", []conformance.Exchange{exchange("POST", "faas/functions/", 400, refused, conformance.ProbeNameTaken)}, conformance.NotHeld, "not 409"},
		{"taken name accepted", "name-taken-409", []conformance.Exchange{exchange("POST", "faas/functions/", 200, ok(`{"name":"x","status":"creating"}`), conformance.ProbeNameTaken)}, conformance.NotHeld, "the API created"},
		{"update during a deploy accepted", "deploy-in-progress-409", []conformance.Exchange{exchange("PUT", "faas/handler_file/x/", 200, ok(`{"name":"x","status":"deploying"}`), conformance.ProbeUpdateWhileDeploying)}, conformance.NotHeld, "the API updated"},
		{"no update during a deploy", "deploy-in-progress-409", nil, conformance.NotObserved, "did not run"},
		{"a status word not assumed", "status-words", []conformance.Exchange{exchange("GET", "faas/function/x/", 200, ok(`{"name":"x","status":"Ready"}`), "")}, conformance.NotHeld, `"Ready"`},
		{"status words in any case", "status-words", []conformance.Exchange{exchange("GET", "faas/functions/", 200, ok(`[{"name":"x","status":"Running"},{"name":"y","status":"FAILED"}]`), "")}, conformance.Held, "Running (1)"},
		{"an answer without the envelope", "envelope", []conformance.Exchange{exchange("GET", "faas/functions/", 502, `<html>bad gateway</html>`, "")}, conformance.NotHeld, "not a JSON object"},
		{"an envelope without errors", "envelope", []conformance.Exchange{exchange("GET", "faas/functions/", 200, `{"code":200,"data":[],"message":"ok"}`, "")}, conformance.NotHeld, "without errors"},
		{"a function without status", "function-fields", []conformance.Exchange{exchange("GET", "faas/function/x/", 200, ok(`{"name":"x","url":"u"}`), "")}, conformance.NotHeld, "lacks status"},
		{"a sparse function", "function-fields", []conformance.Exchange{exchange("GET", "faas/function/x/", 200, ok(`{"name":"x","status":"running","url":"u"}`), "")}, conformance.Held, "always carried: url; sometimes: none; never: runtime"},
		{"a runtime not built in", "catalogue", []conformance.Exchange{exchange("GET", "faas/runtimes/", 200, ok(`[{"runtime":"python-3.14","node_type":"cpu","label":"requirements.txt","boiler_code":"","requirements_code":""}]`), "")}, conformance.NotHeld, "python-3.14 is not in the built-in catalogue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := verdict(t, tc.exs, tc.id)
			if f.Verdict != tc.want || !strings.Contains(f.Detail, tc.detail) {
				t.Errorf("%s: %s (%s), want %s with %q", tc.id, f.Verdict, f.Detail, tc.want, tc.detail)
			}
			if f.Verdict == conformance.NotHeld && f.Evidence == nil {
				t.Error("no evidence for a broken assumption")
			}
		})
	}
}

// A body is kept whole, so that a function with more than a few KB of code
// is still judged on its JSON (the report cuts what it shows).
func TestRedactor_keepsBodiesWhole(t *testing.T) {
	body := `{"code":200,"data":{"name":"x","status":"Running","code":"` + strings.Repeat("print(1)\\n", 1000) + `"},"errors":{},"message":"Success"}`
	got := conformance.NewRedactor("secret-key").Body([]byte(body))
	if got != body || !json.Valid([]byte(got)) {
		t.Fatalf("a %d-byte body came back as %d bytes, valid JSON %v", len(body), len(got), json.Valid([]byte(got)))
	}
}
