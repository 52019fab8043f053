// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAuth(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name       string
		key, token *string
		header     string
	}{
		{name: "no credentials", key: ptr(""), token: ptr("")},
		{name: "no header", token: ptr("")},
		{name: "wrong token", token: ptr("wrong-token")},
		{name: "no api key", key: ptr("")},
		{name: "wrong api key", key: ptr("wrong-key")},
		{name: "token as api key", key: ptr(testAuthToken)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"runtimes", "functions", "/_local/requests"} {
				r := h.send(call{Method: "GET", Path: path, Key: tc.key, Token: tc.token})
				r.want(t, http.StatusUnauthorized)
				errorOf(t, r)
			}
		})
	}
	t.Run("basic scheme", func(t *testing.T) {
		req, _ := http.NewRequest("GET", h.ts.URL+"/faas/api/v1/runtimes?apikey="+testAPIKey, nil)
		req.Header.Set("Authorization", "Basic "+testAuthToken)
		res, err := h.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("server without credentials", func(t *testing.T) {
		h := newHarness(t, func(o *localfaas.Options) { o.APIKey, o.AuthToken = "", "" })
		h.send(call{Method: "GET", Path: "runtimes", Key: ptr(""), Token: ptr("")}).want(t, http.StatusUnauthorized)
		h.do("GET", "runtimes", nil).want(t, http.StatusUnauthorized)
	})
	h.do("GET", "runtimes", nil).want(t, http.StatusOK)
}

func TestCreateAndGet(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		archive := zipBytes(map[string]string{"main.py": "def handle(e, c): return 1\n"})
		body := map[string]any{
			"name": "process-orders", "runtime": "python3.11", "template": "flask",
			"handler_function": "main", "code_archive": b64(archive), "requirements": "requests==2.31.0",
			"config":      map[string]any{"memory_mb": 512, "timeout_seconds": 60, "replicas": 3, "hardware_type": "cpu", "min_scale": 0, "max_scale": 10},
			"environment": map[string]string{"LOG_LEVEL": "INFO"},
			"labels":      map[string]string{"team": "backend"},
			"annotations": map[string]string{"owner": "ops"},
		}
		created := h.create(body)
		if !uuidV4.MatchString(created.ID) {
			t.Errorf("id %q is not a UUIDv4", created.ID)
		}
		if created.Status != "Deploying" || created.Version != "v1" || created.Namespace != "e2e-faas-local-dl" {
			t.Errorf("created = %+v", created)
		}
		sum := sha256.Sum256(archive)
		if created.CodeSHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("code_sha256 %s", created.CodeSHA256)
		}
		wantURL := h.ts.URL + "/faas/function/v1/process-orders.e2e-faas-local-dl/"
		if created.InvokeURL != wantURL {
			t.Errorf("invoke_url %s, want %s", created.InvokeURL, wantURL)
		}
		if created.CreatedAt != "2025-01-15T10:30:00Z" || created.UpdatedAt != created.CreatedAt {
			t.Errorf("times %s %s", created.CreatedAt, created.UpdatedAt)
		}

		got := h.get(created.ID)
		if got.Status != "Running" || got.Version != "v1" || got.ErrorMessage != "" {
			t.Errorf("after deploy: %s %s %q", got.Status, got.Version, got.ErrorMessage)
		}
		if got.Template != "flask" || got.HandlerFunction != "main" || got.Requirements != "requests==2.31.0" ||
			got.Config.MemoryMB != 512 || got.Config.TimeoutSeconds != 60 || got.Config.Replicas != 3 ||
			got.Config.MinScale != 0 || got.Config.MaxScale != 10 || got.Environment["LOG_LEVEL"] != "INFO" ||
			got.Labels["team"] != "backend" || got.Annotations["owner"] != "ops" || got.InvocationCount != 0 {
			t.Errorf("got %+v", got)
		}

		stored, ok := h.srv.Function(created.ID)
		if !ok || string(stored.CodeArchive) != string(archive) || stored.Status != "Running" || stored.InvokeURL != wantURL {
			t.Errorf("stored %+v", stored)
		}

		r := h.do("GET", "functions/00000000-0000-4000-8000-000000000000", nil).want(t, http.StatusNotFound)
		errorOf(t, r)
	})
}

