// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/ziptest"
)

func TestInvokeFlag(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/missing/" {
			http.Error(w, "no such function", http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, r.Method+" "+string(body))
	}))
	defer ts.Close()

	var out strings.Builder
	if err := run(context.Background(), []string{"-invoke", ts.URL + "/fn/"}, &out); err != nil || out.String() != "GET \n" {
		t.Errorf("GET: %q %v", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"-invoke", ts.URL + "/fn/", "-data", "ping"}, &out); err != nil || out.String() != "POST ping\n" {
		t.Errorf("POST: %q %v", out.String(), err)
	}
	out.Reset()
	err := run(context.Background(), []string{"-invoke", ts.URL + "/missing/"}, &out)
	if err == nil || !strings.Contains(err.Error(), "404") || out.String() != "no such function\n" {
		t.Errorf("404: %q %v", out.String(), err)
	}
}

// By default the command runs functions, and stops them when it stops.
func TestInvokeLocalFunction(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("skipped: python3 is not on PATH")
	}
	workDir := t.TempDir()
	s := start(t, "-addr", "127.0.0.1:0", "-dialect", "faas-v1", "-deploy-delay", "0", "-delete-delay", "0", "-work-dir", workDir)
	var endpoint, key, token string
	for _, line := range s.lines {
		if v, ok := strings.CutPrefix(line, "export E2E_API_ENDPOINT="); ok {
			endpoint = v
		}
		if v, ok := strings.CutPrefix(line, "export E2E_API_KEY="); ok {
			key = v
		}
		if v, ok := strings.CutPrefix(line, "export E2E_AUTH_TOKEN="); ok {
			token = v
		}
	}
	send := func(method, path, body string) map[string]any {
		t.Helper()
		var out map[string]any
		call(t, method, endpoint+path+"?apikey="+key, token, body, &out)
		return out
	}
	code := ziptest.Base64(map[string]string{"handler.py": "def handle(event, context):\n    return 'hi from ' + event.path\n"})
	created := send("POST", "functions", `{"name":"cmd-fn","runtime":"python3.11","code_archive":"`+code+`"}`)
	id, _ := created["id"].(string)
	var f map[string]any
	if !runnertest.Eventually(30*time.Second, func() bool { f = send("GET", "functions/"+id, ""); return f["status"] != "Deploying" }) || f["status"] != "Running" {
		t.Fatalf("function %v", f)
	}
	url, _ := f["invoke_url"].(string)
	var out strings.Builder
	if err := run(context.Background(), []string{"-invoke", url + "x"}, &out); err != nil || out.String() != "hi from /x\n" {
		t.Fatalf("-invoke: %q %v", out.String(), err)
	}
	if len(runnertest.Processes(t, workDir)) == 0 && runtime.GOOS == "linux" {
		t.Error("no worker process found")
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	runnertest.NoneLeft(t, workDir)
}
