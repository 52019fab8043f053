// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// started is a run in progress.
type started struct {
	lines  []string // the banner, up to the line that says which functions run
	cancel context.CancelFunc
	done   chan error

	mu      sync.Mutex
	after   []string      // what it printed after the banner
	drained chan struct{} // closed when its output ended
}

// printed is what the run printed after its banner so far.
func (s *started) printed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.after)
}

// start calls run with args and waits for its banner.
func start(t *testing.T, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &started{cancel: cancel, done: make(chan error, 1), drained: make(chan struct{})}
	go func() {
		err := run(ctx, args, pw)
		_ = pw.Close()
		s.done <- err
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for line := range lines {
		s.lines = append(s.lines, line)
		if strings.HasPrefix(line, "# functions ") {
			break
		}
	}
	go func() { // keep reading, so that run never blocks on its output
		defer close(s.drained)
		for line := range lines {
			s.mu.Lock()
			s.after = append(s.after, line)
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		// Wait for run to return; a test that cares about its error calls stop.
		if err := <-s.done; err != nil {
			t.Logf("run: %v", err)
		}
	})
	return s
}

// stop ends the run and returns its error.
func (s *started) stop() error {
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		return context.DeadlineExceeded
	}
}

var banner = regexp.MustCompile(`^e2e-faas-local listening on (http://127\.0\.0\.1:[0-9]+)$`)

// parseBanner reads the banner: the listening line and the export lines
// after it, of either dialect.
func parseBanner(t *testing.T, lines []string) (base, key, token string) {
	t.Helper()
	for len(lines) > 0 && !banner.MatchString(lines[0]) {
		lines = lines[1:]
	}
	if len(lines) == 0 {
		t.Fatalf("no banner in %q", lines)
	}
	base = banner.FindStringSubmatch(lines[0])[1]
	for _, line := range lines[1:] {
		if v, ok := strings.CutPrefix(line, "export E2E_API_KEY="); ok {
			key = v
		}
		if v, ok := strings.CutPrefix(line, "export E2E_AUTH_TOKEN="); ok {
			token = v
		}
	}
	if key == "" || token == "" {
		t.Fatalf("credential lines missing: %q", lines)
	}
	return base, key, token
}

// call sends a request with the bearer token, and a JSON body unless
// body is "", decodes a JSON answer into out unless it is nil, and returns
// the status.
func call(t *testing.T, method, url, token, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d: %v", method, url, res.StatusCode, err)
		}
	}
	return res.StatusCode
}

// get is the status of a GET.
func get(t *testing.T, url, token string) int {
	t.Helper()
	return call(t, "GET", url, token, "", nil)
}