func TestCreateDefaults(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		r := h.do("POST", "functions", minimal("defaults")).want(t, http.StatusCreated)
		for _, want := range []string{`"environment":{}`, `"labels":{}`, `"annotations":{}`, `"secrets":[]`} {
			if !strings.Contains(string(r.Body), want) {
				t.Errorf("body lacks %s: %s", want, r.Body)
			}
		}
		f := h.function(r)
		c := f.Config
		if f.Template != "http" || f.HandlerFunction != "handle" || c.MemoryMB != 128 || c.TimeoutSeconds != 30 ||
			c.Replicas != 1 || c.HardwareType != "cpu" || c.MinScale != 1 || c.MaxScale != 5 {
			t.Errorf("defaults %+v", f)
		}
	})
}

func TestDuplicateName(t *testing.T) {
	h := newHarness(t)
	first := h.create(minimal("dup-name"))
	r := h.do("POST", "functions", minimal("dup-name")).want(t, http.StatusConflict)
	e := errorOf(t, r)
	if !strings.Contains(e.Message, "dup-name") || !strings.Contains(e.Message, first.ID) {
		t.Errorf("409 message %q should name the function and its id", e.Message)
	}
	// Another project is another namespace.
	r = h.send(call{Method: "POST", Path: "functions", Body: minimal("dup-name"), Project: "20235"}).want(t, http.StatusCreated)
	if f := h.function(r); f.Namespace != "e2e-faas-20235-dl" {
		t.Errorf("namespace %s", f.Namespace)
	}
	if n := len(h.srv.Functions()); n != 2 {
		t.Errorf("%d functions", n)
	}
}

func TestNamespaceIsolation(t *testing.T) {
	h := newHarness(t, func(o *localfaas.Options) { o.DefaultProject = "20235" })
	f := h.create(minimal("isolated"))
	if f.Namespace != "e2e-faas-20235-dl" {
		t.Fatalf("namespace %s", f.Namespace)
	}
	h.send(call{Method: "GET", Path: "functions/" + f.ID, Project: "other"}).want(t, http.StatusNotFound)
	h.send(call{Method: "GET", Path: "functions/" + f.ID, Project: "20235"}).want(t, http.StatusOK)
	var list struct{ Total int }
	h.decode(h.send(call{Method: "GET", Path: "functions", Project: "other"}).want(t, http.StatusOK), &list)
	if list.Total != 0 {
		t.Errorf("other project sees %d functions", list.Total)
	}
}

func TestListFunctions(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		// Created one second apart, in an order that differs from name order.
		names := []string{"echo", "alpha", "delta", "bravo", "charlie"}
		for i, name := range names {
			h.create(with(minimal(name), "labels", map[string]string{"team": []string{"a", "b"}[i%2], "tier": "web"}))
			h.clock.Advance(time.Second)
		}
		type list struct {
			Functions []function `json:"functions"`
			Total     int        `json:"total"`
			Page      int        `json:"page"`
			PerPage   int        `json:"per_page"`
		}
		fetch := func(query string) list {
			t.Helper()
			var l list
			h.decode(h.do("GET", "functions"+query, nil).want(t, http.StatusOK), &l)
			return l
		}
		namesOf := func(l list) []string {
			var out []string
			for _, f := range l.Functions {
				out = append(out, f.Name)
			}
			return out
		}

		all := fetch("")
		if all.Total != 5 || all.Page != 1 || all.PerPage != 50 || !slices.Equal(namesOf(all), names) {
			t.Errorf("all: total %d page %d per_page %d names %v", all.Total, all.Page, all.PerPage, namesOf(all))
		}
		if l := fetch("?name=delta"); l.Total != 1 || l.Functions[0].Name != "delta" {
			t.Errorf("name filter: %v", namesOf(l))
		}
		if l := fetch("?name=delt"); l.Total != 0 || l.Functions == nil {
			t.Errorf("name filter is exact: %v", namesOf(l))
		}
		if l := fetch("?label=team%3Da&label=tier%3Dweb"); l.Total != 3 || !slices.Equal(namesOf(l), []string{"echo", "delta", "charlie"}) {
			t.Errorf("label filter: %v", namesOf(l))
		}
		if l := fetch("?label=team%3Da&label=tier%3Ddb"); l.Total != 0 {
			t.Errorf("all labels must match: %v", namesOf(l))
		}
		p2 := fetch("?page=2&per_page=2")
		if p2.Total != 5 || p2.Page != 2 || p2.PerPage != 2 || !slices.Equal(namesOf(p2), []string{"delta", "bravo"}) {
			t.Errorf("page 2: %+v %v", p2, namesOf(p2))
		}
		if l := fetch("?page=9&per_page=2"); l.Total != 5 || len(l.Functions) != 0 {
			t.Errorf("past the end: %v", namesOf(l))
		}
		if l := fetch("?per_page=200"); l.PerPage != 200 {
			t.Errorf("per_page 200: %d", l.PerPage)
		}

		for _, q := range []string{"?per_page=201", "?per_page=0", "?page=0", "?page=x"} {
			r := h.invalid("GET", "functions"+q, nil).want(t, http.StatusBadRequest)
			if e := errorOf(t, r); len(e.Errors) != 1 {
				t.Errorf("%s: %+v", q, e)
			}
		}
		r := h.do("GET", "functions?label=team", nil).want(t, http.StatusBadRequest)
		if e := errorOf(t, r); e.Errors["label"] == nil {
			t.Errorf("label without '=': %+v", e)
		}
	})
}

func TestReplaceFunction(t *testing.T) {
	h := newHarness(t)
	f := h.create(with(minimal("replace-me"), "template", "fastapi", "labels", map[string]string{"a": "b"},
		"config", map[string]any{"memory_mb": 256}))
	r := h.do("PUT", "functions/"+f.ID, map[string]any{
		"runtime": "python3.11", "code_archive": zipB64(map[string]string{"x.py": "x"}), "config": map[string]any{"timeout_seconds": 90},
	}).want(t, http.StatusOK)
	got := h.function(r)
	if got.Status != "Deploying" || got.Version != "v2" {
		t.Errorf("status %s version %s", got.Status, got.Version)
	}
	// A full update: what is left out goes back to its default.
	if got.Template != "http" || len(got.Labels) != 0 || got.Config.MemoryMB != 128 || got.Config.TimeoutSeconds != 90 ||
		got.CodeSHA256 == f.CodeSHA256 || got.Name != "replace-me" || got.CreatedAt != f.CreatedAt {
		t.Errorf("replaced: %+v", got)
	}

	r = h.invalid("PUT", "functions/"+f.ID, with(minimal("x"), "runtime", "python3.11")).want(t, http.StatusBadRequest)
	if e := errorOf(t, r); e.Errors["name"] == nil {
		t.Errorf("name is not part of PUT: %+v", e)
	}
	r = h.do("PUT", "functions/"+f.ID, map[string]any{"runtime": "node20", "code_archive": zipB64(nil)}).want(t, http.StatusBadRequest)
	if e := errorOf(t, r); e.Errors["runtime"] == nil {
		t.Errorf("runtime cannot change: %+v", e)
	}
	r = h.do("PUT", "functions/"+f.ID+"/config", map[string]any{"hardware_type": "gpu"}).want(t, http.StatusBadRequest)
	if e := errorOf(t, r); e.Errors["config.hardware_type"] == nil {
		t.Errorf("hardware cannot change: %+v", e)
	}
	h.do("PUT", "functions/00000000-0000-4000-8000-000000000000", map[string]any{"runtime": "python3.11", "code_archive": zipB64(nil)}).
		want(t, http.StatusNotFound)
}