func TestRunServesAndPrintsExports(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "local.env")
	s := start(t, "-addr", "127.0.0.1:0", "-api-key", "my-key", "-auth-token", "my-token",
		"-deploy-delay", "0", "-project", "demo", "-env-file", envFile)
	base, key, token := parseBanner(t, s.lines)
	if key != "my-key" || token != "my-token" {
		t.Errorf("banner %q", s.lines)
	}
	exports := s.lines[1:8] // MyAccount's, the provider's default, then faas-v1's as comments
	if want := []string{
		"export E2E_API_ENDPOINT=" + base + "/myaccount/api/v1/",
		"export E2E_PROJECT_ID=12345",
		"export E2E_LOCATION=Delhi",
		"export E2E_API_KEY=my-key",
		"export E2E_AUTH_TOKEN=my-token",
		"# faas-v1 API (-dialect faas-v1): the same key and token, with",
		"# export E2E_API_ENDPOINT=" + base + "/faas/api/v1/",
	}; strings.Join(exports, "\n") != strings.Join(want, "\n") {
		t.Errorf("export lines\n%s\nwant\n%s", strings.Join(exports, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(strings.Join(s.lines, "\n"), "# note: -api-key and -auth-token show in ps") {
		t.Errorf("no note about credentials in flags: %q", s.lines)
	}

	endpoint := base + "/faas/api/v1/"
	if got := get(t, endpoint+"runtimes?apikey="+key, token); got != http.StatusOK {
		t.Errorf("runtimes: %d", got)
	}
	if got := get(t, endpoint+"runtimes?apikey="+key, "wrong"); got != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", got)
	}

	data, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(exports, "\n") + "\n"; string(data) != want {
		t.Errorf("env file %q, want %q", data, want)
	}
	if info, _ := os.Stat(envFile); info.Mode().Perm() != 0o600 {
		t.Errorf("env file mode %v", info.Mode())
	}
	if entries, _ := os.ReadDir(filepath.Dir(envFile)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}

	if err := s.stop(); err != nil {
		t.Fatalf("run returned %v", err)
	}
	if _, err := http.Get(endpoint + "runtimes"); err == nil {
		t.Errorf("still serving after shutdown")
	}
}

func TestRunCredentials(t *testing.T) {
	t.Run("generated", func(t *testing.T) {
		t.Setenv("E2E_LOCAL_API_KEY", "")
		t.Setenv("E2E_LOCAL_AUTH_TOKEN", "")
		s := start(t, "-addr", "127.0.0.1:0")
		_, key, token := parseBanner(t, s.lines)
		hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
		if !hex32.MatchString(key) || !hex32.MatchString(token) || key == token {
			t.Errorf("generated %q %q", key, token)
		}
	})
	t.Run("from the environment", func(t *testing.T) {
		t.Setenv("E2E_LOCAL_API_KEY", "env-key")
		t.Setenv("E2E_LOCAL_AUTH_TOKEN", "env token's")
		s := start(t, "-addr", "127.0.0.1:0")
		base, key, token := parseBanner(t, s.lines)
		if key != "env-key" || token != `'env token'\''s'` {
			t.Errorf("credentials %q %q", key, token)
		}
		if got := get(t, base+"/faas/api/v1/runtimes?apikey=env-key", "env token's"); got != http.StatusOK {
			t.Errorf("runtimes: %d", got)
		}
	})
	t.Run("flags win", func(t *testing.T) {
		t.Setenv("E2E_LOCAL_API_KEY", "env-key")
		s := start(t, "-addr", "127.0.0.1:0", "-api-key", "flag-key")
		if _, key, _ := parseBanner(t, s.lines); key != "flag-key" {
			t.Errorf("key %q", key)
		}
	})
}

func TestRunRefusesRemoteAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0"} {
		err := run(context.Background(), []string{"-addr", addr}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-allow-remote") {
			t.Errorf("%s: %v", addr, err)
		}
	}
	s := start(t, "-addr", "0.0.0.0:0", "-allow-remote", "-api-key", "k", "-auth-token", "t")
	if !strings.HasPrefix(s.lines[0], "# warning") {
		t.Errorf("no warning: %q", s.lines)
	}
	base, _, _ := parseBanner(t, s.lines)
	if got := get(t, base+"/faas/api/v1/runtimes?apikey=k", "t"); got != http.StatusOK {
		t.Errorf("runtimes: %d", got)
	}
}

func TestRunVersionAndUsage(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-version"}, &out); err != nil || out.String() != "e2e-faas-local dev\n" {
		t.Errorf("-version: %q %v", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"-h"}, &out); err != nil || !strings.Contains(out.String(), "-deploy-delay") {
		t.Errorf("-h: %q %v", out.String(), err)
	}
	// The toolchain flags name every runtime they run, from the catalogues.
	for _, rt := range locallyRunnable("") {
		if !strings.Contains(out.String(), rt) {
			t.Errorf("-h does not name %s", rt)
		}
	}
	// -fault-routes says where the route names it takes are shown.
	if usage := out.String(); !strings.Contains(usage, "-quiet") || !strings.Contains(usage, "named as each request's console line names it") {
		t.Errorf("-h does not say where route names are shown: %q", usage)
	}
	if err := run(context.Background(), []string{"-nope"}, io.Discard); err == nil {
		t.Errorf("unknown flag accepted")
	}
	if err := run(context.Background(), []string{"extra"}, io.Discard); err == nil {
		t.Errorf("argument accepted")
	}
	if err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-env-file", filepath.Join(t.TempDir(), "missing", "env")}, io.Discard); err == nil {
		t.Errorf("unwritable env file accepted")
	}
}