func TestPartialUpdates(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		h.createSecret("db-password", "s3cr3t-value-1")
		h.createSecret("api-token", "s3cr3t-value-2")
		base := h.create(with(minimal("partial"),
			"requirements", "flask==3.0", "template", "flask",
			"config", map[string]any{"memory_mb": 256, "timeout_seconds": 60},
			"environment", map[string]string{"A": "1"}, "secrets", []string{"db-password"},
			"labels", map[string]string{"l": "1"}, "annotations", map[string]string{"n": "1"}))
		h.clock.Advance(time.Second)
		prev := h.get(base.ID)

		// expect compares everything but what the change may touch.
		expect := func(got function, touched ...string) {
			t.Helper()
			type part struct {
				name string
				a, b any
			}
			parts := []part{
				{"code", prev.CodeSHA256 + prev.Requirements + prev.HandlerFunction + prev.Template, got.CodeSHA256 + got.Requirements + got.HandlerFunction + got.Template},
				{"config", prev.Config, got.Config},
				{"environment", fmt.Sprint(prev.Environment, prev.Secrets), fmt.Sprint(got.Environment, got.Secrets)},
				{"metadata", fmt.Sprint(prev.Labels, prev.Annotations), fmt.Sprint(got.Labels, got.Annotations)},
				{"identity", prev.ID + prev.Name + prev.Runtime + prev.CreatedAt + prev.InvokeURL, got.ID + got.Name + got.Runtime + got.CreatedAt + got.InvokeURL},
			}
			for _, p := range parts {
				changed := p.a != p.b
				if changed != slices.Contains(touched, p.name) {
					t.Errorf("%s changed=%v, want %v: %v -> %v", p.name, changed, !changed, p.a, p.b)
				}
			}
			if got.UpdatedAt == prev.UpdatedAt {
				t.Errorf("updated_at did not move")
			}
			prev = h.get(got.ID)
			h.clock.Advance(time.Second)
		}
		redeployed := func(r response, version string) function {
			t.Helper()
			f := h.function(r.want(t, http.StatusOK))
			if f.Status != "Deploying" || f.Version != version {
				t.Errorf("status %s version %s, want Deploying %s", f.Status, f.Version, version)
			}
			return f
		}

		f := redeployed(h.do("PUT", "functions/"+base.ID+"/code", map[string]any{"code_archive": zipB64(map[string]string{"b.py": "b"})}), "v2")
		expect(f, "code")
		if f.Requirements != "flask==3.0" || f.Template != "flask" {
			t.Errorf("absent code fields must stay: %+v", f)
		}
		f = redeployed(h.do("PUT", "functions/"+base.ID+"/code", map[string]any{
			"code_archive": zipB64(map[string]string{"b.py": "b"}), "requirements": "", "handler_function": "main", "template": "http"}), "v3")
		expect(f, "code")

		f = redeployed(h.do("PUT", "functions/"+base.ID+"/config", map[string]any{"memory_mb": 1024}), "v4")
		expect(f, "config")
		if f.Config.MemoryMB != 1024 || f.Config.TimeoutSeconds != 60 {
			t.Errorf("config merge: %+v", f.Config)
		}

		f = redeployed(h.do("PUT", "functions/"+base.ID+"/environment", map[string]any{
			"environment": map[string]string{"B": "2"}, "secrets": []string{"api-token", "db-password"}}), "v5")
		expect(f, "environment")
		if len(f.Environment) != 1 || f.Environment["B"] != "2" || len(f.Secrets) != 2 {
			t.Errorf("environment: %+v %v", f.Environment, f.Secrets)
		}

		f = redeployed(h.do("POST", "functions/"+base.ID+"/scale", map[string]any{"replicas": 4}), "v6")
		expect(f, "config")
		if f.Config.Replicas != 4 {
			t.Errorf("replicas %d", f.Config.Replicas)
		}

		f = redeployed(h.do("POST", "functions/"+base.ID+"/deploy", nil), "v7")
		expect(f)

		r := h.do("PUT", "functions/"+base.ID+"/metadata", map[string]any{"labels": map[string]string{"l": "2"}}).want(t, http.StatusOK)
		f = h.function(r)
		if f.Status != "Running" || f.Version != "v7" {
			t.Errorf("metadata must not redeploy: %s %s", f.Status, f.Version)
		}
		expect(f, "metadata")
		if f.Labels["l"] != "2" || f.Annotations["n"] != "1" {
			t.Errorf("metadata: %v %v", f.Labels, f.Annotations)
		}

		// Unknown fields are named; a partial update's fields are its own.
		r = h.invalid("PUT", "functions/"+base.ID+"/config", map[string]any{"memory": 1}).want(t, http.StatusBadRequest)
		if e := errorOf(t, r); e.Errors["config.memory"] == nil {
			t.Errorf("unknown config field: %+v", e)
		}
		r = h.invalid("PUT", "functions/"+base.ID+"/metadata", map[string]any{"environment": map[string]string{}}).want(t, http.StatusBadRequest)
		if e := errorOf(t, r); e.Errors["environment"] == nil {
			t.Errorf("environment is not metadata: %+v", e)
		}
		r = h.invalid("POST", "functions/"+base.ID+"/scale", map[string]any{"replicas": 6}).want(t, http.StatusBadRequest)
		if e := errorOf(t, r); e.Errors["config.replicas"] == nil {
			t.Errorf("scale range: %+v", e)
		}
		r = h.invalid("PUT", "functions/"+base.ID+"/code", map[string]any{"requirements": "x"}).want(t, http.StatusBadRequest)
		if e := errorOf(t, r); e.Errors["code_archive"] == nil {
			t.Errorf("code_archive is required: %+v", e)
		}
		if got := h.get(base.ID); got.Version != "v7" {
			t.Errorf("rejected updates changed the version to %s", got.Version)
		}
	})
}

func TestRuntimes(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		var out struct {
			Runtimes []struct {
				Name, Version       string
				Templates, Hardware []string
			}
		}
		h.decode(h.do("GET", "runtimes", nil).want(t, http.StatusOK), &out)
		want := map[string][2]string{
			"python3.11": {"http,flask,fastapi", "cpu"}, "node20": {"http,node", "cpu"}, "node18": {"http,node", "cpu"},
			"csharp7.0": {"http", "cpu"}, "php8.2": {"http", "cpu"}, "go1.21": {"http,go", "cpu"},
			"pytorch2.1.2": {"http", "cpu,gpu"}, "tensorflow2.19.0": {"http", "cpu,gpu"}, "custom": {"http", "cpu"},
		}
		if len(out.Runtimes) != len(want) {
			t.Fatalf("%d runtimes", len(out.Runtimes))
		}
		for _, rt := range out.Runtimes {
			w, ok := want[rt.Name]
			if !ok || strings.Join(rt.Templates, ",") != w[0] || strings.Join(rt.Hardware, ",") != w[1] || rt.Version == "" {
				t.Errorf("runtime %+v", rt)
			}
		}
	})
}

func TestLogsAndMetrics(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		f := h.create(minimal("logged"))
		h.clock.Advance(time.Minute)
		h.do("POST", "functions/"+f.ID+"/deploy", nil).want(t, http.StatusOK)
		h.clock.Advance(time.Minute)

		type logs struct {
			Logs []struct{ Timestamp, Stream, Message string }
		}
		fetch := func(query string) logs {
			t.Helper()
			var l logs
			h.decode(h.do("GET", "functions/"+f.ID+"/logs"+query, nil).want(t, http.StatusOK), &l)
			return l
		}
		all := fetch("")
		var msgs []string
		for _, l := range all.Logs {
			msgs = append(msgs, l.Stream+" "+l.Timestamp+" "+l.Message)
		}
		if len(all.Logs) != 4 || !strings.Contains(msgs[0], "deploy v1 started") || !strings.Contains(msgs[1], "deploy v1 finished") ||
			!strings.Contains(msgs[2], "2025-01-15T10:31:00Z deploy v2 started") || !strings.Contains(msgs[3], "deploy v2 finished") {
			t.Errorf("logs:\n%s", strings.Join(msgs, "\n"))
		}
		if l := fetch("?since=2025-01-15T10:31:00Z"); len(l.Logs) != 2 || !strings.Contains(l.Logs[0].Message, "v2 started") {
			t.Errorf("since: %+v", l)
		}
		if l := fetch("?limit=1"); len(l.Logs) != 1 || !strings.Contains(l.Logs[0].Message, "v2 finished") {
			t.Errorf("limit keeps the latest lines: %+v", l)
		}
		h.invalid("GET", "functions/"+f.ID+"/logs?since=yesterday", nil).want(t, http.StatusBadRequest)
		h.invalid("GET", "functions/"+f.ID+"/logs?limit=0", nil).want(t, http.StatusBadRequest)
		h.do("GET", "functions/00000000-0000-4000-8000-000000000000/logs", nil).want(t, http.StatusNotFound)

		r := h.do("GET", "functions/"+f.ID+"/metrics", nil).want(t, http.StatusOK)
		if !strings.Contains(string(r.Body), `"last_invoked_at":null`) {
			t.Errorf("metrics %s", r.Body)
		}
		var m struct {
			InvocationCount, ErrorCount int
			AvgDurationMS               float64 `json:"avg_duration_ms"`
		}
		h.decode(r, &m)
		if m.InvocationCount != 0 || m.ErrorCount != 0 || m.AvgDurationMS != 0 {
			t.Errorf("metrics %+v", m)
		}
	})
}

func TestInvokeURLFollowsScheme(t *testing.T) {
	h := newHarness(t)
	ts := httptest.NewTLSServer(h.checked(h.srv))
	defer ts.Close()
	h.ts = ts
	f := h.create(minimal("secure"))
	if want := ts.URL + "/faas/function/v1/secure.e2e-faas-local-dl/"; f.InvokeURL != want || !strings.HasPrefix(want, "https://") {
		t.Errorf("invoke_url %s, want %s", f.InvokeURL, want)
	}
}

func TestUnknownRoutes(t *testing.T) {
	h := newHarness(t)
	r := h.invalid("GET", "nothing-here", nil).want(t, http.StatusNotFound)
	errorOf(t, r)
	r = h.invalid("PATCH", "functions", nil).want(t, http.StatusMethodNotAllowed)
	errorOf(t, r)
	if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow %q", allow)
	}
	r = h.send(call{Method: "GET", Path: "/elsewhere"}).want(t, http.StatusNotFound)
	errorOf(t, r)
}
